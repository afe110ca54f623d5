"""Two `presswatch run` processes started together on one warehouse in embedded mode (each starts its own
Prefect API on one shared Prefect home, so nothing but DuckDB's file lock keeps them apart): both complete,
and the warehouse holds what one run alone would have written — every table compared with a single run's
over the same inputs (the session's uninterrupted run, tests/pipeline_reference.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipeline_reference import N_INPUTS, RUN_TIMEOUT_S, run_args
from pipeline_runs import CliRun, query, run_env, snapshot

# One xdist unit with the other user of the reference run (tests/conftest.py), which it builds once.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800), pytest.mark.xdist_group("pipeline_reference")]

BOOKKEEPING = ("runs", "run_inputs", "validation_results")


def test_two_runs_started_together_both_complete_and_total_one_runs_warehouse(
    pipeline_inputs: Path, lone_run: Path, tmp_path_factory: pytest.TempPathFactory
):
    base = tmp_path_factory.mktemp("concurrent")
    inputs, alone = pipeline_inputs, lone_run
    env = run_env(base / "prefect-home", base / "data-docs")  # embedded: no API URL

    shared = base / "shared.duckdb"
    # One extraction worker each: the two runs share 2 cores.
    runs = [CliRun(run_args(inputs, shared, 1), env).start() for _ in range(2)]
    codes = [run.finish(RUN_TIMEOUT_S) for run in runs]
    assert codes == [0, 0], "\n\n".join(run.output() for run in runs)

    reference = snapshot(alone, skip=BOOKKEEPING)
    got = snapshot(shared, skip=BOOKKEEPING)
    assert set(got) == set(reference)
    differing = {t: (len(got[t]), len(reference[t])) for t in got if got[t] != reference[t]}
    assert not differing, f"tables that differ from one run's (rows here, there): {differing}"

    # Each run accounted for every input; between them each input became what it became in the lone run
    # exactly once, and the other run found it already there.
    statuses = query(shared, "SELECT status, inputs_discovered FROM runs")
    assert statuses == [("completed", N_INPUTS)] * 2
    expected = dict(query(alone, "SELECT source, outcome FROM run_inputs"))
    per_source = query(
        shared,
        "SELECT source, list(outcome ORDER BY outcome) FROM run_inputs GROUP BY source",
    )
    assert {source for source, _ in per_source} == set(expected)
    for source, outcomes in per_source:
        assert sorted(outcomes) == sorted([expected[source], "unchanged"]), (source, outcomes)
    assert query(shared, "SELECT bool_and(balanced) FROM run_reconciliation") == [(True,)]
    print(f"\nconcurrent runs: {N_INPUTS} inputs, {len(got)} tables equal to a lone run's")
