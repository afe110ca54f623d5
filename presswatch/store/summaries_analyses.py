"""Per-article analyses in the warehouse: which current members a step has still to analyse, the worker
that analyses a run's new articles for the costliest steps meanwhile (prefetch), writing each chunk's rows
with its marks. No Prefect. Reading the articles: summaries_reads.py.

Each article is analysed once per step fingerprint, in chunks, each chunk read and written in its own short
connection and written in one transaction (a chunk is wholly done or not at all). Rows carry the article's
member number (migration 019), which is how a run's rows are found again.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from concurrent.futures import BrokenExecutor
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from presswatch import workpool
from presswatch.settings import DEFAULT_LOCK_TIMEOUT_S
from presswatch.store import db as warehouse
from presswatch.store import summaries_incremental as incremental
from presswatch.store.db import one_value, transaction
from presswatch.store.summaries_reads import CHUNK_SIZE, cached_articles, in_table_order, member_numbers
from presswatch.summaries import analyses as summaries

STEP_TABLES = {
    "mentions": "entity_mentions",
    "terms": "article_terms",
    "figures": "figures",
    "signatures": "article_signatures",
    "searches": "search_hits",
}


@dataclass
class StepResult:
    step: str
    analysed: int = 0
    reset: bool = False
    seconds: float = 0.0
    prefetched: bool = False  # its rows came from prefetch()'s worker


def _write_frame(con: duckdb.DuckDBPyConnection, table: str, columns: summaries.Columns) -> None:
    warehouse.insert_frame(con, table, pd.DataFrame(columns))




def sync_fingerprint(con: duckdb.DuckDBPyConnection, step: str, fingerprint: str, now: datetime) -> bool:
    """Forget a step's results when its rules changed. Returns True when they were reset."""
    found = con.execute("SELECT fingerprint FROM summary_state WHERE step = ?", [step]).fetchall()
    row = found[0] if found else None
    if row is not None and row[0] == fingerprint:
        return False
    with transaction(con):
        con.execute(f"DELETE FROM {STEP_TABLES[step]}")
        con.execute("DELETE FROM summary_analysed WHERE step = ?", [step])
        con.execute(
            "INSERT INTO summary_state (step, fingerprint, updated_at, analysed_upto) VALUES (?, ?, ?, 0)"
            " ON CONFLICT (step) DO UPDATE SET fingerprint = excluded.fingerprint, updated_at = excluded.updated_at,"
            " analysed_upto = 0",
            [step, fingerprint, now],
        )
    return row is not None


@dataclass(frozen=True)
class Pending:
    ids: list[str]  # current members not analysed by the step, by article_id
    numbers: dict[str, int]  # their member numbers
    upto: int  # the highest member number when they were listed


def pending_ids(con: duckdb.DuckDBPyConnection, step: str) -> Pending:
    """Current members (summary_members, synced) this step has not analysed. Only members above the
    step's analysed_upto can be pending (migration 021), and members are matched with their marks by
    number: a run's range of new members, not every member (~0.25 s a step at 1M articles). A member
    marked without a number (never expected) shows as pending; write_analysis replaces its rows."""
    found = con.execute("SELECT analysed_upto FROM summary_state WHERE step = ?", [step]).fetchall()
    after = int(found[0][0] or 0) if found else 0
    upto = int(one_value(con, "SELECT coalesce(max(member_no), 0) FROM summary_members"))
    rows = con.execute(
        "SELECT a.article_id, a.member_no FROM summary_members a WHERE a.current AND a.member_no > ? AND a.member_no <= ?"
        " AND NOT EXISTS (SELECT 1 FROM summary_analysed s WHERE s.step = ? AND s.member_no > ?"
        "  AND s.member_no = a.member_no) ORDER BY a.article_id",
        [after, upto, step, after],
    ).fetchall()
    return Pending([r[0] for r in rows], dict(rows), upto)


