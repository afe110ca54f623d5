"""Benchmark of the summaries on synthetic warehouses of 10k, 100k and 1M articles.

    .venv/bin/python bench/summaries.py --sizes 10000 100000 [1000000] [--workdir DIR] [--new 1000]
        [--reuse] [--phases cold aggregates daily]

Synthetic articles are recombinations of the seeds' paragraphs (the seeds extracted by the project's own
extractor): 20-44 paragraphs each (the seeds' mean length), 40 outlets, a year of dates (10% undated),
and one in five a republication of a recent article in another outlet with one paragraph dropped, so
stories form. Texts are built in DuckDB SQL; every text is distinct (article_id = sha256 of the text).

For each size N it times, with the same functions the Prefect tasks call (presswatch/store/summaries.py
summarise(), the flow's steps in the flow's order, without Prefect):
1. cold per-article analyses (watchlist mentions, terms, figures, MinHash signatures, saved searches)
   on 2 worker processes. These are linear in N, so above --cold-full-max articles (default 10,000)
   they run on a sample of --sample articles and the rest of the warehouse gets derived rows COPIED from
   that sample (signatures are composed from per-paragraph signatures instead, so stories stay real); the
   cold time for N is then extrapolated from the measured rate and marked "~". This is the only sampling.
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
import functools
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jieba
import numpy as np
import pandas as pd

from presswatch.extract.document import extract_document
from presswatch.ingest.sources import discover_files, read_file
from presswatch.records import Article
from presswatch.store import db as warehouse
from presswatch.store import summaries as summary_store
from presswatch.store.summaries import STEP_TABLES
from presswatch.summaries import analyses as summaries
from presswatch.summaries.figures.vocabulary import load_vocabulary
from presswatch.summaries.report.report import write_report
from presswatch.summaries.searches import load_searches
from presswatch.summaries.stories import minhash_signature

ROOT = Path(__file__).resolve().parent.parent
OUTLETS = ["时代周报", "观察者网", "纽约时报中文网", "中國工業報"] + [f"示例媒体{i:02d}" for i in range(36)]
CONFIG = summaries.AnalysisConfig()
PHASES = ("cold", "aggregates", "daily")
NOW = datetime.now(UTC)


def seed_paragraphs() -> tuple[list[str], list[str]]:
    paragraphs, titles = [], []
    for path in discover_files(ROOT / "seeds"):
        article = extract_document(read_file(path))
        if isinstance(article, Article):
            paragraphs += [p.strip() for p in article.text.split("\n") if len(p.strip()) >= 20]
            titles.append(article.title or "")
    return paragraphs, titles


# Article i: an original (i % 5 != 0) or a copy of a recent original j with one paragraph dropped.
# Every choice is a hash of i (or j), so a size always gives the same warehouse.
_PLAN = """
{head}
WITH ids AS (
    SELECT i, CASE WHEN i % 5 = 0 AND i > 0
                   THEN (i - 1 - hash(i, 'src') % least(i, 400)) // 5 * 5 + 1 + hash(i, 'src2') % 4
                   ELSE i END AS base
    FROM range(?, ?) t(i)
)
SELECT i, base, 20 + hash(base, 'k') % 25 AS k,
       CASE WHEN i <> base THEN hash(i, 'drop') % (20 + hash(base, 'k') % 25) ELSE -1 END AS dropped,
       hash(i, 'outlet') % ? AS outlet_no,
       (hash(base, 'day') % 365 + CASE WHEN i <> base THEN hash(i, 'lag') % 3 ELSE 0 END)::INTEGER AS day_no,
       hash(i, 'dated') % 10 = 0 AS undated,
       hash(base, 'title') % ? AS title_no
FROM ids
"""

_ARTICLES = """
INSERT INTO {table} BY NAME
SELECT sha256(text) AS article_id, sha256(text) AS doc_sha256, 'bench://' || i AS source, 'bench://' || i AS story_key,
       1 AS version, title, false AS title_derived, text, published_at,
       CAST(published_at AS TIMESTAMPTZ) AS published_utc, outlet, 'zh' AS language, script,
       'bench' AS extractor_version, ? AS landed_at
