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
from presswatch.store.connections import _HOSTS, _HOSTS_LOCK, ROW_GROUP_ROWS, _acquire, _release

# Write-ahead log an ingest run lets grow before its commits are checkpointed into the file (hold()). Each
# checkpoint rewrites the file's last, partly filled row group of documents whole, raw pages included:
# 2,000 HTML pages (331 MB) landed in batches of 500 with one checkpoint per batch spent 7.6 s in them, and
# 2.4 s with the log let grow to 256 MB (0.5 s more writing the log). Uncheckpointed rows stay in memory, so
# this also bounds what a run adds to the process's memory.
LANDING_WAL_BYTES = 256 * 1024 * 1024


@contextmanager
def hold(
    db_path: str | Path,
    *,
    timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    row_group_rows: int = ROW_GROUP_ROWS,
    wal_bytes: int | None = None,
) -> Iterator[None]:
    """Keep the file attached for the block: connection() calls inside reuse the attachment instead of
    attaching again (replaying the WAL each time). Another process waiting for the file gets it at the
    block's next connection() (see _wanted_elsewhere), which then waits for it as any writer does. The
    hold itself never checkpoints; row_group_rows applies if the hold is what attaches the file.
    wal_bytes: the block's commits stay in the write-ahead log until it holds this many bytes (DuckDB's
    checkpoint_threshold, 16 MB by default), and the block ends with a checkpoint (see LANDING_WAL_BYTES)."""
    key, cursor = _acquire(
        Path(db_path), {}, timeout_s, checkpoint=False, row_group_rows=row_group_rows, hold=True, wal_bytes=wal_bytes
    )
    try:
        if wal_bytes:  # the file may have been attached already, by a connection of another thread
            cursor.execute(f"SET checkpoint_threshold = '{int(wal_bytes)}B'")
            _HOSTS[key].wal_bytes = wal_bytes
    finally:
        cursor.close()
    _HOLD_CACHES.setdefault(key, {})
    try:
        yield
        if wal_bytes:
            _checkpoint(Path(db_path), timeout_s)
    finally:
        with _HOSTS_LOCK:
            host = _HOSTS.get(key)
            if host is None or host.held <= 1:
                _HOLD_CACHES.pop(key, None)
        _release(key, hold=True)


def _checkpoint(path: Path, timeout_s: float) -> None:
    key, cursor = _acquire(path, {}, timeout_s, checkpoint=False)
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
