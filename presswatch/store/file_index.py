"""File states: skip input files unchanged since they were last landed, by (path, size, mtime), unread.

A re-run of a large folder would otherwise read and hash every file to learn that nothing changed. Each
file read in a batch is recorded with the size and mtime it had when stat-ed before reading (stat first:
a file edited after the stat reads newer than its entry, so the next run sees a changed mtime and hashes
it again — never the unsafe way round). An entry whose mtime lies within `RACY_NS` of its stat is not
trusted: an edit in the same clock tick could keep both size and mtime.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from presswatch.store.db import insert_frame
from presswatch.store.landing import LandingPlan

RACY_NS = 2_000_000_000
UNCHANGED_DETAIL = "already landed (same size and mtime as when read)"


@dataclass(frozen=True)
class FileState:
    path: str
    size: int
    mtime_ns: int
    read_ns: int  # when it was stat-ed


def stat_files(paths: Iterable[str]) -> tuple[list[FileState], list[str]]:
    """States of the files that can be stat-ed; the others are returned as they are, for the reader to
    report (a file that vanished or cannot be accessed is quarantined by the read stage, not here)."""
    states: list[FileState] = []
    failed: list[str] = []
    for path in paths:
        now = time.time_ns()
        try:
            info = os.stat(path)
        except OSError:
            failed.append(path)
            continue
        states.append(FileState(path, info.st_size, info.st_mtime_ns, now))
    return states, failed


def unchanged_files(con: duckdb.DuckDBPyConnection, states: Sequence[FileState]) -> dict[str, str]:
    """path -> doc_sha256 for the files whose size and mtime match a trusted entry of the index."""
    if not states:
        return {}
    frame = pd.DataFrame(
        {
            "path": [s.path for s in states],
            "size": [s.size for s in states],
            "mtime_ns": [s.mtime_ns for s in states],
        }
    )
    con.register("file_states", frame)
    try:
        rows = con.execute(
            "SELECT f.path, f.doc_sha256 FROM file_index f JOIN file_states s"
            " ON f.path = s.path AND f.size = s.size AND f.mtime_ns = s.mtime_ns"
            " WHERE f.mtime_ns < f.read_ns - ?",
            [RACY_NS],
        ).fetchall()
    finally:
        con.unregister("file_states")
    return dict(rows)


def record_unchanged(
    con: duckdb.DuckDBPyConnection, run_id: str, unchanged: dict[str, str], now: datetime
) -> None:
    """One run_inputs row per skipped file, in one statement: the reconciliation still counts them."""
    if not unchanged:
        return
    frame = pd.DataFrame(
        {
            "flow_run_id": run_id,
            "source": list(unchanged),
            "doc_sha256": list(unchanged.values()),
            "outcome": "unchanged",
            "detail": UNCHANGED_DETAIL,
            "recorded_at": now,
        }
    )
    insert_frame(con, "run_inputs", frame)


# What a file's outcome must be for its bytes to be in the warehouse under its own name: only then is
# skipping it next time equivalent to reading it (an unreadable file has no documents row and is retried).
_INDEXED = {"new", "new version", "unchanged", "duplicate", "quarantined"}


def index_landed(
    con: duckdb.DuckDBPyConnection, plan: LandingPlan, states: dict[str, FileState], read: set[str], now: datetime
) -> None:
    """Upsert the state of each file this batch read and landed (call inside the landing transaction)."""
    rows = [
        (s.path, s.size, s.mtime_ns, s.read_ns, o.doc_sha256)
        for o in plan.outcomes
        if o.outcome in _INDEXED and o.source in read and (s := states.get(o.source)) is not None
    ]
    if not rows:
        return
    frame = pd.DataFrame(rows, columns=["path", "size", "mtime_ns", "read_ns", "doc_sha256"])
    frame["indexed_at"] = now
    con.register("file_rows", frame)
    try:
        con.execute(
            "INSERT OR REPLACE INTO file_index (path, size, mtime_ns, read_ns, doc_sha256, indexed_at)"
            " SELECT path, size, mtime_ns, read_ns, doc_sha256, indexed_at FROM file_rows"
        )
    finally:
        con.unregister("file_rows")
