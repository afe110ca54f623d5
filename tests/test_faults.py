"""kill -9 during each stage of `presswatch run`, then a plain re-run: the warehouse ends equal to an
uninterrupted run's over the same inputs, table by table.

One warehouse goes through a chain of runs, each killed in another stage — reading, extraction, validation,
landing (with the warehouse open inside the batch's transaction), summaries — and each kill is followed by
a plain re-run of the same command, which is the next link; the last re-run is left to finish. After every
kill the warehouse is checked as it was left (whole batches only, nothing the uninterrupted run lacks),
and at the end every table is compared with the uninterrupted run's warehouse. How a stage is hit without
touching the pipeline: see tests/pipeline_runs.py (progress lines, SIGSTOP, then SIGKILL). The inputs and
the uninterrupted run are the session's (tests/pipeline_reference.py), shared with test_concurrent_runs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from pipeline_reference import BATCH, N_INPUTS, RUN_TIMEOUT_S, run_args
from pipeline_runs import (
    GUARD_OFF,
    PROGRESS,
    CliRun,
    last_subflow,
    query,
    run_env,
    snapshot,
    stage_of,
)

from flows.locking import limit_is_active

# One xdist unit with the other user of the reference run (tests/conftest.py), which it builds once.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800), pytest.mark.xdist_group("pipeline_reference")]

# Runs in the chain before the summaries kill, each one batch further (see _kill_during): the chain needs at
# least this many batches, and a stage caught again on a later batch needs one more each.
N_KILLED_IN_INGEST = 4
MIN_INPUTS = (N_KILLED_IN_INGEST + 1) * BATCH
# The progress line after which each ingest stage is in progress (see pipeline_runs.STAGE_AFTER).
TRIGGER = {"reading": "landed", "extraction": "files read", "validation": "extracted", "landing": "validated"}
SUMMARY_TO_KILL = "summary: stories across outlets"  # the third summary: mentions and volume are already written
LANDING_STEPS = 200
# Tables compared in their own way below: run bookkeeping, whose rows differ by design between one run
# and a chain of runs.
BOOKKEEPING = ("runs", "run_inputs", "validation_results")


@pytest.fixture(scope="module")
def inputs(pipeline_inputs: Path) -> Path:
    return pipeline_inputs


@pytest.fixture(scope="module")
def uninterrupted(lone_run: Path) -> Path:
    return lone_run


@pytest.fixture(scope="module")
def env(prefect_api_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    # The session's API has no warehouse limit: a killed run holds no slot that would keep the next one
    # waiting, exactly as in embedded mode (each run also logs GUARD_OFF, checked below).
    assert not limit_is_active()
    base = tmp_path_factory.mktemp("fault-prefect")
    return run_env(base / "prefect-home", base / "data-docs", prefect_api_url)


def _args(inputs: Path, db: Path, *extra: str) -> list[str]:
    return run_args(inputs, db, 2, *extra)


def _landed(db: Path) -> int:
    """Inputs earlier runs landed (the next run finds them unchanged and counts them done at once)."""
    if not db.exists():
        return 0
    return int(query(db, "SELECT count(DISTINCT source) FROM run_inputs WHERE outcome <> 'skipped'")[0][0])


def _warehouse_open(pid: int, db: Path) -> bool:
    """Whether the (frozen) process has the DuckDB file open: inside a task's connection."""
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(fd) in (str(db), f"{db}.wal"):
                return True
        except OSError:
            continue
    return False


def _kill_during(run: CliRun, stage: str, after: int, db: Path) -> dict[str, Any]:
    """Freeze the run each time `stage` begins past `after` inputs, until it is caught in that stage; kill it.

    `after` is one batch past what earlier runs landed: the run starts by counting those done in every
    stage, then reads new inputs batch by batch, so a stage that begins past `after` is working on a new
    batch, with the pipeline full (the batch after it read and extracting)."""
    trigger, attempts = TRIGGER[stage], 0

    def begins(line: str) -> bool:
        return bool((m := PROGRESS.match(line)) and m.group(1) == trigger and int(m.group(2)) > after)

    while True:
        i, lines = run.freeze_when(begins, RUN_TIMEOUT_S)
        attempts += 1
        in_warehouse = _warehouse_open(run.pid, db)
        # Landing: step the run on in small slices until its connection to the warehouse is open.
        for _ in range(LANDING_STEPS if stage == "landing" else 0):
            if in_warehouse or any(PROGRESS.match(line) for line in lines[i + 1 :]):
                break
            lines = run.step(0.01)
            in_warehouse = _warehouse_open(run.pid, db)
        caught = stage_of(lines)
        moved_on = any(PROGRESS.match(line) for line in lines[i + 1 :])
        # Landing counts as hit only while the batch's connection (and its transaction) is open.
        if not moved_on and caught and caught[0] == stage and (stage != "landing" or in_warehouse):
            run.kill()
            kill = {"stage": stage, "inputs_done": caught[1], "attempts": attempts, "db_open": in_warehouse}
            print(f"\nkilled: {kill}", flush=True)
            return kill
        run.thaw()


