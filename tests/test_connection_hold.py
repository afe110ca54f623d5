"""warehouse.hold(): the file stays attached between a run's connections, and is handed to a process that
waits for it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from presswatch.store.connections import ROW_GROUP_ROWS, WIDE_ROW_GROUP_ROWS, connection
from presswatch.store.holds import deferred_checkpoints, hold, hold_cache

ROOT = Path(__file__).resolve().parents[1]

_OPEN_PLAINLY = """
import sys, duckdb
try:
    duckdb.connect(sys.argv[1], read_only=True).close()
except duckdb.IOException as exc:
    print("locked" if "lock" in str(exc).lower() else exc)
else:
    print("opened")
"""

_WRITE_WAITING = """
import sys
from presswatch.store.connections import connection
with connection(sys.argv[1], timeout_s=20) as con:
    con.execute("INSERT INTO t VALUES (2)")
print("written")
"""


def _python(code: str, db: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", code, str(db)], cwd=ROOT, stdout=subprocess.PIPE, text=True)


def _table(db: Path) -> None:
    with connection(db) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
        con.execute("INSERT INTO t VALUES (1)")


def test_the_file_stays_attached_between_connections_of_a_hold(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    _table(db)
    assert _python(_OPEN_PLAINLY, db).communicate()[0].strip() == "opened"
    with hold(db):
        with connection(db) as con:
            con.execute("SELECT 1").fetchall()
        assert _python(_OPEN_PLAINLY, db).communicate()[0].strip() == "locked"
    assert _python(_OPEN_PLAINLY, db).communicate()[0].strip() == "opened"


def test_a_waiting_process_gets_the_file_at_the_holders_next_connection(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    _table(db)
    with hold(db, row_group_rows=WIDE_ROW_GROUP_ROWS):
        writer = _python(_WRITE_WAITING, db)
        while writer.poll() is None:  # the holder keeps working, one short connection after another
            with connection(db) as con:
                con.execute("SELECT count(*) FROM t").fetchall()
            time.sleep(0.05)
        with connection(db) as con:
            assert con.execute("SELECT x FROM t ORDER BY x").fetchall() == [(1,), (2,)]
            # taken back with the hold's row groups, not the plain connection's
            con.execute("CREATE TABLE big AS SELECT range AS x FROM range(10000)")
            con.execute("CHECKPOINT")
            assert con.execute("SELECT max(count) FROM pragma_storage_info('big')").fetchall() == [(10000,)]
    assert writer.returncode == 0 and writer.stdout is not None and writer.stdout.read().strip() == "written"
    assert not (tmp_path / "w.duckdb.wait").exists()


def test_a_holds_writes_outlive_it_without_a_checkpoint(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    _table(db)
    with hold(db), connection(db, checkpoint=False) as con:
        con.execute("INSERT INTO t SELECT range FROM range(10, 20)")
    assert Path(f"{db}.wal").exists()  # left in the write-ahead log, which the next reader replays
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM t").fetchall() == [(11,)]


def _largest_row_group(db: Path, rows_per_group: int | None) -> int:
    def write() -> None:
        with connection(db) as con:
            con.execute("CREATE TABLE big AS SELECT range AS x FROM range(10000)")
            con.execute("CHECKPOINT")

    if rows_per_group is None:
        write()
    else:
        with hold(db, row_group_rows=rows_per_group):
            write()
    with duckdb.connect(str(db), read_only=True) as con:
        return int(con.execute("SELECT max(count) FROM pragma_storage_info('big')").fetchall()[0][0])


def test_a_hold_writes_row_groups_of_its_size(tmp_path: Path) -> None:
    assert _largest_row_group(tmp_path / "plain.duckdb", None) == ROW_GROUP_ROWS
    assert _largest_row_group(tmp_path / "wide.duckdb", WIDE_ROW_GROUP_ROWS) == 10000


def test_a_holds_cache_lives_until_the_outermost_hold_ends(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    _table(db)
    assert hold_cache(db) is None
    with hold(db):
        cache = hold_cache(db)
        assert cache is not None
        cache["seen"] = 1
        with hold(db):
            assert hold_cache(db) is cache
        assert hold_cache(db) == {"seen": 1}
    assert hold_cache(db) is None
    with hold(db):
        assert hold_cache(db) == {}  # a new run starts with nothing


def _wal_bytes(db: Path) -> int:
    wal = db.with_name(db.name + ".wal")
    return wal.stat().st_size if wal.exists() else 0


def _land_blob(db: Path, kib: int) -> None:
    """64 rows of `kib` KiB each, as a batch of pages lands: distinct bytes, one INSERT."""
    with connection(db) as con:
        con.executemany("INSERT INTO b VALUES (?)", [[os.urandom(kib * 1024)] for _ in range(64)])


def test_deferred_checkpoints_leave_commits_in_the_log_and_checkpoint_at_the_end(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with connection(db) as con:
        con.execute("CREATE TABLE b (raw BLOB)")
    with deferred_checkpoints(db, wal_bytes=64 * 1024 * 1024):
        sizes = []
        for _ in range(4):
            _land_blob(db, 96)  # 6 MiB a batch: past DuckDB's own 16 MB at the third
            sizes.append(_wal_bytes(db))
            # Between two connections the file is free: another process can read it, log included.
            assert _python(_OPEN_PLAINLY, db).communicate()[0].strip() == "opened"
        assert sizes[0] > 1024 * 1024 and sizes[1] > sizes[0] and sizes[2] > sizes[1] and sizes[3] > sizes[2]
    assert _wal_bytes(db) == 0  # the block's end checkpointed
    with connection(db) as con:
        assert con.execute("SELECT count(*) FROM b").fetchone() == (256,)


def test_without_deferral_each_connection_checkpoints_as_before(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with connection(db) as con:
        con.execute("CREATE TABLE b (raw BLOB)")
    _land_blob(db, 16)
    assert _wal_bytes(db) == 0


def test_a_log_budget_ends_with_its_block(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with connection(db) as con:
        default = con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()
    with deferred_checkpoints(db, wal_bytes=64 * 1024 * 1024), connection(db) as con:
        assert con.execute("SELECT current_setting('checkpoint_threshold')").fetchone() == ("64.0 MiB",)
    # The parked in-memory database is reused for the next attach: its budget is not.
    with hold(db), connection(db) as con:
        assert con.execute("SELECT current_setting('checkpoint_threshold')").fetchone() == default
