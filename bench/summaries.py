"""Benchmark of the summaries on synthetic warehouses of 10k, 100k and 1M articles.

    .venv/bin/python bench/summaries.py --sizes 10000 100000 [1000000] [--workdir DIR] [--new 1000]
        [--reuse] [--phases cold aggregates daily]

Synthetic articles are recombined paragraphs: 15 % the seeds' (extracted by the project's own extractor),
the rest generated from jieba's dictionary, one generated paragraph per article in the pool (so unrelated
articles share little text, as real news: see bench/summaries_build.py); 20-44 paragraphs each (the seeds'
mean length), 40 outlets, a year of dates (10% undated), and one in five a republication of a recent
article in another outlet with one paragraph dropped, so stories form. Texts are built in DuckDB SQL; every text is distinct (article_id = sha256 of the text).

For each size N it times, with the same functions the Prefect tasks call (presswatch/store/summaries.py
summarise(), the flow's steps in the flow's order, without Prefect):
1. cold per-article analyses (watchlist mentions, terms, figures, MinHash signatures, saved searches)
   on 2 worker processes (in one below analyses.POOL_MIN_ARTICLES pending). These are linear in N, so
   above --cold-full-max articles (default 10,000) they run on a sample of --sample articles and the rest
   of the warehouse gets derived rows COPIED from that sample (signatures are composed from per-paragraph
   signatures instead, so stories stay real); the cold time for N is then extrapolated from the measured
   rate and marked "~". This is the only sampling.
2. a full build of every aggregate over all N articles (what every run did before aggregates followed
   new articles);
3. a daily run: --new (default 1,000) articles land, then one incremental run (analyses of the new
   articles, each aggregate updated for the keys they touch), then the same articles with every aggregate
   rebuilt (the old design, for comparison), then the README's example queries and the HTML report.
--prefect also runs the real summaries flow on the first size, with nothing new, to print Prefect's own
overhead per run (kept out of the times above).
Times are also ratios to baselines measured in the same process on the same warehouse: analyses to plain
jieba.lcut of the same articles in ONE process, rebuilds to one DuckDB full scan (see bench/README.md).
--reuse keeps an existing bench-<N>.duckdb (no build or cold analysis: the cold phase re-measures rates on
--sample articles, writing nothing); the daily phase catches up on anything pending, then lands --new
articles never landed before. Results are merged by size into <workdir>/results.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jieba
import numpy as np
import pandas as pd
from warm import warm_pool

from presswatch.settings import SUMMARIES_DUCKDB_MEMORY, load_settings
from presswatch.store import db as warehouse
from presswatch.store import summaries as summary_store
from presswatch.store import summaries_analyses as analysis_store
from presswatch.store.memory import memory_limit
from presswatch.store.summaries_analyses import STEP_TABLES
from presswatch.store.summaries_incremental import sync_members
from presswatch.store.summaries_reads import read_articles
from presswatch.summaries import analyses as summaries
from presswatch.summaries.figures.vocabulary import load_vocabulary
from presswatch.summaries.report.report import write_report
from presswatch.summaries.searches import load_searches
from presswatch.summaries.stories import minhash_signature

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: `bench` as a package
from bench.rss import PeakRss
from bench.summaries_build import NOW, build, corpus, land_new, pid_sql
from bench.summaries_table import AGGREGATES, seed_terms, table

CONFIG = summaries.AnalysisConfig()
PHASES = ("cold", "aggregates", "daily")


def analyse_pending(db: Path, step: str, workers: int) -> analysis_store.StepResult:
    return analysis_store.analyse_pending(str(db), step, CONFIG, workers=workers, now=NOW)


def _one(con: Any, sql: str) -> Any:
    return con.execute(sql).fetchall()[0][0]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def read_sample(db: Path, sample: int) -> tuple[list[str], list[dict[str, Any]]]:
    with warehouse.connection(db) as con:
        # the first in storage order: scattered articles cost a text vector each (store/summaries.py)
        found = con.execute("SELECT article_id FROM articles ORDER BY rowid LIMIT ?", [sample])
        ids = [r[0] for r in found.fetchall()]
        return ids, read_articles(con, ids)


def baselines(db: Path, sample: int) -> dict[str, float]:
    """Same-process yardsticks: plain jieba.lcut (1 process) in articles/s, and one full scan in s."""
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    _, articles = read_sample(db, sample)
    texts = ["\n".join(p for p in (a["title"], a["text"]) if p) for a in articles]
    seconds, _ = timed(lambda: [jieba.lcut(t) for t in texts])

    def scan() -> Any:
        with warehouse.connection(db, read_only=True) as con:
            return con.execute("SELECT outlet, count(*), sum(length(text)) FROM articles GROUP BY outlet").fetchall()  # fmt: skip

    base = {"jieba_articles_per_s": len(texts) / seconds, "jieba_sample": len(texts),
            "scan_s": min(timed(scan)[0] for _ in range(2)), "load_average": os.getloadavg()}  # fmt: skip
    print("  baselines: plain jieba.lcut in 1 process {jieba_articles_per_s:.1f} articles/s ({jieba_sample} articles);"
          " full scan of articles {scan_s:.2f} s".format(**base), flush=True)  # fmt: skip
    return base


def analyse_sample(db: Path, sample: int, workers: int, write: bool) -> tuple[list[str], dict[str, float]]:
    """Analyse `sample` articles for real, every step; returns their ids and articles/s per step."""
    with warehouse.connection(db) as con:
        for step in summaries.STEPS:
            analysis_store.sync_fingerprint(con, step, summaries.fingerprint(step, CONFIG), NOW)
        sync_members(con)  # analysis rows carry member numbers
    ids, articles = read_sample(db, sample)
    rates: dict[str, float] = {}
    for step in summaries.STEPS:
        seconds, columns = timed(lambda step=step: summaries.analyse_many(step, articles, CONFIG, workers))
        rates[step] = len(ids) / seconds
        if write:
            with warehouse.connection(db) as con:
                analysis_store.write_analysis(con, step, ids, columns)
        print(f"  cold {step}: {rates[step]:.1f} articles/s", flush=True)
    return ids, rates


def replicate(db: Path, sample_ids: list[str], paragraphs: list[str], seeds: int) -> float:
    """Derived rows for every other article: copied from the sample, signatures composed (see module doc)."""
    started = time.perf_counter()
    para_sigs = np.stack([minhash_signature(p) for p in paragraphs])
    with warehouse.connection(db) as con:
        con.register("sample", pd.DataFrame({"sample_id": sample_ids, "no": range(len(sample_ids))}))
        con.execute(
            "CREATE OR REPLACE TABLE bench_map AS SELECT a.article_id, a.outlet, a.source, a.row_no, s.sample_id,"
            " (SELECT member_no FROM summary_members sm WHERE sm.article_id = a.article_id) AS member_no"
            " FROM (SELECT article_id, coalesce(outlet, platform, '(unknown)') AS outlet, source,"
            "   row_number() OVER (ORDER BY article_id) - 1 AS row_no FROM articles"
            "   WHERE article_id NOT IN (SELECT sample_id FROM sample)) a"
            " JOIN sample s ON s.no = a.row_no % ?",
            [len(sample_ids)],
        )
        for step in ("mentions", "terms", "figures", "searches"):
            table = STEP_TABLES[step]
            cols = [c[0] for c in con.execute(f"DESCRIBE {table}").fetchall() if c[0] != "article_id"]
            select = ", ".join(f"m.{c}" if c in ("outlet", "member_no") else f"t.{c}" for c in cols)
            con.execute(
                f"INSERT INTO {table} (article_id, {', '.join(cols)}) SELECT m.article_id, {select}"
                f" FROM bench_map m JOIN {table} t ON t.article_id = m.sample_id"
            )
            con.execute("INSERT INTO summary_analysed (step, article_id, member_no)"
                        " SELECT ?, article_id, member_no FROM bench_map", [step])  # fmt: skip
        ids, nos = (list(c) for c in zip(*con.execute(
            "SELECT article_id, member_no FROM bench_map ORDER BY row_no").fetchall(), strict=True))  # fmt: skip
        plan = con.execute(
            f"SELECT m.row_no, {pid_sql('p.base', 'pos', seeds, len(paragraphs))} AS pid FROM bench_map m"
            " JOIN bench_plan p ON 'bench://' || p.i = m.source CROSS JOIN range(44) r(pos)"
            " WHERE pos < p.k AND pos <> p.dropped ORDER BY m.row_no"
        ).fetchnumpy()
    rows, pids = plan["row_no"].astype(np.int64), plan["pid"].astype(np.int64)
    starts = np.flatnonzero(np.r_[True, np.diff(rows) != 0])
    for first in range(0, len(starts), 100_000):
        lo = starts[first]
        hi = starts[first + 100_000] if first + 100_000 < len(starts) else len(rows)
        sigs = np.minimum.reduceat(para_sigs[pids[lo:hi]], starts[first : first + 100_000] - lo, axis=0)
        chunk_ids = ids[first : first + len(sigs)]
        with warehouse.connection(db) as con:
            frame = {"article_id": chunk_ids, "signature": [s.tobytes() for s in sigs],
                     "member_no": nos[first : first + len(sigs)]}  # fmt: skip
            con.register("sigs", pd.DataFrame(frame))
            con.execute("INSERT INTO article_signatures BY NAME SELECT * FROM sigs")
            con.execute("INSERT INTO summary_analysed SELECT 'signatures', article_id, member_no FROM sigs")
            con.unregister("sigs")
    return time.perf_counter() - started


VOCABULARY = load_vocabulary(CONFIG.vocabulary_path)
SEARCHES = load_searches(CONFIG.searches_path)
# The README's example queries over the summary tables (reads must stay fast at any size).
QUERIES = {
    "figure conflicts": "SELECT quantity, min_value, max_value, round(spread, 3) AS spread, outlets FROM figure_conflicts",
    "figures of a quantity": "SELECT raw, outlet, sentence FROM figures WHERE quantity = 'training_cost' ORDER BY value",
    "share of voice": "SELECT entity, sum(mentions) AS m FROM summary_mentions_daily GROUP BY entity ORDER BY m DESC LIMIT 10",
    "stories with copies": "SELECT s.title, s.outlets, m.article_id, m.similarity, m.link_reason FROM stories s"
    " JOIN story_members m USING (story_id) WHERE s.n_articles > 1",
    "top terms": "SELECT day, outlet, list(term ORDER BY rank) FROM top_terms WHERE rank <= 10 GROUP BY ALL ORDER BY day",
    "open alerts": "SELECT kind, search, day, title, outlet FROM summary_open_alerts LIMIT 20",
}


DESK = {"on": False}  # --desk: also time the flow's desk steps (presswatch/desk, another workstream's)


def run(db: Path, workers: int, rebuild: bool = False) -> dict[str, float]:
    """One summaries run as the flow does it (without Prefect): seconds per step and aggregate; with
    --desk also the flow's desk steps (prepare_desk before, finish_desk after), timed apart as "desk: *"
    and kept out of "summaries" (the summaries' own work)."""
    timings: dict[str, float] = {}
    if DESK["on"]:
        from presswatch.desk.prepare import prepare_desk
        from presswatch.settings import SEEDS_DIR

        timings["desk: prepare"], _ = timed(lambda: on_db(db, lambda con: prepare_desk(con, SEEDS_DIR / "outlets.yaml", workers)))
    started = time.perf_counter()
    summary_store.summarise(str(db), CONFIG, NOW, workers=workers, rebuild=rebuild, vocabulary=VOCABULARY,
                            searches=SEARCHES, run_id="bench", timings=timings)  # fmt: skip
    timings["summaries"] = time.perf_counter() - started
    if DESK["on"]:
        from presswatch.desk.prepare import finish_desk

        timings["desk: finish"], _ = timed(lambda: on_db(db, finish_desk))
    return timings


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # children that have exited
    return usage.ru_utime + usage.ru_stime


def on_db(db: Path, fn: Callable[[Any], Any]) -> Any:
    with warehouse.connection(db) as con:
        return fn(con)


def aggregates(db: Path, workers: int, scan_s: float) -> dict[str, float]:
    """A full build of every aggregate (what every run did before they followed new articles)."""
    on_db(db, lambda con: con.execute("DELETE FROM alerts"))  # else alerts of an earlier run (--reuse) stay
    times = run(db, workers, rebuild=True)
    for name in AGGREGATES:
        print(f"  full build {name}: {times[name]:.2f} s = {times[name] / scan_s:.1f}× full scan", flush=True)
    return {k: times[k] for k in AGGREGATES}


def reads(db: Path, out: Path, scan_s: float) -> dict[str, float]:
    """The README's example queries (the slowest one counted) and the HTML report, read-only."""
    times: dict[str, float] = {}
    with warehouse.connection(db, read_only=True) as con:
        for name, sql in QUERIES.items():
            # DuckDB's whole answer, materialised in DuckDB (as its clients and the duckdb CLI get it), and
            # apart the same answer as Python tuples (`presswatch sql`): for 10^5 rows most of that is tuples.
            times[f"query: {name}"], _ = timed(lambda sql=sql: con.execute(f"CREATE OR REPLACE TEMP TABLE answer AS {sql}"))
            times[f"python rows: {name}"], rows = timed(lambda sql=sql: con.execute(sql).fetchall())
            print(f"  query {name}: {times[f'query: {name}']:.3f} s ({len(rows)} rows; as Python tuples"
                  f" {times[f'python rows: {name}']:.3f} s)", flush=True)  # fmt: skip
    times["HTML report"], _ = timed(lambda: write_report(db, out))
    print(f"  HTML report: {times['HTML report']:.2f} s = {times['HTML report'] / scan_s:.1f}× full scan", flush=True)
    return times


def daily_run(
    db: Path, new: int, workers: int, base: dict[str, float], skip_rebuild: bool = False
) -> tuple[dict, dict, int, dict]:
    """--new articles land, then one incremental run (analysed in this process: below POOL_MIN_ARTICLES),
    then for comparison one full rebuild of every aggregate on the same warehouse."""
    caught = run(db, workers)  # anything pending from an earlier phase or run (untimed)
    summaries.shutdown_pool()  # the daily run includes the workers' start-up
    landed = land_new(db, new)
    print(f"  {landed} new articles landed, after a catch-up run ({sum(caught.values()):.1f} s, untimed)")
    cpu, children = time.process_time(), _children_cpu()
    with PeakRss() as memory:
        times = run(db, workers)
    times["cpu"] = time.process_time() - cpu  # this process (the run's analyses run in it, below 5,000 new)
    summaries.shutdown_pool()  # prefetch's worker (figures, terms): its CPU is counted once it has exited
    times["worker cpu"] = _children_cpu() - children
    times["total"] = times["summaries"]
    rss = {"start_mib": memory.start_mib, "peak_mib": memory.own_mib, "tree_peak_mib": memory.tree_mib}
    print(f"  daily run memory: this process {memory.start_mib:.0f} MiB at its start, {memory.own_mib:.0f} MiB at"
          f" its peak; with its prefetch worker {memory.tree_mib:.0f} MiB", flush=True)  # fmt: skip
    ratios = {k: v / base["scan_s"] for k, v in times.items()}
    print("  daily run: " + ", ".join(f"{k} {v:.2f}" for k, v in times.items()), flush=True)
    print(f"  daily run total: {times['total']:.2f} s = {ratios['total']:.1f}× full scan", flush=True)
    if skip_rebuild:  # a full stories rebuild holds every candidate pair: ~13 GB at 100k synthetic articles
        return times, ratios, landed, rss
    started = time.perf_counter()
    rebuilt = run(db, workers, rebuild=True)
    times["rebuild total"] = time.perf_counter() - started
    ratios["rebuild total"] = times["rebuild total"] / base["scan_s"]
    print(f"  same articles, every aggregate rebuilt: {times['rebuild total']:.2f} s"
          f" ({', '.join(f'{k} {rebuilt[k]:.2f}' for k in AGGREGATES)})", flush=True)  # fmt: skip
    return times, ratios, landed, rss


def cold_run(db: Path, n: int, reuse: bool, args: Any, paragraphs: list[str], seeds: int) -> dict[str, Any]:
    result: dict[str, Any] = {"cold_measured": n <= args.cold_full_max and not reuse}
    with warehouse.connection(db, read_only=True) as con:
        articles = int(_one(con, "SELECT count(*) FROM articles"))
    warm_pool(args.workers, CONFIG)  # cold rates exclude worker start-up; the daily run includes it
    if result["cold_measured"]:
        cold = {}
        for step in summaries.STEPS:
            cold[step] = analyse_pending(db, step, args.workers).seconds
            print(f"  cold {step}: {cold[step]:.1f} s", flush=True)
        rates = {s: articles / t for s, t in cold.items()}
    else:
        sample_ids, rates = analyse_sample(db, args.sample, args.workers, write=not reuse)
        if not reuse:
            result["replicate"] = replicate(db, sample_ids, paragraphs, seeds)
            print(f"  derived rows of the other articles made in {result['replicate']:.1f} s", flush=True)
        cold = {s: articles / r for s, r in rates.items()}
    return result | {"articles": articles, "rates": rates, "cold": cold}


def refingerprint(db: Path) -> None:
    """Keep stored analyses (and the aggregates built on them) under the current code's fingerprints:
    only for code changes shown to give the same output (tests, or a comparison on real articles), so a
    reused 1M warehouse need not be re-analysed after a speed-up."""
    with warehouse.connection(db) as con:
        for step in summaries.STEPS:
            new = summaries.fingerprint(step, CONFIG)
            old = con.execute("SELECT fingerprint FROM summary_state WHERE step = ?", [step]).fetchall()
            if old and old[0][0] != new:
                con.execute("UPDATE summary_aggregates SET fingerprint = ? WHERE fingerprint = ?", [new, old[0][0]])
                con.execute("UPDATE summary_state SET fingerprint = ? WHERE step = ?", [new, step])
                print(f"  {step}: stored analyses kept under fingerprint {new} (was {old[0][0]})", flush=True)


def bench_size(
    n: int, args: argparse.Namespace, paragraphs: list[str], seeds: int, titles: list[str]
) -> dict[str, Any]:
    db = args.workdir / f"bench-{n}.duckdb"
    reuse = args.reuse and db.exists()
    phases = set(args.phases) | (set() if reuse else {"cold", "aggregates"})  # a new warehouse needs both
    print(f"== {n:,} articles" + (f", reusing {db}" if reuse else ""), flush=True)
    result: dict[str, Any] = {"n": n, "load_average_at_start": os.getloadavg(), "workers": args.workers}
    if not reuse:
        for stale in (db, db.with_suffix(".duckdb.wal")):
            stale.unlink(missing_ok=True)
        result["build"], articles = timed(lambda: build(db, n, args.new, paragraphs, seeds, titles))
        print(f"  built {articles:,} articles in {result['build']:.1f} s", flush=True)
    if reuse:  # as every run starts: migrations a newer checkout brings (their first run may rebuild)
        on_db(db, lambda con: (warehouse.migrate(con), warehouse.refresh_views(con)))
    if reuse and args.refingerprint:
        refingerprint(db)
    base = baselines(db, args.baseline_sample)
    result["baselines"], ratios = dict.fromkeys(sorted(phases), base), {}
    if "cold" in phases:
        result |= cold_run(db, n, reuse, args, paragraphs, seeds)
        ratios["cold"] = {s: base["jieba_articles_per_s"] / r for s, r in result["rates"].items()}
        print("  cold, × jieba: " + ", ".join(f"{s} {v:.2f}" for s, v in ratios["cold"].items())
              + f"; all steps {sum(ratios['cold'].values()):.2f}", flush=True)  # fmt: skip
    if "aggregates" in phases:
        result["aggregates"] = aggregates(db, args.workers, base["scan_s"])
        ratios["aggregates"] = {k: v / base["scan_s"] for k, v in result["aggregates"].items()}
    summaries.shutdown_pool()
    if "daily" in phases:
        result["daily"], ratios["daily"], result["landed"], result["daily_rss"] = daily_run(
            db, args.new, args.workers, base, args.skip_rebuild
        )
        result["reads"] = reads(db, args.workdir / f"report-{n}.html", base["scan_s"])
        ratios["reads"] = {k: v / base["scan_s"] for k, v in result["reads"].items()}
    return result | {"ratios": ratios, "load_average": os.getloadavg(), "db_bytes": db.stat().st_size}


def prefect_overhead(db: Path, workers: int) -> dict[str, float]:
    """A real summaries_flow run with nothing new against the same work without Prefect: the difference is
    what Prefect adds (its ephemeral API starts first, untimed)."""
    from flows.summaries import summaries_flow

    summaries_flow(db_path=str(db), workers=workers)  # starts the API; catches up
    flow_s, _ = timed(lambda: summaries_flow(db_path=str(db), workers=workers))
    work_s, _ = timed(lambda: run(db, workers))
    print(f"  Prefect: a summaries flow run with nothing new {flow_s:.2f} s, the same work without Prefect"
          f" {work_s:.2f} s: overhead {flow_s - work_s:.2f} s per run (7 flow runs, 12 tasks)", flush=True)  # fmt: skip
    return {"flow_s": flow_s, "work_s": work_s, "overhead_s": flow_s - work_s}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    add("--workdir", type=Path, default=Path("/tmp/presswatch-bench"))
    add("--new", type=int, default=1000, help="articles landing in the daily run")
    add("--sample", type=int, default=2000, help="articles analysed for real above --cold-full-max")
    add("--cold-full-max", type=int, default=10_000)
    add("--workers", type=int, default=2)
    add("--baseline-sample", type=int, default=1000, help="articles for the jieba baseline")
    add("--reuse", action="store_true", help="keep an existing warehouse: no build, no cold analysis")
    add("--phases", nargs="+", choices=PHASES, default=list(PHASES), help="phases to run (default: all)")
    add("--refingerprint", action="store_true", help="with --reuse: keep stored analyses under the current"
        " code's fingerprints (only after changes shown to give the same output)")
    add("--skip-rebuild", action="store_true", help="no full rebuild after the daily run (its memory)")
    add("--desk", action="store_true", help="also time the flow's desk steps (printed apart)")
    add("--prefect", action="store_true", help="also measure Prefect's overhead per run (on the first size)")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    DESK["on"] = args.desk
    settings = load_settings()
    warehouse.configure(settings, default=SUMMARIES_DUCKDB_MEMORY)  # as the summaries flow does
    print(f"DuckDB memory limit: {memory_limit() or 'DuckDB’s own, 80 % of RAM'} (PRESSWATCH_DUCKDB_MEMORY)",
          flush=True)  # fmt: skip
    seed_terms()
    path = args.workdir / "results.json"
    stored = {r["n"]: r for r in json.loads(path.read_text())} if path.exists() else {}
    for n in args.sizes:
        paragraphs, seeds, titles = corpus(n + args.new) if not (args.reuse and (args.workdir / f"bench-{n}.duckdb").exists()) else ([], 0, [])
        print(f"{seeds} seed paragraphs, {len(paragraphs) - seeds} generated, {len(titles)} titles", flush=True)
        new, old = bench_size(n, args, paragraphs, seeds, titles) | {"new": args.new}, stored.get(n, {})
        stored[n] = old | new | {k: old.get(k, {}) | new[k] for k in ("baselines", "ratios")}
        if args.prefect and n == args.sizes[0]:
            stored[n]["prefect"] = prefect_overhead(args.workdir / f"bench-{n}.duckdb", args.workers)
        path.write_text(json.dumps([stored[k] for k in sorted(stored)], indent=1, default=str))
        print(table(json.loads(path.read_text())), flush=True)
    summaries.shutdown_pool()


if __name__ == "__main__":
    main()
