"""Migrations, views and the transactional batch write, on a real DuckDB file."""

from __future__ import annotations

import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from presswatch.records import RawDocument, Rejection
from presswatch.store import db as warehouse

NOW = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.fixture
def con(db_path: Path):
    with warehouse.connection(db_path) as c:
        warehouse.migrate(c)
        warehouse.refresh_views(c)
        yield c


def _tables(c: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in c.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def test_migrations_are_applied_once_and_recorded(con):
    assert {"documents", "articles", "duplicates", "quarantine", "runs"} <= _tables(con)
    recorded = con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0]
    assert warehouse.migrate(con) == []
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == recorded


def test_an_edited_migration_is_refused(tmp_path: Path, con):
    sql_dir = tmp_path / "sql"
    shutil.copytree(warehouse.SQL_DIR, sql_dir)
    first = sorted((sql_dir / "migrations").glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited\n")
    with pytest.raises(RuntimeError, match="edited after it was applied"):
        warehouse.migrate(con, sql_dir)


def test_views_are_recreated_each_time(con):
    first = warehouse.refresh_views(con)
    assert "articles_per_day_outlet" in first and "run_reconciliation" in first
    assert sorted(warehouse.refresh_views(con)) == sorted(first)


def test_a_batch_failing_midway_writes_nothing(con):
    raw = RawDocument("a.txt", b"bytes")
    rejection = Rejection("a.txt", raw.sha256, "extract", ["no article text"])
    # Sabotage the last table written, so the failure comes after the documents row was inserted.
    con.execute("ALTER TABLE quarantine ALTER COLUMN stage SET DATA TYPE INTEGER")
    with pytest.raises(duckdb.Error):
        warehouse.land_batch(
            con, [raw], {raw.sha256: rejection}, formats={}, warnings={}, flow_run_id="r", now=NOW,
            extractor_version="t",
        )  # fmt: skip
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 0


def test_read_only_query_cannot_write(db_path: Path):
    with warehouse.connection(db_path) as con:
        warehouse.migrate(con)
    with pytest.raises(duckdb.Error):
        warehouse.read_only_query(db_path, "DELETE FROM articles")
    cols, rows = warehouse.read_only_query(db_path, "SELECT count(*) AS n FROM articles")
    assert cols == ["n"] and rows == [(0,)]


def _largest_row_group(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "SELECT max(count) FROM pragma_storage_info('t') WHERE segment_type = 'BIGINT'"
        ).fetchall()[0][0]


def test_writers_append_in_small_row_groups(tmp_path: Path):
    # A checkpoint merges the trailing row groups: their size bounds its memory (store/connections.py).
    path = tmp_path / "w.duckdb"
    with warehouse.connection(path) as con:
        con.execute("CREATE TABLE t AS SELECT range AS i FROM range(?)", [3 * warehouse.ROW_GROUP_ROWS])
    assert _largest_row_group(path) == warehouse.ROW_GROUP_ROWS


def test_a_plain_duckdb_connection_would_append_in_large_row_groups(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t AS SELECT range AS i FROM range(?)", [3 * warehouse.ROW_GROUP_ROWS])
    assert _largest_row_group(path) > warehouse.ROW_GROUP_ROWS


def _row_groups(path: Path, table: str) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('{table}')").fetchall()[0][0]


def test_preparing_a_migrated_warehouse_leaves_the_landed_row_groups_as_they_are(tmp_path: Path):
    # A checkpoint under wide row groups would merge them, rewriting every raw page they hold.
    path = tmp_path / "w.duckdb"
    warehouse.prepare(path)
    for batch in range(3):
        with warehouse.connection(path) as con:
            con.execute(
                "INSERT INTO documents (doc_sha256, source, kind, byte_size, raw, first_seen)"
                " SELECT md5(range::VARCHAR), 'f', 'file', 10, 'x'::BLOB, now() FROM range(?, ?)",
                [batch * 2048, (batch + 1) * 2048],
            )
    groups = _row_groups(path, "documents")
    assert groups == 3
    warehouse.prepare(path, run=("r", "presswatch-ingest", {}, NOW))
    assert _row_groups(path, "documents") == groups


def test_a_new_or_edited_migration_is_due(tmp_path: Path, con):
    assert not warehouse.migrations_due(con)
    sql_dir = tmp_path / "sql"
    shutil.copytree(warehouse.SQL_DIR, sql_dir)
    (sql_dir / "migrations" / "999_next.sql").write_text("CREATE TABLE next_one (x INTEGER);\n")
    assert warehouse.migrations_due(con, sql_dir)
    (sql_dir / "migrations" / "999_next.sql").unlink()
    first = sorted((sql_dir / "migrations").glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited\n")
    assert warehouse.migrations_due(con, sql_dir)  # so that migrate() refuses it


@pytest.mark.parametrize("stem", ["presswatch", "memory", "it's"])
def test_a_writer_sees_the_catalog_a_plain_connection_names(tmp_path: Path, stem: str):
    path = tmp_path / f"{stem}.duckdb"
    with warehouse.connection(path) as con:
        con.execute("CREATE TABLE t (i INTEGER)")
        con.execute("INSERT INTO t VALUES (1)")
        written = con.execute("SELECT current_database()").fetchall()[0][0]
    with warehouse.connection(path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM t").fetchall() == [(1,)]
        read = con.execute("SELECT current_database()").fetchall()[0][0]
    assert written == read or (stem == "memory" and written == "memory_warehouse")


def test_writers_in_one_process_share_the_file_and_release_it_when_the_last_closes(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    with warehouse.connection(path) as first:
        first.execute("CREATE TABLE t (i INTEGER)")
        with warehouse.connection(path) as second:  # as the feed polls do, from several threads
            second.execute("INSERT INTO t VALUES (1)")
            assert first.execute("SELECT count(*) FROM t").fetchall() == [(1,)]
        first.execute("INSERT INTO t VALUES (2)")
    # Another process can take the file now: the last writer detached it.
    probe = f"import duckdb; print(duckdb.connect({str(path)!r}).execute('SELECT sum(i) FROM t').fetchall())"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[(3,)]"


def test_writers_on_threads_at_once_all_land(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    with warehouse.connection(path) as con:
        con.execute("CREATE TABLE t (i INTEGER)")

    def write(i: int) -> None:
        with warehouse.connection(path) as con:
            con.execute("INSERT INTO t VALUES (?)", [i])

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(40)))
    with warehouse.connection(path, read_only=True) as con:
        assert con.execute("SELECT count(*), sum(i) FROM t").fetchall() == [(40, sum(range(40)))]