def _kill_during_summaries(run: CliRun) -> dict[str, Any]:
    needle = f"Beginning subflow run '{SUMMARY_TO_KILL}'"
    _, lines = run.freeze_when(lambda line: needle in line, RUN_TIMEOUT_S)
    assert last_subflow(lines) == SUMMARY_TO_KILL, run.output()
    run.kill()
    kill = {"stage": "summaries", "subflow": SUMMARY_TO_KILL, "attempts": 1}
    print(f"\nkilled: {kill}", flush=True)
    return kill


def _check_left_consistent(db: Path, reference: dict[str, list[Any]]) -> None:
    """What a killed run leaves: whole batches only, and nothing an uninterrupted run would not hold."""
    left = snapshot(db, skip=BOOKKEEPING)
    for table in ("documents", "articles", "duplicates", "quarantine"):
        extra = _minus(left[table], reference[table])
        assert not extra, f"{table}: rows an uninterrupted run does not have: {extra[:3]}"
    fates = query(
        db,
        "SELECT count(*) FROM documents d"
        " WHERE d.doc_sha256 NOT IN (SELECT doc_sha256 FROM articles)"
        " AND d.doc_sha256 NOT IN (SELECT doc_sha256 FROM duplicates)"
        " AND d.doc_sha256 NOT IN (SELECT doc_sha256 FROM quarantine)",
    )[0][0]
    assert fates == 0, "a document was stored without its article, duplicate or quarantine row"
    recorded = query(db, "SELECT count(DISTINCT doc_sha256) FROM run_inputs WHERE outcome <> 'skipped'")[0][0]
    assert recorded == query(db, "SELECT count(*) FROM documents")[0][0]


def _minus(rows: list[Any], other: list[Any]) -> list[Any]:
    remaining = list(other)
    extra = []
    for row in rows:
        if row in remaining:
            remaining.remove(row)
        else:
            extra.append(row)
    return extra


def test_kill_during_each_stage_then_rerun_gives_the_uninterrupted_warehouse(
    inputs: Path, env: dict[str, str], uninterrupted: Path, tmp_path: Path
):
    assert N_INPUTS >= MIN_INPUTS, f"the kill chain needs at least {MIN_INPUTS} inputs"
    db = tmp_path / "warehouse.duckdb"
    reference = snapshot(uninterrupted, skip=BOOKKEEPING)
    kills: list[dict[str, Any]] = []
    for stage in ("reading", "extraction", "validation", "landing"):
        landed = _landed(db)
        after = landed + BATCH  # past what earlier runs landed: this batch is new work
        run = CliRun(_args(inputs, db, "--verbose"), env).start()
        kills.append(_kill_during(run, stage, after, db))
        assert kills[-1]["inputs_done"] > after > landed, kills[-1]
        assert any(GUARD_OFF in line for line in run.lines), run.output()
        assert query(db, "SELECT count(*) FROM runs WHERE status = 'running'")[0][0] == len(kills)
        _check_left_consistent(db, reference)
    run = CliRun(_args(inputs, db, "--verbose"), env).start()
    kills.append(_kill_during_summaries(run))
    _check_left_consistent(db, reference)
    print("\nkills:", *kills, sep="\n  ")

    final = CliRun(_args(inputs, db), env).start()
    assert final.finish(RUN_TIMEOUT_S) == 0, final.output()

    got = snapshot(db, skip=BOOKKEEPING)
    assert set(got) == set(reference)
    differing = {t: (len(got[t]), len(reference[t])) for t in got if got[t] != reference[t]}
    assert not differing, f"tables that differ from the uninterrupted run's (rows here, there): {differing}"
    print(f"tables equal to the uninterrupted run's: {len(got)} ({', '.join(sorted(got))})")
    _check_run_bookkeeping(db, uninterrupted, n_killed=len(kills))


def _check_run_bookkeeping(db: Path, reference: Path, n_killed: int) -> None:
    """Killed runs stay visibly unfinished; every input's first outcome is the uninterrupted run's; the
    last run accounts for every input; each document passed validation exactly once in some run."""
    runs = query(db, "SELECT flow_run_id, status FROM runs ORDER BY started_at")
    # The ingest part of the run killed during summaries had finished: that run is 'completed'.
    assert [s for _, s in runs] == ["running"] * (n_killed - 1) + ["completed", "completed"], runs
    first = dict(query(
        db,
        "SELECT source, arg_min(outcome, r.started_at) FROM run_inputs i JOIN runs r USING (flow_run_id)"
        " WHERE outcome <> 'unchanged' GROUP BY source",
    ))  # fmt: skip
    expected = dict(query(reference, "SELECT source, outcome FROM run_inputs"))
    assert first == expected
    last_run = runs[-1][0]
    final = dict(query(db, "SELECT source, outcome FROM run_inputs WHERE flow_run_id = ?", [last_run]))
    assert set(final) == set(expected)
    assert all(final[s] in (expected[s], "unchanged") for s in expected)
    balanced = query(db, "SELECT balanced FROM run_reconciliation WHERE flow_run_id = ?", [last_run])
    assert balanced == [(True,)]
    sql = ("SELECT suite, expectation, column_name, sum(element_count), sum(unexpected_count)"
           " FROM validation_results GROUP BY ALL ORDER BY ALL")  # fmt: skip
    assert query(db, sql) == query(reference, sql)
