"""Writers may leave their commits in the write-ahead log (checkpoint=False); readers and the next writer
see them, and a connection with the default checkpoints them into the file (real DuckDB file)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from presswatch.store.db import connection


def _wal(db: Path) -> Path:
    return db.with_name(db.name + ".wal")


def test_a_writer_without_checkpoint_leaves_its_commits_in_the_wal_where_readers_see_them(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    with connection(db) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
    assert not _wal(db).exists()
    with connection(db, checkpoint=False) as con:
        con.execute("INSERT INTO t VALUES (1)")
    assert _wal(db).exists() and _wal(db).stat().st_size > 0
    with duckdb.connect(str(db), read_only=True) as reader:
        assert reader.execute("SELECT x FROM t").fetchall() == [(1,)]
    with connection(db) as con:  # the default: detaching checkpoints what the log held
        assert con.execute("SELECT x FROM t").fetchall() == [(1,)]
    assert not _wal(db).exists() or _wal(db).stat().st_size == 0


def test_a_shared_attachment_checkpoints_if_any_of_its_writers_asked(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    with connection(db) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
    with connection(db, checkpoint=False) as outer, connection(db) as inner:
        outer.execute("INSERT INTO t VALUES (1)")
        inner.execute("INSERT INTO t VALUES (2)")
    assert not _wal(db).exists() or _wal(db).stat().st_size == 0
    with duckdb.connect(str(db), read_only=True) as reader:
        assert reader.execute("SELECT count(*) FROM t").fetchall() == [(2,)]
