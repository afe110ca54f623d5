"""Term counts for the distinctive terms of a search: a bounded sample of matches against the period.

`index_terms` (summaries run) copies the article_terms of indexed documents into desk_doc_terms, in
document order, and adds them to desk_term_days (counts per publication day). A search then reads the
terms of at most SAMPLE matches, taken as a few windows of consecutive matching documents (each window is
a few row groups of desk_doc_terms, so nothing is scanned), and the period's counts from desk_term_days.
The background is every indexed article of the period, versions no longer current included, whatever the
outlet, collection or language filters: the issue's "all articles in the period".
"""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

from presswatch.desk import marks
from presswatch.store.db import transaction

SAMPLE = 2000  # matching articles whose terms are read, at most
WINDOWS = 8  # ... in this many runs of consecutive matching documents


_TERMS_KEY = "article_id || '|' || term"
_ANALYSED_KEY = "step || '|' || article_id"


def _new_docs_by_marks(con: duckdb.DuckDBPyConnection) -> bool:
    """desk_new_docs from the rows appended since the marks: the uncopied documents from the terms'
    document mark on (below it every current document is copied) whose article has article_terms or 'terms' summary_analysed rows after their
    marks. False (nothing written) when a mark is missing or stale."""
    low = con.execute("SELECT value FROM desk_state WHERE key = 'terms_docs'").fetchall()
    terms_lo = marks.rows_since(con, "terms", "article_terms", _TERMS_KEY)
    analysed_lo = marks.rows_since(con, "analysed", "summary_analysed", _ANALYSED_KEY)
    if not low or terms_lo is None or analysed_lo is None:
        return False
    con.execute(
        "CREATE OR REPLACE TEMP TABLE desk_new_rows AS"
        " SELECT article_id, rowid AS r, true AS terms FROM article_terms WHERE rowid >= ?"
        " UNION ALL SELECT article_id, rowid, false FROM summary_analysed WHERE rowid >= ? AND step = 'terms'",
        [terms_lo, analysed_lo],
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE desk_new_docs AS SELECT d.doc, d.article_id FROM desk_docs d"
        " WHERE d.doc >= ? AND NOT EXISTS (SELECT 1 FROM desk_terms_done x WHERE x.doc >= ? AND x.doc = d.doc)"
        " AND d.article_id IN (SELECT article_id FROM desk_new_rows)",
        [int(low[0][0]), int(low[0][0])],
    )
    return True


def _advance_marks(con: duckdb.DuckDBPyConnection, by_marks: bool) -> None:
    """Move the marks past what was read, but not past rows of articles not numbered yet (their document
    is numbered by a later run, which must still find their rows after the mark)."""
    low = con.execute("SELECT value FROM desk_state WHERE key = 'terms_docs'").fetchall()
    since = int(low[0][0]) if low and by_marks else 0
    next_low = con.execute(
        "SELECT coalesce(min(d.doc), (SELECT count(*) FROM desk_docs)) FROM desk_docs d WHERE d.doc >= ? AND d.current"
        " AND NOT EXISTS (SELECT 1 FROM desk_terms_done x WHERE x.doc >= ? AND x.doc = d.doc)", [since, since]
    ).fetchall()[0][0]  # fmt: skip
    con.execute("INSERT OR REPLACE INTO desk_state VALUES ('terms_docs', ?)", [str(next_low)])
    numbered = marks.rows_since(con, "docs", "articles", "article_id")
    for name, table, key, lo in (("terms", "article_terms", _TERMS_KEY, 0), ("analysed", "summary_analysed", _ANALYSED_KEY, 0)):
        if by_marks:
            lo = marks.rows_since(con, name, table, key) or 0
        end = marks.table_end(con, table, lo)
        if numbered is None:  # which articles are numbered is unknown: read everything again next time
            marks.drop_mark(con, name)
            continue
        waiting = con.execute(
            f"SELECT min(t.rowid) FROM {table} t WHERE t.rowid >= ? AND t.article_id IN"
            " (SELECT article_id FROM articles WHERE rowid >= ?)", [lo, numbered]).fetchall()[0][0]  # fmt: skip
        marks.set_mark(con, name, table, key, end if waiting is None else int(waiting))


