"""Connections to the warehouse file: waiting out another process's lock, and how writers attach it.

DuckDB allows one writing process per file: connections are short (one batch, one transaction) and
retried while another process holds the lock, so a second run waits instead of failing.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from presswatch.settings import DEFAULT_LOCK_TIMEOUT_S, Settings
from presswatch.store.memory import apply_limit, naming_the_limit, with_limit

T = TypeVar("T")


class WarehouseLocked(RuntimeError):
    pass


def _is_lock_error(exc: Exception) -> bool:
    msg = str(exc)
    return "lock" in msg.lower() and ("Conflicting lock" in msg or "Could not set lock" in msg)


# Rows per row group that writers append (DuckDB's default: 122,880). Each checkpoint merges the trailing
# small row groups into one, reading and recompressing all of them, so its transient memory grows with the row
# group: landing 500 rows of ~14 KB per connection, the spikes went 154, 281, 165, 504 MiB every 4,000 rows
# and keep doubling toward ~1.7 GiB at a full default group; at most 107 MiB with 2,048 rows (168 with 4,096,
# 279 with 8,192). The pipeline's peak RSS at 20,000 inputs / 2,000: 1.18x (4,096: 1.26x). Scans of 1M rows
# measured the same within noise (LIKE 0.46-0.74 s, default 0.45-0.79 s).
ROW_GROUP_ROWS = 2048
# Rows per row group for a summaries run's writes: its tables have narrow rows and tens of millions of them
# at 1M articles. In 2,048-row groups (cell_terms, 13.8M rows), a semi-join took 0.55 s against 0.28 s, a
# scattered delete 1.25 s against 0.32 s, and replaying that delete from the WAL on the next attach 1.19 s
# against 0.09 s.
WIDE_ROW_GROUP_ROWS = 122_880
_RESERVED_CATALOGS = {"memory", "system", "temp"}


def _quoted(name: str, quote: str) -> str:
    return quote + name.replace(quote, quote * 2) + quote


class _Host:
    """One in-memory DuckDB per warehouse file and process, holding the file attached while any writer uses
    it. DuckDB lets a process attach a file once, and plain connects shared one database through DuckDB's
    instance cache: writers in several threads (the feed polls) share this host the same way. The file is
    detached (checkpointed, its lock released) when the last writer closes, as the instance cache did."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, alias: str, config_key: tuple[tuple[str, str], ...], row_group_rows: int
    ) -> None:
        self.con, self.alias, self.users, self.config_key = con, alias, 0, config_key
        self.row_group_rows = row_group_rows
        self.checkpoint = False  # whether detaching checkpoints: if any of its writers asked for it
        self.held = 0  # how many of its users are hold()s rather than connections


_HOSTS: dict[str, _Host] = {}
_HOSTS_LOCK = threading.Lock()

# In-memory DuckDBs whose file was detached, kept for the next writer: creating one costs 18-28 ms here
# (attaching and detaching the file 13 ms), and a summaries run opens ~20 connections, a test suite
# thousands. DETACH checkpoints the file and releases its lock, as closing the instance did; an idle host
# holds no file and no data. At most _IDLE_MAX per configuration.
_IDLE: dict[tuple[tuple[str, str], ...], list[duckdb.DuckDBPyConnection]] = {}
_IDLE_MAX = 2


def _config_key(config: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), repr(v)) for k, v in config.items()))


def _park(con: duckdb.DuckDBPyConnection, key: tuple[tuple[str, str], ...]) -> None:
    idle = _IDLE.setdefault(key, [])
    if len(idle) < _IDLE_MAX:
        idle.append(con)
    else:
        con.close()


def _attach(path: Path, config: dict[str, Any], row_group_rows: int = ROW_GROUP_ROWS) -> _Host:
    # The row group size is an option of ATTACH only: an in-memory host attaches the file under the name a
    # plain connect would give it (its stem), so the SQL and the analysts' catalog names are unchanged.
    # ATTACH takes no bound parameters: the path (the operator's setting) is quoted as a string literal.
    alias = path.stem if path.stem.lower() not in _RESERVED_CATALOGS else f"{path.stem}_warehouse"
    config = with_limit(config)
    key = _config_key(config)
    idle = _IDLE.get(key)
    con = idle.pop() if idle else duckdb.connect(config=config)
    try:
        # What a join or sort spills beyond the memory limit goes beside the warehouse, as for a DuckDB opened
        # on the file itself (an in-memory DuckDB spills into the working directory's .tmp). A reused host
        # that has spilled already keeps its folder (DuckDB cannot switch it).
        with contextlib.suppress(duckdb.NotImplementedException):
            con.execute(f"SET temp_directory = {_quoted(f'{path}.tmp', chr(39))}")
        con.execute(
            f"ATTACH {_quoted(str(path), chr(39))} AS {_quoted(alias, chr(34))} (ROW_GROUP_SIZE {int(row_group_rows)})"
        )
    except duckdb.IOException:  # the file is locked or unreadable: the host itself is as it was
        _park(con, key)
        raise
    except BaseException:
        con.close()
        raise
    return _Host(con, alias, key, row_group_rows)


def _waiting(open_: Callable[[], T], path: Path, timeout_s: float) -> T:
    """Call open_, waiting (with backoff) while another process holds the file's lock. While it waits it
    keeps the file's wait marker fresh, so that a process holding the file with hold() lets go."""
    deadline = time.monotonic() + timeout_s
    delay = 0.05
    marked = False
    try:
        while True:
            try:
                return open_()
            except duckdb.IOException as exc:
                if not _is_lock_error(exc) or time.monotonic() >= deadline:
                    if _is_lock_error(exc):
                        raise WarehouseLocked(f"{path} is locked by another process: {exc}") from exc
                    raise
                marked = _mark_waiting(path) or marked
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
    finally:
        if marked:
            _wait_marker(path).unlink(missing_ok=True)


