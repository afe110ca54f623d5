"""DuckDB's memory limit for the warehouse connections of this process (settings.duckdb_memory).

With DuckDB's own default, 80 % of RAM, a summaries run kept what it read cached and its memory grew with
the archive (see presswatch.settings.DEFAULT_DUCKDB_MEMORY). A run sets the limit once with configure(): the
operator's PRESSWATCH_DUCKDB_MEMORY, else the run's default (a summaries run's is bounded, other runs keep
DuckDB's own), and every host and read-only connection opened after that gets it
(presswatch.store.connections).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

from presswatch.settings import DEFAULT_DUCKDB_MEMORY, Settings

_memory_limit: str | None = DEFAULT_DUCKDB_MEMORY


class WarehouseOutOfMemory(RuntimeError):
    """DuckDB needed more memory than its limit allows; the message names the setting to raise."""


def configure(settings: Settings, default: str | None = DEFAULT_DUCKDB_MEMORY) -> None:
    """Apply the run's DuckDB settings to the connections opened from now on (a host already attaching the
    file keeps its own until it detaches). `default`: the limit when the operator set none (a summaries run
    passes SUMMARIES_DUCKDB_MEMORY)."""
    global _memory_limit
    _memory_limit = settings.duckdb_memory or default


def memory_limit() -> str | None:
    return _memory_limit


def with_limit(config: dict[str, Any] | None) -> dict[str, Any]:
    """A connection's DuckDB config with the run's memory limit, if one is set (an explicit one in `config`
    wins)."""
    return {"memory_limit": _memory_limit, **(config or {})} if _memory_limit else dict(config or {})


def apply_limit(con: duckdb.DuckDBPyConnection) -> None:
    """Set the run's limit on the DuckDB behind `con`, if one is set. The value passed the setting's pattern
    (a number and a unit), so it is written into the statement as it is: SET takes no bound parameters."""
    if _memory_limit:
        con.execute(f"SET memory_limit = '{_memory_limit}'")


@contextmanager
def whole_archive_memory(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB's own limit (80 % of RAM) instead of the run's, for work over the whole archive at once (a full
    rebuild): what it pins grows with the archive (the stories' rebuild at 1M articles failed under 1 GB),
    while the run's limit is for the work that follows new articles. The limit is the host's: set back after."""
    if not _memory_limit:
        yield
        return
    con.execute("RESET memory_limit")
    try:
        yield
    finally:
        apply_limit(con)


@contextmanager
def naming_the_limit() -> Iterator[None]:
    """DuckDB's out-of-memory error as one that names the setting: DuckDB's own message suggests
    `SET memory_limit`, which the operator of a run cannot type."""
    try:
        yield
    except duckdb.Error as exc:
        cause = _out_of_memory(exc)
        if cause is None:
            raise
        raise WarehouseOutOfMemory(
            f"DuckDB needed more than its memory limit of {_memory_limit or 'DuckDB (80 % of RAM)'}:"
            f" raise PRESSWATCH_DUCKDB_MEMORY ({cause})"
        ) from exc


def _out_of_memory(exc: BaseException | None) -> BaseException | None:
    # Clean-up in the aborted transaction (a DROP in a `finally`) raises "Current transaction is aborted",
    # with the out-of-memory error only as its context.
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, duckdb.OutOfMemoryException):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None