def mark_analysed_upto(con: duckdb.DuckDBPyConnection, step: str, fingerprint: str, upto: int) -> None:
    """Every pending member up to `upto` was analysed under `fingerprint` (not if the rules changed since)."""
    con.execute(
        "UPDATE summary_state SET analysed_upto = greatest(coalesce(analysed_upto, 0), ?)"
        " WHERE step = ? AND fingerprint = ?",
        [upto, step, fingerprint],
    )


def write_analysis(
    con: duckdb.DuckDBPyConnection,
    step: str,
    ids: Sequence[str],
    columns: summaries.Columns,
    numbers: Mapping[str, int] | None = None,
) -> None:
    """One chunk's results and its 'analysed' marks, together: a chunk is wholly done or not at all.
    `numbers`: the articles' member numbers when the caller has them (else looked up)."""
    table = STEP_TABLES[step]
    ids = list(ids)
    numbers = member_numbers(con, ids) if numbers is None else numbers
    chunk_nos = [numbers.get(i) for i in ids]
    columns = {**columns, "member_no": [numbers.get(i) for i in columns["article_id"]]}
    with transaction(con):
        # Rows of these articles exist only if they were marked analysed (both are written together here),
        # which pending articles are not unless another run analysed them meanwhile. Their marks are found
        # by member number, in the run's range (by id: a scan of 5M ids at 1M articles, 0.15 s a chunk);
        # by id too only if some mark has no number (written for an article before it was a member).
        marked = one_value(con, "SELECT count(*) FROM summary_analysed WHERE step = ? AND member_no IN (SELECT unnest(?))",
                           [step, chunk_nos])  # fmt: skip
        if not marked and one_value(con, "SELECT count(*) FROM summary_analysed WHERE step = ? AND member_no IS NULL", [step]):
            marked = one_value(con, "SELECT count(*) FROM summary_analysed WHERE step = ? AND article_id IN (SELECT unnest(?))",
                               [step, ids])  # fmt: skip
        if marked:
            con.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT unnest(?))", [ids])
            con.execute("DELETE FROM summary_analysed WHERE step = ? AND article_id IN (SELECT unnest(?))", [step, ids])
        _write_frame(con, table, columns)
        con.execute(
            "INSERT INTO summary_analysed (step, article_id, member_no) SELECT ?, unnest(?), unnest(?)",
            [step, ids, chunk_nos],
        )


# Steps a run's new articles are analysed for in a second process while this one does the others (see
# prefetch): the two that cost most in one process (1,000 articles at 1M: terms 4.1 s, figures 0.8-1.6 s).
# The run takes their aggregates last, so their results are ready by then.
PREFETCH_STEPS = ("figures", "terms")
# Fewer pending articles than this are analysed in process: starting the worker (an interpreter, the
# analyses' imports, jieba's dictionary: ~1.5 s of the other core) would outlast their analysis.
PREFETCH_MIN_ARTICLES = 250
# Nor in a small archive: the worker's start-up costs ~3-4 CPU s more than the same analyses in this process,
# which only hides behind a run's own work on a large archive. A/B, 1,000 new articles, two runs each: at 10k
# current members 9.4-10.3 s with the worker, 8.2-8.3 s without; at 1M 11.0-12.6 s with, 12.8-15.5 s without.
PREFETCH_MIN_MEMBERS = 500_000


