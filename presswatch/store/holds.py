"""Holding the warehouse file for a run: its connections share one attachment instead of attaching again.

A run opens many short connections (a summaries run ~25, an ingest run a few per batch). Each attach replays
the write-ahead log that the run's earlier connections left, and each detach may checkpoint; a hold keeps
the file attached between them. Another process that waits for the file gets it at the holder's next
connection() (presswatch.store.connections: _wanted_elsewhere), which then waits for it as any writer does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from presswatch.settings import DEFAULT_LOCK_TIMEOUT_S
from presswatch.store.connections import _DEFERRED, _HOSTS, _HOSTS_LOCK, ROW_GROUP_ROWS, _acquire, _release

# Write-ahead log an ingest run lets grow before its commits are checkpointed into the file
# (deferred_checkpoints). Each checkpoint rewrites the file's last, partly filled row group of documents whole,
# raw pages included: 2,000 HTML pages (331 MB) landed in batches of 500 with one checkpoint per batch spent
# 7.6 s in them, 2.4 s checkpointed once; with the log let grow to 256 MB between batches and replayed by each
# batch's attach, 4.3 s (0.5-0.9 s a replay). Replaying costs less than holding the file for the whole run,
# which would lock out every other reader (a DuckDB client cannot open a file another process writes).
LANDING_WAL_BYTES = 256 * 1024 * 1024


@contextmanager
def hold(
    db_path: str | Path, *, timeout_s: float = DEFAULT_LOCK_TIMEOUT_S, row_group_rows: int = ROW_GROUP_ROWS
) -> Iterator[None]:
    """Keep the file attached for the block: connection() calls inside reuse the attachment instead of
    attaching again (replaying the WAL each time). Another process waiting for the file gets it at the
    block's next connection() (see _wanted_elsewhere), which then waits for it as any writer does. The
    hold itself never checkpoints; row_group_rows applies if the hold is what attaches the file."""
    key, cursor = _acquire(Path(db_path), {}, timeout_s, checkpoint=False, row_group_rows=row_group_rows, hold=True)
    cursor.close()
    _HOLD_CACHES.setdefault(key, {})
    try:
        yield
    finally:
        with _HOSTS_LOCK:
            host = _HOSTS.get(key)
            if host is None or host.held <= 1:
                _HOLD_CACHES.pop(key, None)
        _release(key, hold=True)


@contextmanager
def deferred_checkpoints(
    db_path: str | Path, *, timeout_s: float = DEFAULT_LOCK_TIMEOUT_S, wal_bytes: int = LANDING_WAL_BYTES
) -> Iterator[None]:
    """In the block, this process's connections to the file leave their commits in the write-ahead log when
    they close, until it holds `wal_bytes` (DuckDB then checkpoints at a commit); the block ends with a
    checkpoint. Between connections the file is free, as without the block."""
    key = str(Path(db_path).resolve())
    with _HOSTS_LOCK:
        _DEFERRED[key] = wal_bytes
    try:
        yield
        _checkpoint(Path(db_path), timeout_s)
    finally:
        with _HOSTS_LOCK:
            _DEFERRED.pop(key, None)


def _checkpoint(path: Path, timeout_s: float) -> None:
    key, cursor = _acquire(path, {}, timeout_s)
    try:
        cursor.execute("CHECKPOINT")
    finally:
        cursor.close()
        _release(key)


_HOLD_CACHES: dict[str, dict[Any, Any]] = {}


def hold_cache(db_path: str | Path) -> dict[Any, Any] | None:
    """A dict that lives as long as the file's outermost hold in this process (None outside one): for what
    a run reads several times and never changes (an article's row: its id is its text's hash)."""
    return _HOLD_CACHES.get(str(Path(db_path).resolve()))
