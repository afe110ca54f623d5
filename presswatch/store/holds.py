"""Holding the warehouse file for a run: its connections share one attachment instead of attaching again.

A summaries run opens ~25 short connections. Each attach replayed the write-ahead log the run's earlier
connections left (they do not checkpoint, ~1.3 s each at 1M articles): 23 attaches took 19.8 s of a 43 s run
at 1M. A hold keeps the file attached between them. Another process that waits for the file gets it at the
holder's next connection() (presswatch.store.connections: _wanted_elsewhere), which then waits for it as any
writer does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from presswatch.settings import DEFAULT_LOCK_TIMEOUT_S
from presswatch.store.connections import _HOSTS, _HOSTS_LOCK, ROW_GROUP_ROWS, _acquire, _release


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


_HOLD_CACHES: dict[str, dict[Any, Any]] = {}


def hold_cache(db_path: str | Path) -> dict[Any, Any] | None:
    """A dict that lives as long as the file's outermost hold in this process (None outside one): for what
    a run reads several times and never changes (an article's row: its id is its text's hash)."""
    return _HOLD_CACHES.get(str(Path(db_path).resolve()))