def prefetch(
    db_path: str,
    config: summaries.AnalysisConfig,
    *,
    workers: int,
    steps: Sequence[str] = PREFETCH_STEPS,
    min_articles: int | None = None,
    timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
) -> list[str]:
    """Start analysing the pending articles of `steps` in one worker process, for analyse_pending to pick
    up under the same hold (members synced): the steps whose rules are unchanged and whose pending articles,
    at least min_articles, are few enough for this process (analysis_workers: 1), in an archive of at least
    PREFETCH_MIN_MEMBERS current articles. Returns the steps sent.
    Without a hold, two workers wanted, or a cluster configured, nothing is sent: the steps run as before."""
    cache = warehouse.hold_cache(db_path)
    if cache is None or workers < 2 or workpool.cluster_address():
        return []
    min_articles = PREFETCH_MIN_ARTICLES if min_articles is None else min_articles
    plans: list[tuple[str, str, list[str]]] = []
    with warehouse.connection(db_path, timeout_s=timeout_s, checkpoint=False) as con:
        if int(con.execute("SELECT count(*) FROM summary_members WHERE current").fetchall()[0][0]) < PREFETCH_MIN_MEMBERS:
            return []
        for step in steps:
            fingerprint = summaries.fingerprint(step, config)
            state = con.execute("SELECT fingerprint FROM summary_state WHERE step = ?", [step]).fetchall()
            if not state or state[0][0] != fingerprint:
                continue  # reset on its turn: every article is pending, a job for every worker
            ids = pending_ids(con, step).ids
            ready = workpool.is_ready(workers)
            if min_articles <= len(ids) <= CHUNK_SIZE and summaries.analysis_workers(len(ids), workers, ready) == 1:
                plans.append((step, fingerprint, ids))
        articles = {a["article_id"]: a for a in cached_articles(con, sorted({i for p in plans for i in p[2]}), cache)}
    if not plans:
        return []
    sent: list[str] = []
    try:
        pool = workpool.get_pool(workers) if workpool.is_ready(workers) else workpool.local_pool(1)
        for step, fingerprint, ids in plans:
            future = pool.submit(summaries.analyse, step, [articles[i] for i in ids], config)
            cache[("prefetch", step)] = (fingerprint, ids, future)
            sent.append(step)
    except (OSError, BrokenExecutor):  # no worker: the steps left run in this process, as without prefetch
        pass
    return sent


def _prefetched(
    db_path: str, step: str, fingerprint: str, ids: Sequence[str]
) -> summaries.Columns | None:
    """The prefetched rows of `ids` for this step and rules, or None (none sent, other articles, a failed
    worker: the caller analyses them itself)."""
    cache = warehouse.hold_cache(db_path)
    entry = cache.pop(("prefetch", step), None) if cache is not None else None
    if entry is None:
        return None
    sent_fingerprint, sent_ids, future = entry
    if sent_fingerprint != fingerprint or list(sent_ids) != list(ids):
        future.cancel()
        return None
    try:
        columns: summaries.Columns = future.result()
    except Exception:  # the worker died or was shut down (its error, if the analysis raised, recurs here)
        return None
    return columns


def analyse_pending(
    db_path: str,
    step: str,
    config: summaries.AnalysisConfig,
    *,
    timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    workers: int,
    now: datetime,
    chunk_size: int = CHUNK_SIZE,
    members_synced: bool = False,
) -> StepResult:
    started = time.perf_counter()
    fingerprint = summaries.fingerprint(step, config)
    with warehouse.connection(db_path, timeout_s=timeout_s, checkpoint=False) as con:
        reset = sync_fingerprint(con, step, fingerprint, now)
        if not members_synced:  # every analysed article must be a member: its rows carry its number
            incremental.sync_members(con)
        pending = pending_ids(con, step)
        ids = pending.ids
        if len(ids) > chunk_size:
            ids = in_table_order(con, ids)
    workers = summaries.analysis_workers(len(ids), workers, workpool.is_ready(workers))
    # A run's five steps read the same new articles: a run that fits one chunk reads them once.
    cache = warehouse.hold_cache(db_path) if len(ids) <= chunk_size else None
    prefetched = False
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        with warehouse.connection(db_path, timeout_s=timeout_s, checkpoint=False) as con:
            articles = cached_articles(con, chunk, cache)
        columns = _prefetched(db_path, step, fingerprint, chunk) if len(ids) <= chunk_size else None
        if columns is None:
            columns = summaries.analyse_many(step, articles, config, workers)
        else:
            prefetched = True
        with warehouse.connection(db_path, timeout_s=timeout_s, checkpoint=False) as con:
            write_analysis(con, step, chunk, columns, pending.numbers)
    with warehouse.connection(db_path, timeout_s=timeout_s, checkpoint=False) as con:
        mark_analysed_upto(con, step, fingerprint, pending.upto)
    return StepResult(step, len(ids), reset, time.perf_counter() - started, prefetched)
