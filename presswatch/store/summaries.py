"""The summaries' steps in the DuckDB warehouse, in the flow's order. No Prefect.

Per-article analyses are incremental (summaries_analyses.py: each article analysed once per step
fingerprint, in chunks). Aggregates follow the articles that changed since their last update
(summaries_incremental.py and summaries_cells.py: volume, mentions, top terms, search matches per (day, outlet) cell;
stories_index.py: stories through a persistent LSH band index; summaries_keyed.py: the figures ledger per
(quantity, unit) block, spikes and alerts), or are rebuilt whole after a rule change or on request.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import nullcontext
from datetime import datetime
from typing import Any

import duckdb

from presswatch.store import db as warehouse
from presswatch.store import summaries_incremental as incremental
from presswatch.store.db import transaction
from presswatch.store.stories_index import update_stories
from presswatch.store.summaries_analyses import STEP_TABLES, analyse_pending, prefetch
from presswatch.store.summaries_cells import update_cells
from presswatch.store.summaries_keyed import update_ledger, update_searches
from presswatch.summaries import analyses as summaries
from presswatch.summaries.figures.vocabulary import Vocabulary
from presswatch.summaries.searches import SavedSearch

# ---- aggregates ------------------------------------------------------------------------------------------


def update_aggregate(
    con: duckdb.DuckDBPyConnection,
    aggregate: str,
    now: datetime,
    *,
    rebuild: bool = False,
    vocabulary: Vocabulary | None = None,
    searches: Sequence[SavedSearch] = (),
    run_id: str = "",
) -> dict[str, Any]:
    """Bring one aggregate up to date: the keys touched since its last update, or all of them when its
    analyses' fingerprint changed, on its first run, or with rebuild=True. Returns what it did."""
    plan = incremental.plan(con, aggregate, rebuild)
    with warehouse.whole_archive_memory(con) if plan.full else nullcontext():
        result = _update(con, aggregate, plan, now, vocabulary, searches, run_id)
    incremental.prune_changes(con)
    return result


def _update(
    con: duckdb.DuckDBPyConnection,
    aggregate: str,
    plan: incremental.Plan,
    now: datetime,
    vocabulary: Vocabulary | None,
    searches: Sequence[SavedSearch],
    run_id: str,
) -> dict[str, Any]:
    result: dict[str, Any] = {"mode": "full" if plan.full else "incremental"}
    if aggregate == "stories":
        result |= update_stories(con, plan, now)  # marks itself applied, in its own transaction
        if plan.full:
            incremental.forget(con, "ledger")  # every story id may have changed: the ledger counts stories
    else:
        # The update and the mark that it was applied land together: applied but unmarked (a kill between
        # two transactions), the next run would add the same changes' deltas again.
        with transaction(con):
            if aggregate == "ledger":
                assert vocabulary is not None, "the ledger needs the figures vocabulary"
                result |= update_ledger(con, plan, vocabulary)
            elif aggregate == "searches":
                result["new_alerts"] = update_searches(con, plan, searches, now, run_id)
            else:
                result["cells"] = update_cells(con, aggregate, plan, top=summaries.TOP_TERMS)
            incremental.mark_applied(con, plan, now)
    return result


# The order the summaries flow runs them in: each analysis step, then the aggregates built on it. The
# prefetched steps (PREFETCH_STEPS) come last, so that their worker has finished by then.
RUN_ORDER: tuple[tuple[str | None, tuple[str, ...]], ...] = (
    ("mentions", ("mentions_daily",)),
    (None, ("volume",)),
    ("signatures", ("stories",)),
    ("searches", ("searches",)),
    ("figures", ("ledger",)),
    ("terms", ("top_terms",)),
)


def summarise(
    db_path: str,
    config: summaries.AnalysisConfig,
    now: datetime,
    *,
    workers: int = 1,
    rebuild: bool = False,
    vocabulary: Vocabulary,
    searches: Sequence[SavedSearch],
    run_id: str = "local",
    timings: dict[str, float] | None = None,
) -> dict[str, Any]:
    """What the summaries flow does, without Prefect (benchmarks and tests): sync, then each analysis and
    its aggregates in the flow's order. Fills `timings` (seconds per analysis step and per aggregate)."""
    timings = {} if timings is None else timings
    out: dict[str, Any] = {}
    with warehouse.hold(db_path, row_group_rows=warehouse.WIDE_ROW_GROUP_ROWS):  # attached once for the run
        started = time.perf_counter()
        with warehouse.connection(db_path) as con:
            out["sync"] = incremental.sync_members(con)
        prefetch(db_path, config, workers=workers)  # figures and terms start in a second process
        timings["sync"] = time.perf_counter() - started
        out["prefetched"] = []  # the steps whose rows came from prefetch's worker
        for step, aggregates in RUN_ORDER:
            if step is not None:
                result = analyse_pending(db_path, step, config, workers=workers, now=now, members_synced=True)
                out[step], timings[step] = result.analysed, result.seconds
                if result.prefetched:
                    out["prefetched"].append(step)
            for aggregate in aggregates:
                started = time.perf_counter()
                with warehouse.connection(db_path, checkpoint=False) as con:
                    out[aggregate] = update_aggregate(
                        con, aggregate, now, rebuild=rebuild, vocabulary=vocabulary, searches=searches, run_id=run_id
                    )
                # The searches aggregate shares its step's name: its time must not overwrite the step's.
                timings[f"{aggregate} (aggregate)" if aggregate in STEP_TABLES else aggregate] = (
                    time.perf_counter() - started
                )
        started = time.perf_counter()
        # One checkpoint for the run's many connections (not a second one as the file is detached: ~0.9 s).
        with warehouse.connection(db_path, checkpoint=False) as con:
            con.execute("CHECKPOINT")
        timings["checkpoint"] = time.perf_counter() - started
    return out
