"""warehouse.hold(): the file stays attached between a run's connections, and is handed to a process that
waits for it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb

from presswatch.store.connections import ROW_GROUP_ROWS, WIDE_ROW_GROUP_ROWS, connection
from presswatch.store.holds import hold, hold_cache

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