# ---- a held file's hand-over (presswatch.store.holds) -----------------------------------------------------
# Another process that waits for the file touches its wait marker; the holder lets go at its next
# connection() and takes the file back after it.
_WAIT_MARKER_FRESH_S = 3.0  # a waiter re-touches it at least every second (its backoff is at most 1 s)
_HANDOVER_S = 2.0  # how long a holder that let go waits for the waiter to take the file


def _wait_marker(path: Path) -> Path:
    return path.with_name(path.name + ".wait")


def _mark_waiting(path: Path) -> bool:
    try:
        _wait_marker(path).touch()
        return True
    except OSError:  # a read-only directory: no hand-over, the waiter waits out the hold
        return False


def _wanted_elsewhere(path: Path) -> bool:
    try:
        return time.time() - _wait_marker(path).stat().st_mtime < _WAIT_MARKER_FRESH_S
    except OSError:
        return False


def _hand_over(path: Path) -> None:
    deadline = time.monotonic() + _HANDOVER_S
    while _wanted_elsewhere(path) and time.monotonic() < deadline:
        time.sleep(0.05)


def _acquire(
    path: Path,
    config: dict[str, Any],
    timeout_s: float,
    checkpoint: bool = True,
    *,
    row_group_rows: int = ROW_GROUP_ROWS,
    hold: bool = False,
) -> tuple[str, duckdb.DuckDBPyConnection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = str(path.resolve())
    held = 0
    with _HOSTS_LOCK:
        host = _HOSTS.get(key)
        if host is not None and host.held and host.users == host.held and _wanted_elsewhere(path):
            held, host.users, host.held = host.held, 0, 0  # only holds use it: let the waiter in
            row_group_rows = host.row_group_rows  # taken back as the holds attached it
            _detach(key, host)
    if held:
        _hand_over(path)
    with _HOSTS_LOCK:
        host = _HOSTS.get(key)
        if host is None:
            host = _HOSTS[key] = _waiting(lambda: _attach(path, config, row_group_rows), path, timeout_s)
        host.users += 1 + held
        host.held += held + int(hold)
        # Under a hold its owner checkpoints when it chooses (a summaries run: once, at its end).
        host.checkpoint = host.checkpoint or (checkpoint and not host.held)
        cursor = host.con.cursor()
    try:
        cursor.execute(f"USE {_quoted(host.alias, chr(34))}")
    except BaseException:
        cursor.close()
        _release(key)
        raise
    return key, cursor


def _release(key: str, hold: bool = False) -> None:
    with _HOSTS_LOCK:
        host = _HOSTS[key]
        host.users -= 1
        host.held -= int(hold)
        if host.users == 0:
            _detach(key, host)


def _detach(key: str, host: _Host) -> None:
    """Detach the file (under _HOSTS_LOCK): its lock is released; the in-memory host is kept for reuse."""
    del _HOSTS[key]
    try:
        # Without a checkpoint the commits stay in the WAL (durable; the next attach replays it, and DuckDB
        # still checkpoints once it passes checkpoint_threshold): a checkpoint costs ~1.3 s at 1M articles
        # whatever was written, and a summaries run opens ~25 connections.
        switch = "enable" if host.checkpoint else "disable"
        host.con.execute(f"PRAGMA {switch}_checkpoint_on_shutdown")
        host.con.execute(f"DETACH {_quoted(host.alias, chr(34))}")
    except BaseException:
        host.con.close()
        raise
    _park(host.con, host.config_key)


def _read_only(path: Path, config: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    # A process's connections to one file share one DuckDB, which refuses a second connection whose config
    # differs (a reader the caller holds, an analyst's query in a test): the limit is SET after connecting,
    # unless the config locks the configuration, and then it is part of it.
    if config.get("lock_configuration"):
        return duckdb.connect(str(path), read_only=True, config=with_limit(config))
    con = duckdb.connect(str(path), read_only=True, config=config)
    try:
        apply_limit(con)
    except BaseException:
        con.close()
        raise
    return con


@contextmanager
def connection(
    db_path: str | Path,
    *,
    read_only: bool = False,
    timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    config: dict[str, Any] | None = None,
    checkpoint: bool = True,
    row_group_rows: int = ROW_GROUP_ROWS,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the file, waiting while another process holds its lock; closed (and for the last
    writer of this process, the file detached) on exit. checkpoint=False: the writes may stay in the
    write-ahead log when the file is detached (for the many short connections of one run, which
    checkpoints once at its end; see _release). row_group_rows: for the rows written, if this connection
    is what attaches the file (the default suits landing texts; WIDE_ROW_GROUP_ROWS the summaries' and
    the migrations' narrow rows)."""
    path = Path(db_path)
    if read_only:
        con = _waiting(lambda: _read_only(path, config or {}), path, timeout_s)
        try:
            with naming_the_limit():
                yield con
        finally:
            con.close()
        return
    key, cursor = _acquire(path, config or {}, timeout_s, checkpoint, row_group_rows=row_group_rows)
    try:
        with naming_the_limit():
            yield cursor
    finally:
        cursor.close()
        _release(key)


def connect(
    settings: Settings, *, read_only: bool = False
) -> contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]:
    """A connection to the run's warehouse, waiting for another process's lock as long as the settings say."""
    return connection(settings.db_path, read_only=read_only, timeout_s=settings.lock_timeout_s)
