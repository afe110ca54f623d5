"""Benchmark of `presswatch search` on synthetic warehouses, beside a plain DuckDB scan of the same text.

    .venv/bin/python bench/search.py --sizes 100000 1000000 [--replicate 100000] [--workdir DIR] [--repeat 3]

Warehouses come from bench/summaries_build.py's builder (recombined seed paragraphs, 40 outlets, a year
of dates; imported, not copied); with --replicate M, a size N > M is made by copying the size-M warehouse
N/M times, index included (bench/search_replicate.py: building 1M from scratch takes hours here). For each
size built this script fills article_terms (1,000 articles analysed for real with the summaries' own
`terms` analysis, their rows copied to the others, as bench/summaries.py does), then does what a
summaries run does for the desk (presswatch.desk.prepare.prepare_desk: outlet directory, search forms,
the search index, materialised outlets, term counts) and times it, and then times, on a read-only
connection as the CLI opens it:
- `run_search` (the whole answer: matches, attention per day, top outlets, distinctive terms, samples),
  with its phases and the index's work (posting lists read, documents verified on their text);
- the baseline: `SELECT count(*) FROM articles WHERE text LIKE '%term%'` for the query's first term as
  written, i.e. one plain scan of the same text.
Best of --repeat runs each (the machine is shared). Results merge by size into <workdir>/search-results.json.

With --maintenance NEW, only the desk's share of a summaries run is measured instead, on a copy of each
size's warehouse: with nothing new, then after NEW new articles (--versions of them new versions of old
stories), by part, wall and CPU (bench/search_maintenance.py; --profile prints each part's cProfile).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import search_maintenance, summaries_build
from bench.search_replicate import replicate
from presswatch.desk.prepare import prepare_desk
from presswatch.desk.search import Filters, run_search
from presswatch.settings import SEEDS_DIR
from presswatch.store import db as warehouse
from presswatch.store.summaries_reads import read_articles
from presswatch.summaries import analyses

# (query, the term the plain scan looks for, as written in the text)
QUERIES = [
    ("DeepSeek AND (成本 OR 训练)", "DeepSeek"),
    ("芯片 AND (管制 OR 禁令 OR \"export controls\")", "芯片"),
    ("英伟达 NOT 股价", "英伟达"),
    ("AI AND 开源", "开源"),
    ("\"Sam Altman\" OR 奥特曼", "奥特曼"),
    # Four Han characters: a 4-gram key each (migration 014); before, the candidates' text was read.
    ("人工智能 AND 开源", "人工智能"),
    ("出口管制 AND 人工智能", "出口管制"),
    # Five or more: the documents holding all its 4-grams, verified on their text (the worst cases).
    ("大语言模型", "大语言模型"),
    ("\"美国对华芯片出口管制\"", "美国对华芯片出口管制"),
    ("\"芯片 出口管制\" AND DeepSeek", "芯片出口管制"),
]
TERMS_SAMPLE = 1000
CONFIG = analyses.AnalysisConfig()


def build(db: Path, n: int) -> float:
    paragraphs, seeds, titles = summaries_build.corpus(n)
    started = time.perf_counter()
    summaries_build.build(db, n, 0, paragraphs, seeds, titles)
    return time.perf_counter() - started


def prepare(db: Path, workers: int) -> dict[str, Any]:
    with warehouse.connection(db) as con:
        warehouse.migrate(con)
        warehouse.refresh_views(con)
        started, cpu = time.perf_counter(), time.process_time()
        result = prepare_desk(con, SEEDS_DIR / "outlets.yaml", workers=workers)
        result["seconds"] = round(time.perf_counter() - started, 1)
        result["cpu_s"] = round(time.process_time() - cpu, 1)  # this process only, not the index workers
        result["load_average"] = os.getloadavg()[0]
        result["index_mb"] = round(con.execute("SELECT coalesce(sum(octet_length(docs)), 0) / 1e6 FROM desk_postings").fetchall()[0][0])
    print(f"  desk prepared: {result}", flush=True)
    return result


def fill_terms(db: Path, workers: int) -> None:
    with warehouse.connection(db) as con:
        if con.execute("SELECT count(*) FROM article_terms").fetchall()[0][0]:
            return
        ids = [r[0] for r in con.execute("SELECT article_id FROM articles ORDER BY article_id LIMIT ?",
                                         [TERMS_SAMPLE]).fetchall()]  # fmt: skip
        articles = read_articles(con, ids)
    columns = analyses.analyse_many("terms", articles, CONFIG, workers)
    with warehouse.connection(db) as con:
        con.register("sample_terms", pd.DataFrame(columns))
        con.register("sample_ids", pd.DataFrame({"sample_id": ids, "no": range(len(ids))}))
        con.execute("INSERT INTO article_terms (article_id, term, n) SELECT article_id, term, n FROM sample_terms")
        con.execute(
            "INSERT INTO article_terms (article_id, term, n) SELECT a.article_id, t.term, t.n FROM"
            " (SELECT article_id, (row_number() OVER (ORDER BY article_id) - 1) % ? AS no FROM articles"
            "  WHERE article_id NOT IN (SELECT sample_id FROM sample_ids)) a"
            " JOIN sample_ids s USING (no) JOIN sample_terms t ON t.article_id = s.sample_id",
            [len(ids)],
        )


def best(fn: Any, repeat: int) -> tuple[float, float, Any]:
    """The fastest of `repeat` runs: its wall time, its CPU time (this process, DuckDB's threads included:
    the machine is shared, so wall time alone says little) and its result (its own phase timings)."""
    runs = []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        result = fn()
        runs.append((time.perf_counter() - started, time.process_time() - cpu, result))
    return min(runs, key=lambda run: run[0])


def measure(db: Path, repeat: int) -> list[dict[str, Any]]:
    rows = []
    with warehouse.connection(db, read_only=True) as con:
        n, text_mb = con.execute("SELECT count(*), sum(strlen(text)) / 1e6 FROM articles").fetchall()[0]
        for query, term in QUERIES:
            search_s, search_cpu, answer = best(lambda q=query: run_search(con, q, Filters()), repeat)
            scan_s, scan_cpu, scanned = best(lambda t=term: con.execute(
                "SELECT count(*) FROM articles WHERE text LIKE ?", [f"%{t}%"]).fetchall()[0][0], repeat)  # fmt: skip
            row = {"n": n, "text_mb": round(text_mb), "query": query, "matches": answer["matches"],
                   "search_s": round(search_s, 3), "search_cpu_s": round(search_cpu, 3), "universe_s": answer["seconds"]["universe"],
                   "match_s": answer["seconds"]["match"], "terms_s": answer["seconds"]["terms"],
                   "keys_read": answer["index"]["keys_read"], "verified": answer["index"]["verified"],
                   "plain_scan_s": round(scan_s, 3), "plain_scan_cpu_s": round(scan_cpu, 3), "plain_scan_hits": scanned, "ratio": round(search_s / scan_s, 2),
                   "terms": len(answer["distinctive_terms"]), "load_average": os.getloadavg()[0]}  # fmt: skip
            print("  {query}: {matches:,} matches, search {search_s} s, CPU {search_cpu_s} s (filters {universe_s} s,"
                  " matching {match_s} s [{keys_read} lists, {verified:,} verified], terms {terms_s} s), plain LIKE"
                  " scan {plain_scan_s} s, CPU {plain_scan_cpu_s} s -> {ratio}x, load {load_average:.1f}".format(**row),
                  flush=True)  # fmt: skip
            rows.append(row)
    return rows


def maintenance(args: argparse.Namespace) -> None:
    path = args.workdir / "search-maintenance.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    for n in args.sizes:
        source = args.workdir / f"search-{n}.duckdb"
        print(f"N = {n:,}: desk maintenance on a copy of {source}", flush=True)
        result = search_maintenance.run(source, args.workdir, args.maintenance, args.versions, args.workers, args.profile)
        stored[str(n)] = result
        path.write_text(json.dumps(stored, indent=1, ensure_ascii=False, default=str))
    analyses.shutdown_pool()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/presswatch-bench-search"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--replicate", type=int, default=0, help="make larger sizes by copying this size")
    parser.add_argument("--maintenance", type=int, default=0, help="time the desk's run after this many new articles")
    parser.add_argument("--versions", type=int, default=0, help="... of which this many are new versions")
    parser.add_argument("--profile", action="store_true", help="... and print each part's cProfile")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.maintenance:
        maintenance(args)
        return
    path = args.workdir / "search-results.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    for n in args.sizes:
        db = args.workdir / f"search-{n}.duckdb"
        print(f"N = {n:,}: {db}", flush=True)
        result: dict[str, Any] = {}
        if not db.exists() and args.replicate and n > args.replicate:
            source = args.workdir / f"search-{args.replicate}.duckdb"
            result["replicated_from"] = args.replicate
            result["replicate_s"] = round(replicate(source, db, n // args.replicate), 1)
        elif not db.exists():
            result["build_s"] = round(build(db, n), 1)
        fill_terms(db, args.workers)
        result["prepare"] = prepare(db, args.workers)
        result["queries"] = measure(db, args.repeat)
        stored[str(n)] = stored.get(str(n), {}) | result
        path.write_text(json.dumps(stored, indent=1, ensure_ascii=False, default=str))
    analyses.shutdown_pool()


if __name__ == "__main__":
    main()
