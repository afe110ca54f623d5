"""transaction(): an inner transaction joins the outer one, so both land or neither does (real DuckDB file)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from presswatch.store.db import transaction


def _count(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT count(*) FROM t").fetchall()[0][0])


def test_an_inner_transaction_commits_with_the_outer_one(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
        with transaction(con):
            with transaction(con):
                con.execute("INSERT INTO t VALUES (1)")
            con.execute("INSERT INTO t VALUES (2)")
        assert _count(con) == 2


def test_a_failure_after_an_inner_transaction_rolls_back_both(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
        with pytest.raises(RuntimeError), transaction(con):
            with transaction(con):  # e.g. an aggregate's update
                con.execute("INSERT INTO t VALUES (1)")
            raise RuntimeError("killed before the mark")  # e.g. before mark_applied
        assert _count(con) == 0
        with transaction(con):  # the connection is usable again
            con.execute("INSERT INTO t VALUES (3)")
        assert _count(con) == 1
