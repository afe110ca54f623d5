"""sync_members: each article becomes a member once, whatever order the articles table holds its rows in
(real DuckDB file)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from presswatch.store import db as warehouse
from presswatch.store.summaries_incremental import sync_members

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _land(con: duckdb.DuckDBPyConnection, names: list[str], version: int = 1) -> None:
    con.execute(
        "INSERT INTO articles (article_id, doc_sha256, source, story_key, version, title, title_derived, text,"
        " outlet, language, script, extractor_version, landed_at)"
        " SELECT n || '-v' || ?, n || '-v' || ?, n, n, ?, n, false, 'text of ' || n, 'o', 'zh', 'Hans', 'test', ?"
        " FROM unnest(?) t(n)",
        [version, version, version, NOW, names],
    )


def _members(con: duckdb.DuckDBPyConnection) -> list[tuple[str, bool]]:
    return [(r[0], r[1]) for r in con.execute("SELECT article_id, current FROM summary_members ORDER BY 1").fetchall()]


def test_each_landed_article_joins_the_members_once(tmp_path: Path) -> None:
    warehouse.prepare(tmp_path / "w.duckdb")
    with warehouse.connection(tmp_path / "w.duckdb") as con:
        _land(con, ["a", "b", "c"])
        assert sync_members(con) == {"added": 3, "removed": 0}
        _land(con, ["d"])
        _land(con, ["a"], version=2)  # a new version supersedes the first
        assert sync_members(con) == {"added": 2, "removed": 1}
        assert sync_members(con) == {"added": 0, "removed": 0}
        assert _members(con) == [("a-v1", False), ("a-v2", True), ("b-v1", True), ("c-v1", True), ("d-v1", True)]


def test_members_are_found_when_the_articles_table_was_rewritten_in_another_order(tmp_path: Path) -> None:
    warehouse.prepare(tmp_path / "w.duckdb")
    with warehouse.connection(tmp_path / "w.duckdb") as con:
        _land(con, ["a", "b", "c", "d"])
        sync_members(con)
        _land(con, ["e"])
        # As a migration rebuilding the table might leave it: the same rows, the new one no longer last.
        con.execute("CREATE TEMP TABLE copy AS FROM articles")
        con.execute("DELETE FROM articles")
        con.execute("CHECKPOINT")
        con.execute("INSERT INTO articles FROM copy ORDER BY article_id DESC")
        assert con.execute("SELECT rowid FROM articles WHERE article_id = 'e-v1'").fetchall() == [(0,)]
        assert sync_members(con) == {"added": 1, "removed": 0}
        assert [m[0] for m in _members(con)] == ["a-v1", "b-v1", "c-v1", "d-v1", "e-v1"]
