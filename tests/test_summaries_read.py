"""Reading a run's articles by rowid ranges gives what a plain query gives (real DuckDB file)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from presswatch.store.summaries import _ROW_GROUP, _rowid_ranges, read_articles


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
