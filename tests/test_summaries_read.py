"""Reading a run's articles by rowid ranges gives what a plain query gives; which members a step has still
to analyse (real DuckDB files)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from presswatch.store import db as warehouse
from presswatch.store.summaries_analyses import (
    mark_analysed_upto,
    pending_ids,
    sync_fingerprint,
    write_analysis,
)
from presswatch.store.summaries_reads import _ROW_GROUP, _rowid_ranges, in_table_order, read_articles

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_rowid_ranges_split_where_a_gap_spans_more_than_a_row_group():
    far = 5 * _ROW_GROUP
    assert _rowid_ranges([far + 3, 7, 9, far]) == [(7, 9), (far, far + 3)]
    assert _rowid_ranges([0, _ROW_GROUP]) == [(0, _ROW_GROUP)]
    assert _rowid_ranges([]) == []


def test_read_articles_returns_the_asked_articles_sorted_as_a_plain_query(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute(
            "CREATE TABLE articles (article_id VARCHAR PRIMARY KEY, title VARCHAR, text VARCHAR, outlet VARCHAR,"
            " platform VARCHAR)"
        )
        con.execute(
            "INSERT INTO articles SELECT md5(i::VARCHAR), 't' || i, 'x' || i, CASE WHEN i % 3 = 0 THEN 'o' END,"
            " CASE WHEN i % 2 = 0 THEN 'p' END FROM range(3000) r(i)"
        )
        con.execute("DELETE FROM articles WHERE article_id = md5('5')")  # a hole in the rowids
        ids = [r[0] for r in con.execute("SELECT md5(i::VARCHAR) FROM range(0, 3000, 7) r(i)").fetchall()]
        ids.append("not-an-article")
        plain = con.execute(
            "SELECT article_id, title, text, coalesce(outlet, platform, '(unknown)') AS outlet FROM articles"
            " WHERE article_id IN (SELECT unnest(?)) ORDER BY article_id",
            [ids],
        ).fetchall()
        got = read_articles(con, list(reversed(ids)))
    assert [tuple(r.values()) for r in got] == plain
    assert len(got) == len(ids) - 1


def test_in_table_order_orders_ids_as_stored_and_keeps_unknown_ids(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("CREATE TABLE articles (article_id VARCHAR PRIMARY KEY)")
        con.execute("INSERT INTO articles SELECT md5(i::VARCHAR) FROM range(50) r(i)")
        stored = [r[0] for r in con.execute("SELECT article_id FROM articles ORDER BY rowid").fetchall()]
        asked = [*sorted(stored[::3]), "not-an-article"]  # hash order, as pending ids come
        assert asked[:-1] != stored[::3]
        assert in_table_order(con, asked) == [*stored[::3], "not-an-article"]


def test_write_analysis_replaces_the_rows_of_articles_already_analysed(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("CREATE TABLE summary_members (member_no INTEGER, article_id VARCHAR)")
        con.execute("INSERT INTO summary_members VALUES (7, 'a'), (8, 'b'), (9, 'c')")
        con.execute("CREATE TABLE summary_analysed (step VARCHAR, article_id VARCHAR, member_no INTEGER)")
        con.execute("CREATE TABLE article_terms (article_id VARCHAR, term VARCHAR, n INTEGER, member_no INTEGER)")
        write_analysis(con, "terms", ["a", "b"], {"article_id": ["a", "b"], "term": ["x", "y"], "n": [1, 2]})
        # analysed again (another run got there first): replaced, never doubled
        write_analysis(con, "terms", ["b", "c"], {"article_id": ["b", "c"], "term": ["z", "w"], "n": [3, 4]})
        rows = con.execute("SELECT * FROM article_terms ORDER BY article_id").fetchall()
        marks = con.execute("SELECT article_id, member_no FROM summary_analysed ORDER BY 1").fetchall()
    assert rows == [("a", "x", 1, 7), ("b", "z", 3, 8), ("c", "w", 4, 9)]  # each row with its member number
    assert marks == [("a", 7), ("b", 8), ("c", 9)]


def _members(con: duckdb.DuckDBPyConnection, numbers: range, current: bool = True) -> None:
    con.execute(
        "INSERT INTO summary_members (member_no, article_id, story_key, current, outlet)"
        " SELECT n, 'a' || n, 's' || n, ?, 'o' FROM unnest(?) t(n)",
        [current, list(numbers)],
    )


def _analyse(con: duckdb.DuckDBPyConnection, ids: list[str]) -> None:
    write_analysis(con, "terms", ids, {"article_id": ids, "term": ["t"] * len(ids), "n": [1] * len(ids)})


def test_pending_members_are_the_current_ones_the_step_has_not_analysed(tmp_path: Path):
    warehouse.prepare(tmp_path / "w.duckdb")
    with warehouse.connection(tmp_path / "w.duckdb") as con:
        _members(con, range(1, 5))
        _members(con, range(5, 6), current=False)  # a superseded version
        sync_fingerprint(con, "terms", "rules-1", NOW)
        first = pending_ids(con, "terms")
        assert (first.ids, first.upto) == (["a1", "a2", "a3", "a4"], 5)
        _analyse(con, first.ids[:3])
        assert pending_ids(con, "terms").ids == ["a4"]  # an unfinished step resumes where it stopped
        _analyse(con, ["a4"])
        mark_analysed_upto(con, "terms", "rules-1", first.upto)
        _members(con, range(6, 8))
        assert pending_ids(con, "terms").ids == ["a6", "a7"]
        assert sync_fingerprint(con, "terms", "rules-2", NOW)  # the rules changed: everything again
        mark_analysed_upto(con, "terms", "rules-1", 7)  # a run under the old rules finishing late
        assert pending_ids(con, "terms").ids == ["a1", "a2", "a3", "a4", "a6", "a7"]
