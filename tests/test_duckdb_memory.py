"""DuckDB's memory limit (PRESSWATCH_DUCKDB_MEMORY) on every warehouse connection a run opens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from presswatch.settings import (
    DEFAULT_DUCKDB_MEMORY,
    INGEST_DUCKDB_MEMORY,
    SUMMARIES_DUCKDB_MEMORY,
    load_settings,
)
from presswatch.store import memory
from presswatch.store.db import configure, connection, migrate, whole_archive_memory


@pytest.fixture(autouse=True)
def default_limit_after() -> Iterator[None]:
    yield
    configure(load_settings({}))


def _setting(con, name: str) -> str:
    return str(con.execute("SELECT current_setting(?)", [name]).fetchall()[0][0])


def test_by_default_duckdb_keeps_its_own_limit(tmp_path: Path) -> None:
    assert DEFAULT_DUCKDB_MEMORY is None
    configure(load_settings({}))  # as `presswatch sql` does (a flow run in this process set its own)
    own = _setting(duckdb.connect(), "memory_limit")
    with connection(tmp_path / "w.duckdb") as con:
        assert _setting(con, "memory_limit") == own
        with whole_archive_memory(con):
            assert _setting(con, "memory_limit") == own
    with connection(tmp_path / "w.duckdb", read_only=True) as con:
        assert _setting(con, "memory_limit") == own


def test_the_setting_reaches_writers_and_readers(tmp_path: Path) -> None:
    configure(load_settings({"PRESSWATCH_DUCKDB_MEMORY": "300MB"}))
    db = tmp_path / "w.duckdb"
    with connection(db) as con:
        assert _setting(con, "memory_limit") == "286.1 MiB"
        # What spills goes beside the warehouse, not into the working directory.
        assert _setting(con, "temp_directory") == f"{db}.tmp"
    with connection(db, read_only=True) as con:
        assert _setting(con, "memory_limit") == "286.1 MiB"


def test_a_flow_applies_the_variable(
    seeds_dir: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_api: None
) -> None:
    from flows.reprocess import reprocess_flow

    monkeypatch.setenv("PRESSWATCH_DUCKDB_MEMORY", "123MB")
    reprocess_flow(db_path=str(db_path))
    assert memory.memory_limit() == "123MB"
    with connection(db_path) as con:
        assert _setting(con, "memory_limit") == "117.3 MiB"


def test_a_summaries_run_is_bounded_unless_the_operator_says_otherwise(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_api: None
) -> None:
    from flows.reprocess import reprocess_flow
    from flows.summaries import summaries_flow

    monkeypatch.delenv("PRESSWATCH_DUCKDB_MEMORY", raising=False)
    summaries_flow(db_path=str(db_path))
    assert memory.memory_limit() == SUMMARIES_DUCKDB_MEMORY == "256MB"
    with connection(db_path) as con:
        assert _setting(con, "memory_limit") == "244.1 MiB"
    reprocess_flow(db_path=str(db_path))  # landing is bounded as well, by its own default
    assert memory.memory_limit() == INGEST_DUCKDB_MEMORY
    monkeypatch.setenv("PRESSWATCH_DUCKDB_MEMORY", "1GB")
    summaries_flow(db_path=str(db_path))
    assert memory.memory_limit() == "1GB"


def test_migrations_run_under_duckdbs_own_limit(tmp_path: Path) -> None:
    sql = tmp_path / "sql"
    (sql / "migrations").mkdir(parents=True)
    (sql / "migrations" / "001_limit.sql").write_text(
        "CREATE TABLE seen AS SELECT current_setting('memory_limit') AS memory_limit;"
    )
    configure(load_settings({"PRESSWATCH_DUCKDB_MEMORY": "300MB"}))
    with connection(tmp_path / "w.duckdb") as con:
        assert migrate(con, sql) == ["001_limit.sql"]
        during = str(con.execute("SELECT memory_limit FROM seen").fetchall()[0][0])
        assert _setting(con, "memory_limit") == "286.1 MiB"
    assert during.endswith("GiB") or float(during.split()[0]) > 286.1, during


def test_work_over_the_whole_archive_gets_duckdbs_own_limit_then_the_runs_again(tmp_path: Path) -> None:
    configure(load_settings({"PRESSWATCH_DUCKDB_MEMORY": "300MB"}))
    with connection(tmp_path / "w.duckdb") as con:
        with whole_archive_memory(con):
            lifted = _setting(con, "memory_limit")
        assert _setting(con, "memory_limit") == "286.1 MiB"
    assert lifted.endswith("GiB") or float(lifted.split()[0]) > 286.1, lifted


def test_running_out_of_it_is_an_error_naming_the_variable(tmp_path: Path) -> None:
    configure(load_settings({"PRESSWATCH_DUCKDB_MEMORY": "20MB"}))
    failing = pytest.raises(memory.WarehouseOutOfMemory, match="PRESSWATCH_DUCKDB_MEMORY")
    with failing, connection(tmp_path / "w.duckdb") as con:
        con.execute("SELECT list(range) FROM range(20000000)").fetchall()  # a list aggregate cannot spill


def test_it_is_named_too_when_clean_up_in_the_aborted_transaction_fails(tmp_path: Path) -> None:
    configure(load_settings({"PRESSWATCH_DUCKDB_MEMORY": "20MB"}))
    failing = pytest.raises(memory.WarehouseOutOfMemory, match="PRESSWATCH_DUCKDB_MEMORY")
    with failing, connection(tmp_path / "w.duckdb") as con:
        con.execute("BEGIN")
        try:
            con.execute("SELECT list(range) FROM range(20000000)").fetchall()
        finally:
            con.execute("CREATE TEMP TABLE after AS SELECT 1")  # DuckDB: "Current transaction is aborted"


def test_an_ingest_run_is_bounded_unless_the_operator_says_otherwise(
    seeds_dir: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_api: None
) -> None:
    from flows.ingest import ingest_flow

    monkeypatch.delenv("PRESSWATCH_DUCKDB_MEMORY", raising=False)
    summary = ingest_flow(seeds_dir=str(seeds_dir), db_path=str(db_path), include_feeds=False)
    assert summary.counts["new"] == 5
    assert memory.memory_limit() == INGEST_DUCKDB_MEMORY
    with connection(db_path) as con:
        assert _setting(con, "memory_limit") == "244.1 MiB"
    monkeypatch.setenv("PRESSWATCH_DUCKDB_MEMORY", "1GB")
    ingest_flow(seeds_dir=str(seeds_dir), db_path=str(db_path), include_feeds=False)
    assert memory.memory_limit() == "1GB"
