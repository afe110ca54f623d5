"""The outlet of every article, materialised once per summaries run instead of resolved per query.

The view article_outlets_pending resolves the current articles not yet in desk_outlets_done (the rules are
in that view); `materialise_outlets` stores its rows in desk_article_outlets and marks those articles done,
so article_outlets (and summary_articles, volume and share of voice over it) reads a table, and sets the
canonical outlet of the search index's documents (desk_docs.outlet_canonical, read by search). When
the outlet directory changed since the last call (its fingerprint differs), everything is resolved again.
"""

from __future__ import annotations

import duckdb

from presswatch.desk import marks
from presswatch.store.db import transaction

_FINGERPRINT = """
SELECT md5(coalesce((SELECT string_agg(outlet_id || '|' || region || '|' || kind, ';' ORDER BY outlet_id) FROM outlets), '')
    || '#' || coalesce((SELECT string_agg(alias_key || '|' || outlet_id, ';' ORDER BY alias_key) FROM outlet_aliases), '')
    || '#' || coalesce((SELECT string_agg(domain || '|' || outlet_id, ';' ORDER BY domain) FROM outlet_domains), ''))
"""


# The indexed documents' canonical outlet, as summary_articles states it (a search reads it from desk_docs).
_CANONICAL = """
UPDATE desk_docs SET outlet_canonical = coalesce(r.outlet_id, desk_docs.outlet)
FROM (SELECT d.doc, m.outlet_id FROM desk_docs AS d LEFT JOIN desk_article_outlets AS m USING (article_id)
      WHERE d.outlet_canonical IS NULL) AS r
WHERE desk_docs.doc = r.doc
"""


def directory_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    return str(con.execute(_FINGERPRINT).fetchall()[0][0])


def materialise_outlets(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Resolve the articles not resolved yet (all of them after a directory change), in one transaction.

    With the same directory and a valid articles' mark (marks.py), only the articles landed since are
    read (outlet_resolution(lo)), and only the documents numbered since get their canonical outlet."""
    fingerprint = directory_fingerprint(con)
    # The articles' count when the map was last made: articles only grow, so the same count and the same
    # directory leave nothing to resolve.
    mark = f"{fingerprint}/{con.execute('SELECT count(*) FROM articles').fetchall()[0][0]}"
    if con.execute("SELECT value FROM desk_state WHERE key = 'outlets_mark'").fetchall() == [(mark,)]:
        if marks.rows_since(con, "outlets", "articles", "article_id") is None:  # once, without marks
            with transaction(con):
                marks.set_mark(con, "outlets", "articles", "article_id", marks.table_end(con, "articles"))
                marks.set_mark(con, "canonical", "desk_docs", "article_id", marks.table_end(con, "desk_docs"))
        return {"outlets_resolved": 0, "outlets_tried": 0, "outlets_full": 0}
    with transaction(con):
        stored = con.execute("SELECT value FROM desk_state WHERE key = 'outlets_fingerprint'").fetchall()
        full = not stored or stored[0][0] != fingerprint
        lo = None if full else marks.rows_since(con, "outlets", "articles", "article_id")
        docs_from = None if lo is None else marks.rows_since(con, "canonical", "desk_docs", "article_id")
        if full:
            con.execute("DELETE FROM desk_article_outlets")
            con.execute("DELETE FROM desk_outlets_done")
            con.execute("INSERT OR REPLACE INTO desk_state VALUES ('outlets_fingerprint', ?)", [fingerprint])
        end = marks.table_end(con, "articles", lo or 0)
        if lo is not None and docs_from is not None:
            tried = _resolve_new(con, lo, docs_from)
        else:
            tried = _resolve_pending(con, full)
        resolved = con.execute("SELECT count(*) FROM desk_resolved").fetchall()[0][0]
        con.execute("DROP TABLE desk_resolved")
        marks.set_mark(con, "outlets", "articles", "article_id", end)
        marks.set_mark(con, "canonical", "desk_docs", "article_id", marks.table_end(con, "desk_docs", docs_from or 0))
        con.execute("INSERT OR REPLACE INTO desk_state VALUES ('outlets_mark', ?)", [mark])
    return {"outlets_resolved": int(resolved), "outlets_tried": int(tried), "outlets_full": int(full)}


def _resolve_pending(con: duckdb.DuckDBPyConnection, full: bool) -> int:
    """Every current article not done yet, by comparing ids (scans all articles)."""
    con.execute("CREATE OR REPLACE TEMP TABLE desk_resolved AS SELECT * FROM article_outlets_pending")
    con.execute("INSERT INTO desk_article_outlets SELECT article_id, outlet_id, resolved_by FROM desk_resolved")
    tried = con.execute(
        "INSERT INTO desk_outlets_done SELECT article_id FROM articles_current ac WHERE NOT EXISTS"
        " (SELECT 1 FROM desk_outlets_done d WHERE d.article_id = ac.article_id)"
    ).fetchall()[0][0]
    if full:
        con.execute("UPDATE desk_docs SET outlet_canonical = NULL")
    con.execute(_CANONICAL)
    return int(tried)


def _resolve_new(con: duckdb.DuckDBPyConnection, lo: int, docs_from: int) -> int:
    """The articles from row `lo` on that are current, and the documents from `docs_from` on.

    A document numbered since the last call is an article landed since (index_grams numbers documents
    before this runs), so the rows just resolved hold every resolution it can have."""
    # lo is an int from marks.py: inlined so the macro's `lo = 0` folds away the done-check's anti-join.
    con.execute(f"CREATE OR REPLACE TEMP TABLE desk_resolved AS SELECT * FROM outlet_resolution({int(lo)})")
    con.execute("INSERT INTO desk_article_outlets SELECT article_id, outlet_id, resolved_by FROM desk_resolved")
    tried = con.execute(
        "INSERT INTO desk_outlets_done SELECT article_id FROM articles WHERE rowid >= ?"
        " QUALIFY row_number() OVER (PARTITION BY story_key ORDER BY version DESC) = 1", [lo]
    ).fetchall()[0][0]  # fmt: skip
    con.execute(
        "UPDATE desk_docs SET outlet_canonical = coalesce(r.outlet_id, desk_docs.outlet)"
        " FROM (SELECT d.doc, m.outlet_id FROM desk_docs AS d LEFT JOIN desk_resolved AS m USING (article_id)"
        "       WHERE d.doc >= ? AND d.outlet_canonical IS NULL) AS r"
        " WHERE desk_docs.doc = r.doc AND desk_docs.doc >= ?",
        [docs_from, docs_from],
    )
    return int(tried)
