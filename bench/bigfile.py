"""A 5 GiB file beside the seeds: peak memory of `presswatch run`, and whether the next run still works.

Issue 12: a 5 GiB sparse file in the seeds folder was once read whole (peak RSS 8.6 GiB) and stored as a
value DuckDB could not read back. This builds a folder with copies of seeds/*.txt plus a sparse file of
--size-gib GiB, runs `presswatch run --no-feeds --no-summaries` on it twice, each in its own process,
and prints per run: exit code, wall time, peak RSS of the run's main process (the kernel's ru_maxrss,
via wait4) and of its whole process tree (psutil samples every 50 ms), and what became of the big file
according to the warehouse. It exits 1 unless the first run quarantines the file (head sample only),
the second run sees it unchanged, both complete, and every peak stays under --max-rss-mib.

    .venv/bin/python bench/bigfile.py [--size-gib 5] [--max-rss-mib 1024] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import psutil

from presswatch.store.rawcodec import unpack

ROOT = Path(__file__).resolve().parent.parent
BIG_NAME = "huge-dump.html"


def build_folder(base: Path, size_gib: float) -> Path:
    seeds = base / "seeds"
    seeds.mkdir()
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        shutil.copy(path, seeds / path.name)
    big = seeds / BIG_NAME
    with big.open("wb") as fh:
        fh.write("<html><body><p>一个巨大的文件</p>".encode())
        fh.truncate(int(size_gib * 2**30))  # sparse: no disk, and zeros when read
    return seeds


def run_once(seeds: Path, db: Path, env: dict[str, str]) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "presswatch", "run", "--no-feeds", "--no-summaries",
           "--seeds", str(seeds), "--db", str(db)]  # fmt: skip
    log = db.parent / f"run-{time.time_ns()}.log"
    started = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    tree_peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal tree_peak
        parent = psutil.Process(proc.pid)
        while not stop.is_set():
            try:
                procs = [parent, *parent.children(recursive=True)]
                tree_peak = max(tree_peak, sum(p.memory_info().rss for p in procs))
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    stop.set()
    sampler.join()
    return {
        "exit": os.waitstatus_to_exitcode(status),
        "seconds": time.monotonic() - started,
        "main_peak_mib": usage.ru_maxrss / 1024,  # Linux reports KiB
        "tree_peak_mib": tree_peak / 2**20,
        "log": log,
    }


def big_file_facts(db: Path) -> dict[str, Any]:
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            "SELECT byte_size, raw, raw_codec, raw_truncated FROM documents WHERE source LIKE ?",
            [f"%{BIG_NAME}"],
        ).fetchone()
        # The bytes as received (stored compressed): what the size cap bounds.
        doc = None if row is None else (row[0], len(unpack(row[1], row[2]) or b""), row[3])
        outcomes = con.execute(
            "SELECT i.outcome, i.detail, r.status FROM run_inputs i JOIN runs r USING (flow_run_id)"
            " WHERE i.source LIKE ? ORDER BY r.started_at",
            [f"%{BIG_NAME}"],
        ).fetchall()
        runs = con.execute("SELECT status FROM runs ORDER BY started_at").fetchall()
        # The column that once broke later runs: reading every stored value back must work.
        con.execute("SELECT sum(octet_length(raw)) FROM documents").fetchone()
    return {"document": doc, "outcomes": outcomes, "runs": [r[0] for r in runs]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-gib", type=float, default=5.0)
    parser.add_argument("--max-rss-mib", type=float, default=1024.0)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="presswatch-bigfile-"))
    try:
        seeds = build_folder(base, args.size_gib)
        db = base / "warehouse" / "bench.duckdb"
        db.parent.mkdir()
        env = dict(os.environ, PREFECT_HOME=str(base / "prefect"), PREFECT_LOGGING_LEVEL="WARNING")
        runs = [run_once(seeds, db, env) for _ in range(2)]
        facts = big_file_facts(db)
        size = int(args.size_gib * 2**30)
        print(f"big file: {size:,} bytes (sparse) beside {len(list(seeds.glob('*.txt')))} seed files")
        for i, r in enumerate(runs, 1):
            print(f"run {i}: exit {r['exit']}, {r['seconds']:.1f} s, peak RSS main process {r['main_peak_mib']:.0f} MiB,"
                  f" whole tree {r['tree_peak_mib']:.0f} MiB")  # fmt: skip
        for i, (outcome, detail, status) in enumerate(facts["outcomes"], 1):
            print(f"run {i}: big file -> {outcome} ({detail}); run {status}")
        print(f"documents row: byte_size, stored raw bytes, truncated = {facts['document']}")
        checks = {
            "both runs exit 0": all(r["exit"] == 0 for r in runs),
            "both runs completed": facts["runs"] == ["completed", "completed"],
            "run 1 quarantines the file": bool(facts["outcomes"]) and facts["outcomes"][0][0] == "quarantined",
            "run 2 sees it unchanged": len(facts["outcomes"]) == 2 and facts["outcomes"][1][0] == "unchanged",
            "only a head sample is stored": facts["document"] is not None
            and facts["document"][0] == size and facts["document"][1] <= 64 * 1024 and facts["document"][2],
            f"peak RSS under {args.max_rss_mib:.0f} MiB": all(
                max(r["main_peak_mib"], r["tree_peak_mib"]) < args.max_rss_mib for r in runs
            ),
        }
        for name, ok in checks.items():
            print(f"{'PASS' if ok else 'FAIL'}  {name}")
        if not all(checks.values()):
            for r in runs:
                print(f"--- {r['log']}:\n{r['log'].read_text()[-3000:]}")
        return 0 if all(checks.values()) else 1
    finally:
        if args.keep:
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
