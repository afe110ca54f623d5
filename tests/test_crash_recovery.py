"""A run killed mid-way leaves the warehouse consistent, and the next run finishes the job without duplicates."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from flows.ingest import ingest_flow

ROOT = Path(__file__).resolve().parent.parent


def _articles_landed(db: Path) -> int | None:
    """Read while the other process may hold the lock: None when the file can't be opened right now."""
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute("SELECT count(*) FROM articles").fetchone()[0]
    except duckdb.Error:
        return None


@pytest.fixture
def many_seeds(seeds_dir: Path) -> Path:
    """25 distinct articles: the seeds and 20 variants whose bodies name a numbered model."""
    for i, seed in enumerate(sorted(seeds_dir.glob("*.txt")) * 4):
        text = seed.read_text(encoding="utf-8").replace("DeepSeek", f"DeepSeek{i:02d}")
        (seeds_dir / f"variant-{i:02d}-{seed.name}").write_text(text, encoding="utf-8")
    return seeds_dir


@pytest.mark.slow
def test_killed_run_leaves_consistent_warehouse_and_rerun_completes(
    many_seeds: Path, db_path: Path, tmp_path: Path, prefect_api_url: str
):
    # The killed process uses the session's Prefect API rather than booting an embedded one (~30 s on a
    # fresh home); that API has no warehouse limit, so the killed run holds no slot the re-run would wait for.
    env = os.environ | {"PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_API_URL": prefect_api_url}
    cmd = [sys.executable, "-m", "presswatch", "run", "--seeds", str(many_seeds), "--db", str(db_path),
           "--batch-size", "1", "--workers", "1", "--no-feeds"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            if (_articles_landed(db_path) or 0) >= 2:
                break
            time.sleep(0.2)
        assert proc.poll() is None, "the run finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    with duckdb.connect(str(db_path), read_only=True) as con:
        docs, arts = con.execute("SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM articles)").fetchone()
        killed = con.execute("SELECT status FROM runs").fetchall()
    assert 2 <= arts < 25
    assert docs == arts  # every stored document has its article: no half-written batch
    assert killed == [("running",)]  # the killed run is visibly unfinished

    summary = ingest_flow(seeds_dir=str(many_seeds), db_path=str(db_path))
    assert summary.counts["landed"] == 25 - arts
    assert summary.counts["unchanged"] == arts  # landed by the killed run under the same names
    with duckdb.connect(str(db_path), read_only=True) as con:
        total, distinct = con.execute("SELECT count(*), count(DISTINCT doc_sha256) FROM articles").fetchone()
    assert total == distinct == 25
