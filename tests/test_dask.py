"""The ingest flow with its extraction on a real Dask cluster lands exactly what a local run lands.

A `dask scheduler` and two `dask worker` processes (one thread each) are started on 127.0.0.1 on free
ports; the flow process stays the only warehouse writer, the workers only get bytes and return records.
"""

from __future__ import annotations

import gzip
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.ingest import ingest_flow
from presswatch import workpool

ROOT = Path(__file__).resolve().parent.parent
DASK = Path(sys.executable).parent / "dask"
# Columns that name the run or the moment, not what was landed.
RUN_COLUMNS = {"flow_run_id", "first_seen", "read_ns", "parameters"}

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_api")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(DASK), *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """tcp://127.0.0.1:PORT of a scheduler with two single-threaded workers, stopped afterwards."""
    from distributed import Client

    logs = tmp_path_factory.mktemp("dask-logs")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [_start(["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], logs / "s.log")]
    try:
        for i in range(2):
            procs.append(_start(["worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--nworkers", "1",
                                 "--no-dashboard", "--name", f"w{i}"], logs / f"w{i}.log"))  # fmt: skip
        with Client(address, timeout="120s", set_as_default=False) as client:
            client.wait_for_workers(2, timeout=240)
        yield address
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture
def inputs(seeds_dir: Path) -> Path:
    """The seeds plus 18 HTML pages from bench/data: enough to go to the pool in the local run too."""
    pages = sorted((ROOT / "bench" / "data").rglob("*.html.gz"))[:18]
    for i, page in enumerate(pages):
        (seeds_dir / f"page-{i:02d}.html").write_bytes(gzip.decompress(page.read_bytes()))
    return seeds_dir


def _tables(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every base table's rows, without run ids and timestamps, in a stable order."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with duckdb.connect(str(db), read_only=True) as con:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1"
        ).fetchall()]  # fmt: skip
        for name in names:
            cols = [c for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [name],
            ).fetchall() if c not in RUN_COLUMNS and (c == "published_at" or not c.endswith("_at"))]  # fmt: skip
            quoted = ", ".join(f'"{c}"' for c in cols)
            rows = con.execute(f'SELECT {quoted} FROM "{name}"').fetchall()
            out[name] = sorted(rows, key=repr)
    return out


def _cluster_ran(address: str, prefix: str) -> bool:
    from distributed import Client

    with Client(address, timeout="60s", set_as_default=False) as client:
        return bool(client.run_on_scheduler(lambda dask_scheduler: prefix in dask_scheduler.task_prefixes))


def test_extraction_on_a_dask_cluster_lands_what_a_local_run_lands(
    cluster: str, inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # The flow switches this process's executor to the cluster; put it back, or later tests in this worker
    # would send their extraction to a scheduler that has been stopped.
    monkeypatch.setattr(workpool, "_cluster", workpool.cluster_address())
    local = ingest_flow(seeds_dir=str(inputs), db_path=str(tmp_path / "local.duckdb"), include_feeds=False,
                        workers=2)  # fmt: skip
    assert not _cluster_ran(cluster, "extract_chunk")

    monkeypatch.setenv("PRESSWATCH_DASK_ADDRESS", cluster)
    remote = ingest_flow(seeds_dir=str(inputs), db_path=str(tmp_path / "dask.duckdb"), include_feeds=False,
                         workers=2)  # fmt: skip

    assert _cluster_ran(cluster, "extract_chunk")  # the work went to the cluster's workers
    assert remote.counts == local.counts and local.counts["new"] >= 18
    assert local.balanced and remote.balanced
    local_rows, remote_rows = _tables(tmp_path / "local.duckdb"), _tables(tmp_path / "dask.duckdb")
    assert local_rows.keys() == remote_rows.keys() and "articles" in local_rows
    for table, rows in local_rows.items():
        assert remote_rows[table] == rows, f"{table} differs between the local and the Dask run"
