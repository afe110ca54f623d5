"""Connections to the warehouse file: waiting out another process's lock, and how writers attach it.

DuckDB allows one writing process per file: connections are short (one batch, one transaction) and
retried while another process holds the lock, so a second run waits instead of failing.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from presswatch.settings import DEFAULT_LOCK_TIMEOUT_S, Settings


class WarehouseLocked(RuntimeError):
    pass


def _is_lock_error(exc: Exception) -> bool:
    msg = str(exc)
    return "lock" in msg.lower() and ("Conflicting lock" in msg or "Could not set lock" in msg)


# Rows per row group that writers append (DuckDB's default: 122,880). Each checkpoint merges the trailing
# small row groups into one, reading and recompressing all of them, so its transient memory grows with the row
# group: landing 500 rows of ~14 KB per connection, the spikes went 154, 281, 165, 504 MiB every 4,000 rows
# and keep doubling toward ~1.7 GiB at a full default group; at most 168 MiB with 4,096 rows (279 with 8,192,
# 107 with 2,048). Scans of 1M rows measured the same within noise (LIKE 0.46-0.74 s, default 0.45-0.79 s).
ROW_GROUP_ROWS = 4096
_RESERVED_CATALOGS = {"memory", "system", "temp"}


def _quoted(name: str, quote: str) -> str:
    return quote + name.replace(quote, quote * 2) + quote


def _connect(path: Path, read_only: bool, config: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    if read_only:
        return duckdb.connect(str(path), read_only=True, config=config)
    # The row group size is an option of ATTACH only: an in-memory host attaches the file under the name a
    # plain connect would give it (its stem), so the SQL and the analysts' catalog names are unchanged.
    # ATTACH takes no bound parameters: the path (the operator's setting) is quoted as a string literal.
    alias = path.stem if path.stem.lower() not in _RESERVED_CATALOGS else f"{path.stem}_warehouse"
    con = duckdb.connect(config=config)
    try:
        con.execute(
            f"ATTACH {_quoted(str(path), chr(39))} AS {_quoted(alias, chr(34))} (ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
        )
        con.execute(f"USE {_quoted(alias, chr(34))}")
    except BaseException:
        con.close()
        raise
    return con


def open_connection(
    db_path: str | Path,
    *,
    read_only: bool = False,
    timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    config: dict[str, Any] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the file, waiting (with backoff) while another process holds its lock."""
    path = Path(db_path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_s
    delay = 0.05
    while True:
        try:
            return _connect(path, read_only, config or {})
        except duckdb.IOException as exc:
            if not _is_lock_error(exc) or time.monotonic() >= deadline:
                if _is_lock_error(exc):
                    raise WarehouseLocked(f"{path} is locked by another process: {exc}") from exc
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


@contextmanager
def connection(
    db_path: str | Path,
    *,
    read_only: bool = False,
    timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    config: dict[str, Any] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    con = open_connection(db_path, read_only=read_only, timeout_s=timeout_s, config=config)
    try:
        yield con
    finally:
        con.close()


def connect(
    settings: Settings, *, read_only: bool = False
) -> contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]:
    """A connection to the run's warehouse, waiting for another process's lock as long as the settings say."""
    return connection(settings.db_path, read_only=read_only, timeout_s=settings.lock_timeout_s)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN ... COMMIT, rolled back on any error: what is written inside lands wholly or not at all."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
