"""The inputs and the uninterrupted `presswatch run` over them that tests/test_faults.py and
tests/test_concurrent_runs.py both compare with: built once per session (a pytest plugin, see conftest.py).

How many inputs: the kill chain of test_faults needs 5 batches (reading, extraction, validation and landing
are each hit one batch past what earlier runs landed; see its `_kill_during`), and more for a stage that has
to be caught again on a later batch. 64 inputs (8 batches) leave 3 batches for such retries, and, with the
~30 dev pages build_inputs draws from, give a second copy of every page: duplicates and new versions, which
the reference run must hold (checked below) for the comparisons to cover them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pipeline_runs import CliRun, build_inputs, query, run_env

N_INPUTS = int(os.environ.get("PRESSWATCH_PIPELINE_INPUTS", "64"))
BATCH = 8
RUN_TIMEOUT_S = 900


def run_args(inputs: Path, db: Path, workers: int, *extra: str) -> list[str]:
    return ["--seeds", str(inputs), "--db", str(db), "--no-feeds", "--batch-size", str(BATCH),
            "--workers", str(workers), *extra]  # fmt: skip


@pytest.fixture(scope="session")
def pipeline_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pipeline-inputs")
    build_inputs(folder, N_INPUTS)
    return folder


@pytest.fixture(scope="session")
def lone_run(pipeline_inputs: Path, prefect_api_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The warehouse one uninterrupted `presswatch run` (2 extraction workers) leaves over the inputs."""
    base = tmp_path_factory.mktemp("lone-run")
    db = base / "warehouse.duckdb"
    env = run_env(base / "prefect-home", base / "data-docs", prefect_api_url)
    run = CliRun(run_args(pipeline_inputs, db, 2), env).start()
    assert run.finish(RUN_TIMEOUT_S) == 0, run.output()
    outcomes = dict(query(db, "SELECT outcome, count(*) FROM run_inputs GROUP BY ALL"))
    assert {"new", "new version", "duplicate"} <= set(outcomes), outcomes
    assert sum(outcomes.values()) == N_INPUTS, outcomes
    return db
