"""One summaries run after ~1,000 new articles (--new), in a fresh process, as a served deployment runs each flow run.

    .venv/bin/python bench/summaries_fresh.py /tmp/presswatch-bench/bench-1000000.duckdb [--memory 256MB]
        [--new 1000] [--drop-cache] [--trace]

Works on a warehouse bench/summaries.py built. Another process lands the new articles first (its memory is
not this run's), then this one runs the bench's `run()` and prints its time and peak RSS. The DuckDB limit is
the summaries run's default unless --memory gives one ("own": DuckDB's own, 80 % of RAM). --drop-cache drops
the OS page cache after the landing (root only), for a run that reads the file from disk. --trace prints what
DuckDB holds (`duckdb_memory()`, by tag) after each aggregate: evictable pages (BASE_TABLE) against pinned
memory (ART_INDEX, TRANSACTION).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import summaries as bench
from bench.rss import PeakRss
from presswatch.settings import SUMMARIES_DUCKDB_MEMORY, load_settings
from presswatch.store import db as warehouse
from presswatch.store import summaries as summary_store
from presswatch.store.memory import memory_limit

_LAND = "import sys; from pathlib import Path; from bench.summaries_build import land_new; print(land_new(Path(sys.argv[1]), int(sys.argv[2])))"


def _held(con: Any) -> str:
    rows = con.execute(
        "SELECT tag, memory_usage_bytes / 2^20, temporary_storage_bytes / 2^20 FROM duckdb_memory()"
        " WHERE memory_usage_bytes > 4e6 OR temporary_storage_bytes > 0 ORDER BY 2 DESC"
    ).fetchall()
    return ", ".join(f"{tag} {mib:.0f}" + (f" (+{spilled:.0f} spilled)" if spilled else "") for tag, mib, spilled in rows)


def _trace_aggregates() -> None:
    update = summary_store.update_aggregate

    def traced(con: Any, aggregate: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        result = update(con, aggregate, *args, **kwargs)
        print(f"  after {aggregate}: {_held(con)} MiB", flush=True)
        return result

    summary_store.update_aggregate = traced  # type: ignore[assignment]  # summarise looks it up at each call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("db", type=Path)
    parser.add_argument("--memory", help="DuckDB's limit (default: a summaries run's; 'own': DuckDB's own)")
    parser.add_argument("--drop-cache", action="store_true")
    parser.add_argument("--trace", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--new", type=int, default=1000, help="articles landed before the run (a catch-up: more)")
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    landed = subprocess.run([sys.executable, "-c", _LAND, str(args.db), str(args.new)], cwd=root, check=True, capture_output=True, text=True)
    if args.drop_cache:
        subprocess.run("sync; echo 3 > /proc/sys/vm/drop_caches", shell=True, check=True)
    env = {} if args.memory in (None, "own") else {"PRESSWATCH_DUCKDB_MEMORY": args.memory}
    warehouse.configure(load_settings(env), default=None if args.memory == "own" else SUMMARIES_DUCKDB_MEMORY)
    if args.trace:
        _trace_aggregates()
    started = time.perf_counter()
    with PeakRss() as peak:
        timings = bench.run(args.db, args.workers)
    bench.summaries.shutdown_pool()
    print(f"{args.db.name}: {landed.stdout.strip()} new articles; DuckDB limit {memory_limit() or 'own'};"
          f" run {timings['summaries']:.2f} s ({time.perf_counter() - started:.2f} s with the pool's exit);"
          f" peak RSS {peak.own_mib:.0f} MiB (at start {peak.start_mib:.0f}), {peak.tree_mib:.0f} MiB with its workers")  # fmt: skip
    print("  " + ", ".join(f"{k} {v:.2f}" for k, v in timings.items()))


if __name__ == "__main__":
    main()