def index_terms(con: duckdb.DuckDBPyConnection) -> int:
    """Copy the terms of indexed documents analysed since the last call; returns the documents added.

    Analysed: the terms step recorded them (summary_analysed), or article_terms has rows for them.
    Nothing is read when every document is copied, or when nothing changed since the last call (the
    counts of documents, copied documents, 'terms' marks and article_terms rows are the same). Otherwise
    only the rows appended to both tables since the marks (marks.py) and the documents from the lowest
    current one not copied are read; without valid marks, every document and article_terms row."""
    mark = "/".join(str(v) for v in con.execute(
        "SELECT (SELECT count(*) FROM desk_docs), (SELECT count(*) FROM desk_terms_done),"
        " (SELECT count(*) FROM summary_analysed WHERE step = 'terms'), (SELECT count(*) FROM article_terms)"
    ).fetchall()[0])  # fmt: skip
    docs, done = mark.split("/")[:2]
    if docs == done or con.execute("SELECT value FROM desk_state WHERE key = 'terms_mark'").fetchall() == [(mark,)]:
        if docs == done and marks.rows_since(con, "terms", "article_terms", _TERMS_KEY) is None:
            with transaction(con):  # once, on a warehouse without marks: the next run reads from them
                _advance_marks(con, False)
        return 0
    with transaction(con):
        by_marks = _new_docs_by_marks(con)
        if not by_marks:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE desk_new_docs AS SELECT d.doc, d.article_id FROM desk_docs d"
                " WHERE NOT EXISTS (SELECT 1 FROM desk_terms_done x WHERE x.doc = d.doc)"
                " AND (d.article_id IN (SELECT article_id FROM summary_analysed WHERE step = 'terms')"
                "  OR d.article_id IN (SELECT article_id FROM article_terms))"
            )
        rows = "(SELECT * FROM article_terms WHERE rowid >= ?)" if by_marks else "(SELECT * FROM article_terms WHERE ? = 0)"
        terms_lo = (marks.rows_since(con, "terms", "article_terms", _TERMS_KEY) or 0) if by_marks else 0
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE desk_new_terms AS SELECT d.doc, t.term, t.n FROM {rows} t"
            " JOIN desk_new_docs d USING (article_id)", [terms_lo]
        )
        added = int(con.execute("SELECT count(*) FROM desk_new_docs").fetchall()[0][0])
        if added:
            con.execute("INSERT INTO desk_doc_terms SELECT doc, term, n FROM desk_new_terms ORDER BY doc, term")
            _add_days(con)
            con.execute("INSERT INTO desk_terms_done SELECT doc FROM desk_new_docs")
        _advance_marks(con, by_marks)
        con.execute("DROP TABLE IF EXISTS desk_new_rows")
        con.execute("DROP TABLE desk_new_terms")
        con.execute("DROP TABLE desk_new_docs")
        # Every analysed document is copied now: the same counts next time mean nothing new.
        parts = mark.split("/")
        parts[1] = str(int(done) + added)
        con.execute("INSERT OR REPLACE INTO desk_state VALUES ('terms_mark', ?)", ["/".join(parts)])
    return added


def _add_days(con: duckdb.DuckDBPyConnection) -> None:
    """Add the new terms to desk_term_days: the (day, term) cells they touch only."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE desk_days AS SELECT d.day, t.term, sum(t.n)::BIGINT AS n FROM desk_new_terms t"
        " JOIN desk_docs d USING (doc) WHERE d.doc >= (SELECT min(doc) FROM desk_new_terms) GROUP BY ALL"
    )
    con.execute(
        "UPDATE desk_term_days SET n = desk_term_days.n + x.n FROM desk_days x"
        " WHERE desk_term_days.day IS NOT DISTINCT FROM x.day AND desk_term_days.term = x.term"
    )
    con.execute(
        "INSERT INTO desk_term_days SELECT x.day, x.term, x.n FROM desk_days x WHERE NOT EXISTS (SELECT 1 FROM"
        " desk_term_days t WHERE t.day IS NOT DISTINCT FROM x.day AND t.term = x.term)"
    )
    con.execute("DROP TABLE desk_days")


def sample_windows(docs: np.ndarray, sample: int = SAMPLE, windows: int = WINDOWS, seed: int = 7) -> list[np.ndarray]:
    """Up to `sample` of the sorted document numbers, as `windows` runs of consecutive ones (repeatable)."""
    if len(docs) <= sample:
        return [docs] if len(docs) else []
    width = sample // windows
    rng = np.random.default_rng(seed)
    starts = np.sort(rng.choice(len(docs) // width, size=windows, replace=False)) * width
    return [docs[s : s + width] for s in starts.tolist()]


def term_counts(
    con: duckdb.DuckDBPyConnection, docs: np.ndarray, since: date | None, until: date | None
) -> tuple[list[tuple[str, int, int]], int]:
    """(term, count in the sampled matches, count in all articles of the period) for the sample's terms,
    and the period's count of all term occurrences. Only matches whose terms were copied are sampled."""
    done = con.execute("SELECT doc FROM desk_terms_done ORDER BY doc").fetchnumpy()["doc"]
    windows = sample_windows(np.intersect1d(docs, np.asarray(done, dtype=np.int64), assume_unique=True))
    if not windows:
        return [], 0
    period, params = ["true"], []
    if since:
        period.append("day >= ?")
        params.append(since)
    if until:
        period.append("day <= ?")
        params.append(until)
    where = " AND ".join(period)
    ranges = " OR ".join("doc BETWEEN ? AND ?" for _ in windows)
    bounds = [int(v) for w in windows for v in (w[0], w[-1])]
    con.register("desk_sample", pd.DataFrame({"doc": np.concatenate(windows).astype(np.int32)}))
    try:
        rows = con.execute(
            "WITH fg AS (SELECT term, sum(n)::BIGINT AS y FROM desk_doc_terms"
            f"  WHERE ({ranges}) AND doc IN (SELECT doc FROM desk_sample) GROUP BY term),"
            f" bg AS (SELECT term, sum(n)::BIGINT AS y FROM desk_term_days WHERE {where}"
            "  AND term IN (SELECT term FROM fg) GROUP BY term)"
            " SELECT fg.term, fg.y, greatest(coalesce(bg.y, 0), fg.y) FROM fg LEFT JOIN bg USING (term)",
            [*bounds, *params],
        ).fetchall()
        total = con.execute(f"SELECT coalesce(sum(n), 0) FROM desk_term_days WHERE {where}", params).fetchall()[0][0]
    finally:
        con.unregister("desk_sample")
    return [(str(t), int(f), int(b)) for t, f, b in rows], int(total)