FROM (
    SELECT p.i, string_agg(par.text, chr(10) ORDER BY pos) AS text, any_value(t.title) AS title,
           any_value(o.outlet) AS outlet,
           CASE WHEN any_value(p.undated) THEN NULL
                ELSE strftime(DATE '2025-01-01' + any_value(p.day_no), '%Y-%m-%d') || 'T'
                     || lpad((hash(p.i, 'h') % 24)::VARCHAR, 2, '0') || ':30:00+08:00' END AS published_at,
           CASE WHEN avg(par.hant::INTEGER) > 0.5 THEN 'Hant' ELSE 'Hans' END AS script
    FROM bench_plan p CROSS JOIN range(44) r(pos)
    JOIN bench_paragraphs par ON par.pid = hash(p.base, pos) % ?
    JOIN bench_titles t ON t.tid = p.title_no
    JOIN bench_outlets o ON o.no = p.outlet_no
    WHERE pos < p.k AND pos <> p.dropped AND p.i >= ? AND p.i < ?
    GROUP BY p.i
)
QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY i) = 1
ON CONFLICT DO NOTHING
"""


def build(db: Path, n: int, new: int, paragraphs: list[str], titles: list[str]) -> int:
    """A warehouse of n articles, plus `new` more held back in bench_new for the daily run."""
    warehouse.prepare(db)
    from presswatch.extract.metadata import detect_script

    with warehouse.connection(db) as con:
        con.register("p", pd.DataFrame({"pid": range(len(paragraphs)), "text": paragraphs,
                                        "hant": [detect_script(p) == "Hant" for p in paragraphs]}))  # fmt: skip
        con.execute("CREATE OR REPLACE TABLE bench_paragraphs AS SELECT * FROM p")
        con.register("t", pd.DataFrame({"tid": range(len(titles)), "title": titles}))
        con.execute("CREATE OR REPLACE TABLE bench_titles AS SELECT * FROM t")
        con.register("o", pd.DataFrame({"no": range(len(OUTLETS)), "outlet": OUTLETS}))
        con.execute("CREATE OR REPLACE TABLE bench_outlets AS SELECT * FROM o")
        con.execute(
            _PLAN.format(head="CREATE OR REPLACE TABLE bench_plan AS"),
            [0, n + new, len(OUTLETS), len(titles)],
        )
        con.execute("CREATE OR REPLACE TABLE bench_new AS SELECT * FROM articles LIMIT 0")
        con.execute("ALTER TABLE bench_new ADD PRIMARY KEY (article_id)")
        step = 100_000
        for start in range(0, n + new, step):
            for table, lo, hi in (
                ("articles", start, min(start + step, n)),
                ("bench_new", max(start, n), start + step),
            ):
                if lo < hi:
                    con.execute(_ARTICLES.format(table=table), [NOW, len(paragraphs), lo, min(hi, n + new)])
        return int(con.execute("SELECT count(*) FROM articles").fetchall()[0][0])


def analyse_pending(db: Path, step: str, workers: int) -> summary_store.StepResult:
    return summary_store.analyse_pending(str(db), step, CONFIG, workers=workers, now=NOW)


def _one(con: Any, sql: str) -> Any:
    return con.execute(sql).fetchall()[0][0]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def read_sample(db: Path, sample: int) -> tuple[list[str], list[dict[str, Any]]]:
    with warehouse.connection(db) as con:
        found = con.execute("SELECT article_id FROM articles ORDER BY article_id LIMIT ?", [sample])
        ids = [r[0] for r in found.fetchall()]
        return ids, summary_store.read_articles(con, ids)


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
            summary_store.sync_fingerprint(con, step, summaries.fingerprint(step, CONFIG), NOW)
    ids, articles = read_sample(db, sample)
    rates: dict[str, float] = {}
    for step in summaries.STEPS:
        seconds, columns = timed(lambda step=step: summaries.analyse_many(step, articles, CONFIG, workers))
        rates[step] = len(ids) / seconds
        if write:
            with warehouse.connection(db) as con:
                summary_store.write_analysis(con, step, ids, columns)
        print(f"  cold {step}: {rates[step]:.1f} articles/s", flush=True)
    return ids, rates


def replicate(db: Path, sample_ids: list[str], paragraphs: list[str]) -> float:
    """Derived rows for every other article: copied from the sample, signatures composed (see module doc)."""
    started = time.perf_counter()
    para_sigs = np.stack([minhash_signature(p) for p in paragraphs])
    with warehouse.connection(db) as con:
        con.register("sample", pd.DataFrame({"sample_id": sample_ids, "no": range(len(sample_ids))}))
        con.execute(
            "CREATE OR REPLACE TABLE bench_map AS SELECT a.article_id, a.outlet, a.source, a.row_no, s.sample_id"
            " FROM (SELECT article_id, coalesce(outlet, platform, '(unknown)') AS outlet, source,"
            "   row_number() OVER (ORDER BY article_id) - 1 AS row_no FROM articles"
            "   WHERE article_id NOT IN (SELECT sample_id FROM sample)) a"
            " JOIN sample s ON s.no = a.row_no % ?",
            [len(sample_ids)],
        )
        for step in ("mentions", "terms", "figures", "searches"):
            table = STEP_TABLES[step]
            cols = [c[0] for c in con.execute(f"DESCRIBE {table}").fetchall() if c[0] != "article_id"]
            select = ", ".join("m.outlet" if c == "outlet" else f"t.{c}" for c in cols)
            con.execute(
                f"INSERT INTO {table} (article_id, {', '.join(cols)}) SELECT m.article_id, {select}"
                f" FROM bench_map m JOIN {table} t ON t.article_id = m.sample_id"
            )
            con.execute("INSERT INTO summary_analysed SELECT ?, article_id FROM bench_map", [step])
        ids = [r[0] for r in con.execute("SELECT article_id FROM bench_map ORDER BY row_no").fetchall()]
        plan = con.execute(
            "SELECT m.row_no, hash(p.base, pos) % ? AS pid FROM bench_map m"
            " JOIN bench_plan p ON 'bench://' || p.i = m.source CROSS JOIN range(44) r(pos)"
            " WHERE pos < p.k AND pos <> p.dropped ORDER BY m.row_no",
            [len(paragraphs)],
        ).fetchnumpy()
    rows, pids = plan["row_no"].astype(np.int64), plan["pid"].astype(np.int64)
    starts = np.flatnonzero(np.r_[True, np.diff(rows) != 0])
    for first in range(0, len(starts), 100_000):
        lo = starts[first]
        hi = starts[first + 100_000] if first + 100_000 < len(starts) else len(rows)
        sigs = np.minimum.reduceat(para_sigs[pids[lo:hi]], starts[first : first + 100_000] - lo, axis=0)
        chunk_ids = ids[first : first + len(sigs)]
        with warehouse.connection(db) as con:
            con.register(
                "sigs", pd.DataFrame({"article_id": chunk_ids, "signature": [s.tobytes() for s in sigs]})
            )
            con.execute("INSERT INTO article_signatures SELECT * FROM sigs")
            con.execute("INSERT INTO summary_analysed SELECT 'signatures', article_id FROM sigs")
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
    "open alerts": "SELECT kind, search, day, title, outlet FROM summary_open_alerts",
}


def run(db: Path, workers: int, rebuild: bool = False) -> dict[str, float]:
    """One summaries run as the flow does it (without Prefect): seconds per step and aggregate."""
    timings: dict[str, float] = {}
    summary_store.summarise(str(db), CONFIG, NOW, workers=workers, rebuild=rebuild, vocabulary=VOCABULARY,
                            searches=SEARCHES, run_id="bench", timings=timings)  # fmt: skip
    return timings


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
            times[f"query: {name}"], rows = timed(lambda sql=sql: con.execute(sql).fetchall())
            print(f"  query {name}: {times[f'query: {name}']:.3f} s ({len(rows)} rows)", flush=True)
    times["HTML report"], _ = timed(lambda: write_report(db, out))
    print(f"  HTML report: {times['HTML report']:.2f} s = {times['HTML report'] / scan_s:.1f}× full scan", flush=True)
    return times


AGGREGATES = ("volume", "mentions_daily", "top_terms", "stories", "ledger", "searches")


def land_new(db: Path, new: int) -> int:
    """Lands `new` articles never landed before: bench_new as built, else a fresh batch planned after it."""
    with warehouse.connection(db) as con:
        one = functools.partial(_one, con)
        if one("SELECT count(*) FROM bench_new WHERE article_id IN (SELECT article_id FROM articles)"):
            lo, titles = one("SELECT max(i) + 1 FROM bench_plan"), one("SELECT count(*) FROM bench_titles")
            con.execute(_PLAN.format(head="INSERT INTO bench_plan"), [lo, lo + new, len(OUTLETS), titles])
            con.execute("DELETE FROM bench_new")
            paragraphs = one("SELECT count(*) FROM bench_paragraphs")
            con.execute(_ARTICLES.format(table="bench_new"), [NOW, paragraphs, lo, lo + new])
        before = one("SELECT count(*) FROM articles")
        con.execute("INSERT INTO articles SELECT * FROM bench_new ON CONFLICT DO NOTHING")
        return int(one("SELECT count(*) FROM articles") - before)


def daily_run(db: Path, new: int, workers: int, base: dict[str, float]) -> tuple[dict, dict, int]:
    """--new articles land, then one incremental run (worker start-up included), then for comparison one
    full rebuild of every aggregate on the same warehouse."""
    caught = run(db, workers)  # anything pending from an earlier phase or run (untimed)
    summaries.shutdown_pool()  # the daily run includes the workers' start-up
    landed = land_new(db, new)
    print(f"  {landed} new articles landed, after a catch-up run ({sum(caught.values()):.1f} s, untimed)")
    started = time.perf_counter()
    times = run(db, workers)
    times["total"] = time.perf_counter() - started
    ratios = {k: v / base["scan_s"] for k, v in times.items()}
    print("  daily run: " + ", ".join(f"{k} {v:.2f}" for k, v in times.items()), flush=True)
    print(f"  daily run total: {times['total']:.2f} s = {ratios['total']:.1f}× full scan", flush=True)
    started = time.perf_counter()
    rebuilt = run(db, workers, rebuild=True)
    times["rebuild total"] = time.perf_counter() - started
    ratios["rebuild total"] = times["rebuild total"] / base["scan_s"]
    print(f"  same articles, every aggregate rebuilt: {times['rebuild total']:.2f} s"
          f" ({', '.join(f'{k} {rebuilt[k]:.2f}' for k in AGGREGATES)})", flush=True)  # fmt: skip
    return times, ratios, landed


def cold_run(db: Path, n: int, reuse: bool, args: Any, paragraphs: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = {"cold_measured": n <= args.cold_full_max and not reuse}
    with warehouse.connection(db, read_only=True) as con:
        articles = int(_one(con, "SELECT count(*) FROM articles"))
    summaries.warm_pool(args.workers, CONFIG)  # cold rates exclude worker start-up; the daily run includes it
    if result["cold_measured"]:
        cold = {}
        for step in summaries.STEPS:
            cold[step] = analyse_pending(db, step, args.workers).seconds
            print(f"  cold {step}: {cold[step]:.1f} s", flush=True)
        rates = {s: articles / t for s, t in cold.items()}
    else:
        sample_ids, rates = analyse_sample(db, args.sample, args.workers, write=not reuse)
        if not reuse:
            result["replicate"] = replicate(db, sample_ids, paragraphs)
            print(f"  derived rows of the other articles made in {result['replicate']:.1f} s", flush=True)
        cold = {s: articles / r for s, r in rates.items()}
    return result | {"articles": articles, "rates": rates, "cold": cold}


def bench_size(n: int, args: argparse.Namespace, paragraphs: list[str], titles: list[str]) -> dict[str, Any]:
    db = args.workdir / f"bench-{n}.duckdb"
    reuse = args.reuse and db.exists()
    phases = set(args.phases) | (set() if reuse else {"cold", "aggregates"})  # a new warehouse needs both
    print(f"== {n:,} articles" + (f", reusing {db}" if reuse else ""), flush=True)
    result: dict[str, Any] = {"n": n, "load_average_at_start": os.getloadavg(), "workers": args.workers}
    if not reuse:
        for stale in (db, db.with_suffix(".duckdb.wal")):
            stale.unlink(missing_ok=True)
        result["build"], articles = timed(lambda: build(db, n, args.new, paragraphs, titles))
        print(f"  built {articles:,} articles in {result['build']:.1f} s", flush=True)
    base = baselines(db, args.baseline_sample)
    result["baselines"], ratios = dict.fromkeys(sorted(phases), base), {}
    if "cold" in phases:
        result |= cold_run(db, n, reuse, args, paragraphs)
        ratios["cold"] = {s: base["jieba_articles_per_s"] / r for s, r in result["rates"].items()}
        print("  cold, × jieba: " + ", ".join(f"{s} {v:.2f}" for s, v in ratios["cold"].items())
              + f"; all steps {sum(ratios['cold'].values()):.2f}", flush=True)  # fmt: skip
    if "aggregates" in phases:
        result["aggregates"] = aggregates(db, args.workers, base["scan_s"])
        ratios["aggregates"] = {k: v / base["scan_s"] for k, v in result["aggregates"].items()}
    summaries.shutdown_pool()
    if "daily" in phases:
        result["daily"], ratios["daily"], result["landed"] = daily_run(db, args.new, args.workers, base)
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


def _num(x: float, whole_above: float = 100) -> str:
    return f"{x:.2g}" if x < 1 else f"{x:,.1f}" if x < whole_above else f"{x:,.0f}"


def table(results: list[dict[str, Any]]) -> str:
    sizes = [r["n"] for r in results]
    header = ["", *(f"{n:,}" for n in sizes)]
    lines = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]

    def row(label: str, cell: Callable[[dict[str, Any]], str]) -> None:
        cells = []
        for r in results:
            try:
                cells.append(cell(r))
            except (KeyError, TypeError, ValueError):
                cells.append("")
        lines.append("| " + " | ".join([label, *cells]) + " |")

    def cold(r: dict[str, Any]) -> str:
        est = "" if r.get("cold_measured") else "~"
        return f"{est}{_num(sum(r['cold'].values()))} s (×{sum(r['ratios']['cold'].values()):.2f} jieba)"

    new = results[-1].get("landed", results[-1].get("new", ""))
    row("cold analysis, all five steps (× plain jieba, 1 process)", cold)
    row("full build of every aggregate (× full scan)", lambda r: f"{_num(sum(r['aggregates'].values()))} s"
        f" (×{_num(sum(r['ratios']['aggregates'].values()), 10)})")  # fmt: skip
    row(f"run after +{new} new articles, incremental (× full scan)",
        lambda r: f"{_num(r['daily']['total'])} s (×{_num(r['ratios']['daily']['total'], 10)})")  # fmt: skip
    row(f"  of which analysing the {new} new", lambda r: f"{_num(sum(r['daily'][s] for s in summaries.STEPS))} s")
    row("  of which aggregates + sync", lambda r: f"{_num(sum(r['daily'][a] for a in (*AGGREGATES, 'sync')))} s")
    row("same run, every aggregate rebuilt (baseline)", lambda r: f"{_num(r['daily']['rebuild total'])} s")
    row("slowest README query (× full scan)", lambda r: "{} s (×{})".format(
        _num(max(v for k, v in r["reads"].items() if k.startswith("query"))),
        _num(max(v for k, v in r["ratios"]["reads"].items() if k.startswith("query")), 10)))  # fmt: skip
    row("HTML report (× full scan)", lambda r: f"{_num(r['reads']['HTML report'])} s"
        f" (×{_num(r['ratios']['reads']['HTML report'], 10)})")  # fmt: skip
    row("baselines: plain jieba articles/s; full scan s", lambda r: "{:.1f}/s; {:.2f} s".format(
        r["baselines"]["cold" if "cold" in r["baselines"] else "daily"]["jieba_articles_per_s"],
        r["baselines"]["daily" if "daily" in r["baselines"] else "cold"]["scan_s"]))  # fmt: skip
    row("load average at start / end (1 min)",
        lambda r: f"{r['load_average_at_start'][0]:.1f} / {r['load_average'][0]:.1f}")  # fmt: skip
    row("warehouse size", lambda r: f"{r['db_bytes'] / 1e9:.2f} GB")
    workers = results[-1].get("workers", 2)
    lines += ["", f"cold analysis on {workers} worker processes, its ratio to plain jieba.lcut of the same"
              " articles in ONE process, same run; ~ = extrapolated from a measured sample (see --cold-full-max)"]  # fmt: skip
    if any("prefect" in r for r in results):
        p = next(r["prefect"] for r in results if "prefect" in r)
        lines.append(f"Prefect adds {p['overhead_s']:.1f} s per summaries run (not in the times above)")
    return "\n".join(lines)


def seed_terms() -> None:
    """The seeds' top terms with plain Python jieba and with the segmenter the analyses use."""
    from presswatch.summaries import terms
    from presswatch.summaries.watchlist import default_watchlist, jieba_dictionary
    from presswatch.text import normalise_for_match

    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("0*.txt"))]
    wl = default_watchlist()
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for word in jieba_dictionary(wl):
        tokenizer.add_word(word, freq=terms.USER_WORD_FREQ)
    names, stop = terms._prepared(wl)[1], terms.stop_words()

    def plain(text: str) -> Counter[str]:
        tokens = tokenizer.lcut(normalise_for_match(terms._URLISH.sub(" ", text), fold_case=False))
        return Counter(k for k in (terms.term_key(t, names, stop) for t in tokens) if k)

    reference = terms.top_terms([plain(t) for t in texts], 20)
    ours = terms.top_terms([terms.article_terms(t, wl) for t in texts], 20)
    print("seeds' top 20 terms, Python jieba: " + ", ".join(f"{t} {n}" for t, n in reference))
    print("seeds' top 20 terms, rjieba:       " + ", ".join(f"{t} {n}" for t, n in ours))
    print("  identical" if reference == ours else "  DIFFERENT", flush=True)


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
    add("--prefect", action="store_true", help="also measure Prefect's overhead per run (on the first size)")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    paragraphs, titles = seed_paragraphs()
    print(f"{len(paragraphs)} seed paragraphs, {len(titles)} titles", flush=True)
    seed_terms()
    path = args.workdir / "results.json"
    stored = {r["n"]: r for r in json.loads(path.read_text())} if path.exists() else {}
    for n in args.sizes:
        new, old = bench_size(n, args, paragraphs, titles) | {"new": args.new}, stored.get(n, {})
        stored[n] = old | new | {k: old.get(k, {}) | new[k] for k in ("baselines", "ratios")}
        if args.prefect and n == args.sizes[0]:
            stored[n]["prefect"] = prefect_overhead(args.workdir / f"bench-{n}.duckdb", args.workers)
        path.write_text(json.dumps([stored[k] for k in sorted(stored)], indent=1, default=str))
        print(table(json.loads(path.read_text())), flush=True)
    summaries.shutdown_pool()


if __name__ == "__main__":
    main()
