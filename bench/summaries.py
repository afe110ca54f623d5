"""Benchmark of the summaries on synthetic warehouses of 10k, 100k and 1M articles.

    .venv/bin/python bench/summaries.py --sizes 10000 100000 [1000000] [--workdir DIR] [--new 1000]

Synthetic articles are recombinations of the seeds' paragraphs (the seeds extracted by the project's own
extractor): 20-44 paragraphs each (the seeds' mean length), 40 outlets, a year of dates (10% undated),
and one in five a republication of a recent article in another outlet with one paragraph dropped, so
stories form. Texts are built in DuckDB SQL; every text is distinct (article_id = sha256 of the text).

For each size N it times, with the same functions the Prefect tasks call (flows/summary_store.py):
1. cold per-article analyses (watchlist mentions, terms, figures, MinHash signatures, saved searches)
   on 2 worker processes. These are pure Python (jieba, regexes) and linear in N, so above
   --cold-full-max articles (default 10,000) they run on a sample of --sample articles and the rest of
   the warehouse gets derived rows COPIED from that sample (signatures are composed from per-paragraph
   signatures instead, so stories stay real); the cold time for N is then extrapolated from the
   measured rate and marked "~". This is the only sampling.
2. full rebuilds of every aggregate over all N articles (top terms, stories, figures ledger, alerts,
   the volume / share-of-voice views, the HTML report);
3. a daily run: --new (default 1,000) articles land, then every step runs as the flow runs it:
   incremental analysis of the new articles plus the full rebuild of its aggregate.
Prefect itself adds ~1.5 s per sub-flow on top (measured in tests/test_summary_flows.py), not included.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from flows import alerts, summaries, summary_store, warehouse
from flows.extract import extract_document
from flows.records import Article
from flows.report import write_report
from flows.searches import load_searches
from flows.sources import discover_files, read_file
from flows.stories import minhash_signature
from flows.summary_store import STEP_TABLES

ROOT = Path(__file__).resolve().parent.parent
OUTLETS = ["时代周报", "观察者网", "纽约时报中文网", "中國工業報"] + [f"示例媒体{i:02d}" for i in range(36)]
CONFIG = summaries.AnalysisConfig()
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
CREATE OR REPLACE TABLE bench_plan AS
WITH ids AS (
    SELECT i, CASE WHEN i % 5 = 0 AND i > 0
                   THEN (i - 1 - hash(i, 'src') % least(i, 400)) // 5 * 5 + 1 + hash(i, 'src2') % 4
                   ELSE i END AS base
    FROM range(?) t(i)
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
    from flows.metadata import detect_script

    with warehouse.connection(db) as con:
        con.register("p", pd.DataFrame({"pid": range(len(paragraphs)), "text": paragraphs,
                                        "hant": [detect_script(p) == "Hant" for p in paragraphs]}))  # fmt: skip
        con.execute("CREATE OR REPLACE TABLE bench_paragraphs AS SELECT * FROM p")
        con.register("t", pd.DataFrame({"tid": range(len(titles)), "title": titles}))
        con.execute("CREATE OR REPLACE TABLE bench_titles AS SELECT * FROM t")
        con.register("o", pd.DataFrame({"no": range(len(OUTLETS)), "outlet": OUTLETS}))
        con.execute("CREATE OR REPLACE TABLE bench_outlets AS SELECT * FROM o")
        con.execute(_PLAN, [n + new, len(OUTLETS), len(titles)])
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


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def analyse_sample(db: Path, sample: int, workers: int) -> tuple[list[str], dict[str, float]]:
    """Analyse `sample` articles for real, every step; returns their ids and articles/s per step."""
    with warehouse.connection(db) as con:
        for step in summaries.STEPS:
            summary_store.sync_fingerprint(con, step, summaries.fingerprint(step, CONFIG), NOW)
        ids = [
            r[0]
            for r in con.execute(
                "SELECT article_id FROM articles ORDER BY article_id LIMIT ?", [sample]
            ).fetchall()
        ]
        articles = summary_store.read_articles(con, ids)
    rates: dict[str, float] = {}
    for step in summaries.STEPS:
        seconds, columns = timed(lambda step=step: summaries.analyse_many(step, articles, CONFIG, workers))
        rates[step] = len(ids) / seconds
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


def run_alerts(db: Path) -> int:
    searches = load_searches(CONFIG.searches_path)
    with warehouse.connection(db) as con:
        daily, first, last = summary_store.search_daily(con)
        return len(
            summary_store.insert_alerts(con, alerts.spike_rows(searches, daily, first, last), NOW, "bench")
        )


def read_views(db: Path) -> int:
    with warehouse.connection(db, read_only=True) as con:
        return sum(
            con.execute(f"SELECT count(*) FROM {view}").fetchall()[0][0]
            for view in (
                "summary_volume",
                "summary_share_of_voice",
                "summary_mentions_daily",
                "summary_search_daily",
            )
        )


def aggregates(db: Path, out: Path) -> dict[str, float]:
    def rebuild(fn: Callable[[Any], Any]) -> Callable[[], Any]:
        def run() -> Any:
            with warehouse.connection(db) as con:
                return fn(con)

        return run

    times: dict[str, float] = {}
    for name, fn in (
        ("top terms", rebuild(summary_store.rebuild_top_terms)),
        ("stories", rebuild(summary_store.rebuild_stories)),
        ("figures ledger", rebuild(summary_store.rebuild_ledger)),
        ("alerts", lambda: run_alerts(db)),
        ("volume + share of voice views", lambda: read_views(db)),
        ("HTML report", lambda: write_report(db, out)),
    ):
        times[name], result = timed(fn)
        print(f"  {name}: {times[name]:.2f} s ({result})", flush=True)
    return times


_DAILY = {
    "mentions": (), "terms": (summary_store.rebuild_top_terms,), "signatures": (summary_store.rebuild_stories,),
    "figures": (summary_store.rebuild_ledger,), "searches": (),
}  # fmt: skip


def daily_run(db: Path, workers: int) -> dict[str, float]:
    with warehouse.connection(db) as con:
        con.execute("INSERT INTO articles SELECT * FROM bench_new ON CONFLICT DO NOTHING")
    times: dict[str, float] = {}
    for step, rebuilds in _DAILY.items():
        started = time.perf_counter()
        summary_store.analyse_pending(str(db), step, CONFIG, workers=workers, now=NOW)
        for fn in rebuilds:
            with warehouse.connection(db) as con:
                fn(con)
        if step == "searches":
            run_alerts(db)
        times[step] = time.perf_counter() - started
        print(f"  daily {step}: {times[step]:.2f} s", flush=True)
    return times


def bench_size(n: int, args: argparse.Namespace, paragraphs: list[str], titles: list[str]) -> dict[str, Any]:
    db = args.workdir / f"bench-{n}.duckdb"
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    print(f"== {n:,} articles", flush=True)
    result: dict[str, Any] = {"n": n, "load_average_at_start": os.getloadavg()}
    result["build"], result["articles"] = timed(lambda: build(db, n, args.new, paragraphs, titles))
    print(f"  built {result['articles']:,} articles in {result['build']:.1f} s", flush=True)
    cold: dict[str, float] = {}
    summaries.warm_pool(args.workers, CONFIG)  # cold rates exclude worker start-up; the daily run includes it
    if n <= args.cold_full_max:
        for step in summaries.STEPS:
            cold[step] = summary_store.analyse_pending(
                str(db), step, CONFIG, workers=args.workers, now=NOW
            ).seconds
            print(f"  cold {step}: {cold[step]:.1f} s", flush=True)
        result["cold_measured"] = True
        result["rates"] = {s: n / t for s, t in cold.items()}
    else:
        sample_ids, rates = analyse_sample(db, args.sample, args.workers)
        result["replicate"] = replicate(db, sample_ids, paragraphs)
        print(f"  derived rows of the other articles synthesised in {result['replicate']:.1f} s", flush=True)
        cold = {s: result["articles"] / r for s, r in rates.items()}
        result["cold_measured"] = False
        result["rates"] = rates
    result["cold"] = cold
    result["aggregates"] = aggregates(db, args.workdir / f"report-{n}.html")
    summaries.shutdown_pool()
    result["daily"] = daily_run(db, args.workers)
    result["load_average"] = os.getloadavg()
    result["db_bytes"] = db.stat().st_size
    return result


def _fmt(seconds: float, estimated: bool = False) -> str:
    text = f"{seconds:,.1f}" if seconds < 100 else f"{seconds:,.0f}"
    return ("~" if estimated else "") + text


def table(results: list[dict[str, Any]]) -> str:
    sizes = [r["n"] for r in results]
    header = "| step | " + " | ".join(f"{n:,}" for n in sizes) + " | " + " | ".join(
        f"x {a:,}→{b:,}" for a, b in itertools.pairwise(sizes)
    ) + " |"  # fmt: skip
    lines = [header, "|---" * (1 + len(sizes) + max(0, len(sizes) - 1)) + "|"]

    def row(label: str, values: list[float], estimated: list[bool] | None = None) -> None:
        est = estimated or [False] * len(values)
        growth = [f"{b / a:.1f}" if a > 0 else "" for a, b in itertools.pairwise(values)]
        lines.append(f"| {label} | " + " | ".join(_fmt(v, e) for v, e in zip(values, est, strict=True))
                     + " | " + " | ".join(growth) + " |")  # fmt: skip

    row("build synthetic warehouse", [r["build"] for r in results])
    for step in summaries.STEPS:
        row(
            f"cold analysis: {step}",
            [r["cold"][step] for r in results],
            [not r["cold_measured"] for r in results],
        )
    row(
        "cold analysis: all steps",
        [sum(r["cold"].values()) for r in results],
        [not r["cold_measured"] for r in results],
    )
    for name in results[0]["aggregates"]:
        row(f"rebuild: {name}", [r["aggregates"][name] for r in results])
    row("rebuild: all aggregates", [sum(r["aggregates"].values()) for r in results])
    for step in results[0]["daily"]:
        row(f"daily +{results[0].get('new', '')}: {step}", [r["daily"][step] for r in results])
    row("daily run: total", [sum(r["daily"].values()) for r in results])
    lines.append("")
    lines.append("cold analysis rates (articles/s, 2 workers): " + "; ".join(
        f"{r['n']:,}: " + ", ".join(f"{s} {v:.0f}" for s, v in r["rates"].items()) for r in results
    ))  # fmt: skip
    lines.append("load average (1/5/15 min) at start / end: " + "; ".join(
        f"{r['n']:,}: " + " / ".join("{:.1f} {:.1f} {:.1f}".format(*r[k]) for k in ("load_average_at_start", "load_average"))
        for r in results
    ))  # fmt: skip
    lines.append("warehouse size: " + ", ".join(f"{r['n']:,}: {r['db_bytes'] / 1e9:.2f} GB" for r in results))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/presswatch-bench"))
    parser.add_argument("--new", type=int, default=1000, help="articles landing in the daily run")
    parser.add_argument(
        "--sample", type=int, default=2000, help="articles analysed for real above --cold-full-max"
    )
    parser.add_argument("--cold-full-max", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    paragraphs, titles = seed_paragraphs()
    print(f"{len(paragraphs)} seed paragraphs, {len(titles)} titles", flush=True)
    results = []
    for n in args.sizes:
        results.append(bench_size(n, args, paragraphs, titles) | {"new": args.new})
        (args.workdir / "results.json").write_text(json.dumps(results, indent=1, default=str))
        print(table(results), flush=True)
    summaries.shutdown_pool()


if __name__ == "__main__":
    main()
