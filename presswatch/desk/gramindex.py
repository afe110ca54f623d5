"""The search index: key postings over search_text, written incrementally (presswatch/desk/grams.py keys).

`index_grams` numbers the articles of search_text not yet indexed (desk_docs), extracts their keys (in
worker processes when there are many) and writes one pass (desk_runs) of postings per chunk, each in one
transaction: an interrupted run keeps what it finished and the next goes on. Only new articles are read.
`rebuild_grams` drops every pass and indexes everything again (after a change of the key rules).
Passes accumulate (one or more per summaries run); `compact_grams` merges small trailing passes into one
by joining their posting lists, without reading any text. Passes written before Han 4-gram keys existed
(migration 014) get them from `add_quads`, pass by pass, each recorded in desk_quad_runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from presswatch.desk import grams, marks
from presswatch.store.db import insert_frame, transaction

PASS_DOCS = 4_096  # documents per pass (bounds a worker's memory to ~1 GB: ~6,400 keys at ~3,200 characters each)
SMALL_PASS = 4_096  # passes below this many documents are merged by compact_grams ...
MAX_SMALL_PASSES = 8  # ... once there are more than this many


def _extract(part: tuple[list[str], int]) -> tuple[int, int, list[tuple[int, bytes]], list[Any]]:
    """One pass's Han postings (encoded) and each document's words, in a worker process."""
    bodies, lo = part
    return lo, lo + len(bodies), grams.han_postings(bodies, lo), [grams.doc_words(b) for b in bodies]


_FACTS = ("a.article_id, a.story_key, a.version, true, TRY_CAST(substr(a.published_at, 1, 10) AS DATE), a.published_at,"
          " a.published_utc, coalesce(a.outlet, a.platform, '(unknown)'), a.language, NULL")


def _number_new_docs(con: duckdb.DuckDBPyConnection) -> None:
    """Number the articles of search_text not numbered yet (with their facts), and re-mark which
    version of their stories is current.

    When documents are search_text's rows (desk_state 'text_rows') and the articles' mark is valid,
    the new documents are the rows after the last one numbered, and their facts the articles after the
    mark: two ranges, joined. Otherwise both tables are compared whole by id."""
    first = con.execute("SELECT coalesce(max(doc) + 1, 0) FROM desk_docs").fetchall()[0][0]
    texts = con.execute("SELECT count(*) FROM search_text").fetchall()[0][0]
    aligned = con.execute("SELECT value FROM desk_state WHERE key = 'text_rows'").fetchall() == [("aligned",)]
    lo = marks.rows_since(con, "docs", "articles", "article_id") if aligned else None
    if lo is not None:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE desk_numbered AS SELECT s.rowid AS doc, {_FACTS}"
            " FROM (SELECT rowid, article_id FROM search_text WHERE rowid >= ?) s"
            " JOIN (SELECT * FROM articles WHERE rowid >= ?) a USING (article_id)",
            [first, lo],
        )
        got = con.execute("SELECT count(*), coalesce(min(doc), ?), coalesce(max(doc) + 1, ?) FROM desk_numbered",
                          [first, first]).fetchall()[0]  # fmt: skip
        if got == (texts - first, first, texts):  # every new row, numbered as its row: aligned by construction
            con.execute("INSERT INTO desk_docs SELECT * FROM desk_numbered ORDER BY doc")
        else:
            lo = None
        con.execute("DROP TABLE desk_numbered")
    if lo is None:
        con.execute(
            f"INSERT INTO desk_docs SELECT ? + row_number() OVER (ORDER BY s.rowid) - 1, {_FACTS}"
            " FROM search_text s JOIN articles a USING (article_id)"
            " WHERE NOT EXISTS (SELECT 1 FROM desk_docs d WHERE d.article_id = s.article_id)",
            [first],
        )
        _check_text_rows(con, first)
    # Versions only grow: a story's current version is its newest document. Among the new documents,
    # only the newest of each story stays current; older documents change only where a new one is a
    # later version of their story (version > 1), so the old documents are read only then.
    con.execute(
        "UPDATE desk_docs SET current = false FROM (SELECT story_key, max(version) AS v FROM desk_docs"
        "  WHERE doc >= ? GROUP BY story_key) m"
        " WHERE desk_docs.doc >= ? AND desk_docs.story_key = m.story_key AND desk_docs.version < m.v",
        [first, first],
    )
    if con.execute("SELECT count(*) FROM desk_docs WHERE doc >= ? AND version > 1", [first]).fetchall()[0][0]:
        con.execute(
            "UPDATE desk_docs SET current = false WHERE doc < ? AND current AND story_key IN"
            " (SELECT story_key FROM desk_docs WHERE doc >= ? AND version > 1)",
            [first, first],
        )
    if con.execute("SELECT (SELECT count(*) FROM desk_docs) = (SELECT count(*) FROM articles)").fetchall()[0][0]:
        marks.set_mark(con, "docs", "articles", "article_id", marks.table_end(con, "articles", lo or 0))
    else:  # articles not in search_text yet: the next run compares ids again
        marks.drop_mark(con, "docs")
        # Documents lose their canonical outlet: the outlet map sets it again on its next call.
        marks.drop_mark(con, "canonical")
        con.execute("DELETE FROM desk_state WHERE key = 'outlets_mark'")


def _check_text_rows(con: duckdb.DuckDBPyConnection, first: int) -> None:
    """Record whether every document's number is its search form's row in search_text (desk_state
    'text_rows'), which lets lookup.py read a candidate's text by row number instead of joining by id.

    search_text is append-only and documents are numbered in its row order, so this holds unless rows
    were ever removed; it is checked on the new documents only (on all of them when never checked)."""
    state = con.execute("SELECT value FROM desk_state WHERE key = 'text_rows'").fetchall()
    if state and state[0][0] != "aligned":
        return  # stays so until rebuild_grams
    since = first if state else 0
    if not con.execute("SELECT count(*) FROM desk_docs WHERE doc >= ?", [since]).fetchall()[0][0]:
        return
    off = con.execute(
        "SELECT count(*) FROM desk_docs d JOIN search_text s USING (article_id) WHERE d.doc >= ? AND s.rowid <> d.doc",
        [since],
    ).fetchall()[0][0]
    con.execute("INSERT OR REPLACE INTO desk_state VALUES ('text_rows', ?)", ["misaligned" if off else "aligned"])


def _word_ids(con: duckdb.DuckDBPyConnection, words: set[str]) -> dict[str, int]:
    """Ids of these words, numbering the new ones (inside the caller's transaction)."""
    if not words:
        return {}
    con.register("pending_words", pd.DataFrame({"word": sorted(words)}))
    try:
        con.execute(
            "INSERT INTO desk_words SELECT p.word, (SELECT coalesce(max(word_id) + 1, 0) FROM desk_words)"
            " + row_number() OVER (ORDER BY p.word) - 1 FROM pending_words p"
            " WHERE NOT EXISTS (SELECT 1 FROM desk_words w WHERE w.word = p.word)"
        )
        return dict(con.execute(
            "SELECT w.word, w.word_id FROM desk_words w JOIN pending_words p USING (word)").fetchall())  # fmt: skip
    finally:
        con.unregister("pending_words")


def _quads(part: tuple[list[str], int]) -> tuple[int, int, list[tuple[int, bytes]]]:
    """One pass's Han 4-gram postings only, in a worker process (add_quads)."""
    bodies, lo = part
    return lo, lo + len(bodies), grams.han_postings(bodies, lo, small=False, quads=True)


def _bodies(con: duckdb.DuckDBPyConnection, lo: int, hi: int) -> list[tuple[int, str]]:
    """The search forms of documents [lo, hi): by row number when documents are rows (a range of rows is
    read), else by joining ids (which reads every row of search_text)."""
    if con.execute("SELECT value FROM desk_state WHERE key = 'text_rows'").fetchall() == [("aligned",)]:
        sql = "SELECT rowid, body FROM search_text WHERE rowid >= ? AND rowid < ? AND rowid < (SELECT count(*) FROM desk_docs)"
    else:
        sql = "SELECT d.doc, s.body FROM desk_docs d JOIN search_text s USING (article_id) WHERE d.doc >= ? AND d.doc < ?"
    return con.execute(sql + " ORDER BY 1", [lo, hi]).fetchall()


def _map(fn: Any, parts: list[Any], workers: int) -> Iterable[Any]:
    if workers > 1 and len(parts) > 1:
        from presswatch.workpool import get_pool

        return get_pool(workers).map(fn, parts)
    return map(fn, parts)


def add_quads(con: duckdb.DuckDBPyConnection, workers: int = 1) -> int:
    """Add the 4-gram keys of every pass that has none (written before migration 014); returns the
    documents covered. Each pass in one transaction, so an interrupted run keeps what it finished."""
    pending = con.execute("SELECT run, lo, hi FROM desk_runs WHERE run NOT IN (SELECT run FROM desk_quad_runs)"
                          " ORDER BY lo").fetchall()  # fmt: skip
    added = 0
    for start in range(0, len(pending), max(workers, 1)):
        batch = pending[start : start + max(workers, 1)]
        rows = _bodies(con, batch[0][1], batch[-1][2])
        body = {doc: text for doc, text in rows}
        del rows
        parts = [([body.get(d, "") for d in range(lo, hi)], lo) for _, lo, hi in batch]
        del body
        for (run, _, _), (lo, hi, quad_rows) in zip(batch, _map(_quads, parts, workers), strict=True):
            with transaction(con):
                insert_frame(con, "desk_postings", pd.DataFrame(quad_rows, columns=["gram", "docs"]).assign(run=run))
                con.execute("INSERT INTO desk_quad_runs VALUES (?)", [run])
            added += hi - lo
    return added


def _write_pass(con: duckdb.DuckDBPyConnection, lo: int, hi: int, han_rows: list[Any], per_doc: list[Any]) -> None:
    with transaction(con):
        ids = _word_ids(con, {w for words, _ in per_doc for w in words})
        doc_col: list[np.ndarray] = [np.zeros(0, np.int64)]
        key_col: list[np.ndarray] = [np.zeros(0, np.int64)]
        for doc, (words, pairs) in enumerate(per_doc, start=lo):
            keys = [grams.word_key(ids[w]) for w in words] + [grams.pair_key(ids[a], ids[b]) for a, b in pairs]
            key_col.append(np.asarray(keys, dtype=np.int64))
            doc_col.append(np.full(len(keys), doc, dtype=np.int64))
        word_rows = [(key, grams.encode(docs, lo, hi)) for key, docs in
                     grams.group_postings(np.concatenate(doc_col), np.concatenate(key_col))]  # fmt: skip
        run = con.execute("SELECT coalesce(max(run) + 1, 0) FROM desk_runs").fetchall()[0][0]
        frame = pd.DataFrame(han_rows + word_rows, columns=["gram", "docs"]).assign(run=run)
        insert_frame(con, "desk_postings", frame)
        con.execute("INSERT INTO desk_runs VALUES (?, ?, ?, ?)", [run, lo, hi, datetime.now(UTC)])
        con.execute("INSERT INTO desk_quad_runs VALUES (?)", [run])


def index_grams(con: duckdb.DuckDBPyConnection, workers: int = 1, pass_docs: int = PASS_DOCS) -> int:
    """Index every article of search_text not indexed yet; returns how many were indexed."""
    numbered, texts = con.execute("SELECT (SELECT count(*) FROM desk_docs), (SELECT count(*) FROM search_text)").fetchall()[0]
    with transaction(con):
        if numbered != texts:  # both only grow: equal counts, every search form is numbered
            _number_new_docs(con)
        else:
            _check_text_rows(con, numbered)  # once, on a warehouse indexed before the check existed
            if marks.rows_since(con, "docs", "articles", "article_id") is None and con.execute(
                "SELECT count(*) FROM articles").fetchall()[0][0] == numbered:  # once, without marks
                marks.set_mark(con, "docs", "articles", "article_id", marks.table_end(con, "articles"))
    add_quads(con, workers)  # after the check: it reads the passes' text by row number
    indexed = 0
    while True:
        lo, numbered = con.execute("SELECT (SELECT coalesce(max(hi), 0) FROM desk_runs),"
                                   " (SELECT count(*) FROM desk_docs)").fetchall()[0]  # fmt: skip
        if lo >= numbered:
            break
        batch = pass_docs * max(workers, 1)
        rows = _bodies(con, lo, lo + batch)
        if not rows:
            break
        if [r[0] for r in rows] != list(range(lo, lo + len(rows))):
            raise RuntimeError("desk_docs has gaps: rebuild the search index (rebuild_grams)")
        parts = [([r[1] for r in rows[i : i + pass_docs]], lo + i) for i in range(0, len(rows), pass_docs)]
        del rows
        for part_lo, part_hi, han_rows, per_doc in _map(_extract, parts, workers):
            _write_pass(con, part_lo, part_hi, han_rows, per_doc)
            indexed += part_hi - part_lo
    compact_grams(con)
    return indexed


def rebuild_grams(con: duckdb.DuckDBPyConnection, workers: int = 1) -> int:
    """Drop the whole index (documents renumbered) and index every article of search_text again."""
    with transaction(con):
        for table in ("desk_postings", "desk_runs", "desk_quad_runs", "desk_words", "desk_docs"):
            con.execute(f"DELETE FROM {table}")  # names from this module
        con.execute("DELETE FROM desk_state WHERE key = 'text_rows'")
        marks.drop_mark(con, "docs")
        # Documents lose their canonical outlet: the outlet map sets it again on its next call.
        marks.drop_mark(con, "canonical")
        con.execute("DELETE FROM desk_state WHERE key = 'outlets_mark'")
    return index_grams(con, workers)


def compact_grams(con: duckdb.DuckDBPyConnection) -> int:
    """Merge the trailing small passes into one when there are too many; returns the passes merged."""
    runs = con.execute("SELECT run, lo, hi FROM desk_runs ORDER BY lo").fetchall()
    tail: list[tuple[int, int, int]] = []
    for run in reversed(runs):
        if run[2] - run[1] >= SMALL_PASS or sum(r[2] - r[1] for r in tail) + run[2] - run[1] > PASS_DOCS:
            break
        tail.insert(0, run)
    if len(tail) <= MAX_SMALL_PASSES:
        return 0
    lo, hi, ids = tail[0][1], tail[-1][2], [r[0] for r in tail]
    merged = min(ids)
    with_quads = con.execute("SELECT count(*) FROM desk_quad_runs WHERE run IN (SELECT unnest(?))", [ids]).fetchall()
    with transaction(con):
        rows = con.execute("SELECT p.gram, r.lo, r.hi, p.docs FROM desk_postings p JOIN desk_runs r USING (run)"
                           " WHERE p.run BETWEEN ? AND ? AND p.run IN (SELECT unnest(?)) ORDER BY p.gram, r.lo",
                           [min(ids), max(ids), ids]).fetchall()  # fmt: skip
        out = []
        for gram, blobs in _by_gram(rows):
            if gram >= grams.QUAD_TAG and with_quads[0][0] != len(ids):
                continue  # some passes have no 4-grams: add_quads adds them all to the merged pass
            mask = np.zeros(hi - lo, dtype=bool)
            for run_lo, run_hi, blob in blobs:
                grams.decode_into(mask, blob, run_lo, run_hi, offset=lo)
            out.append((gram, merged, grams.encode(np.flatnonzero(mask) + lo, lo, hi)))
        # The range lets the scan skip the row groups of other passes (postings are written pass by pass).
        con.execute("DELETE FROM desk_postings WHERE run BETWEEN ? AND ? AND run IN (SELECT unnest(?))",
                    [min(ids), max(ids), ids])
        con.execute("DELETE FROM desk_runs WHERE run IN (SELECT unnest(?))", [ids])
        con.execute("DELETE FROM desk_quad_runs WHERE run IN (SELECT unnest(?))", [ids])
        insert_frame(con, "desk_postings", pd.DataFrame(out, columns=["gram", "run", "docs"]))
        con.execute("INSERT INTO desk_runs VALUES (?, ?, ?, ?)", [merged, lo, hi, datetime.now(UTC)])
        if with_quads[0][0] == len(ids):  # a pass without 4-grams merged in: add_quads adds them all
            con.execute("INSERT INTO desk_quad_runs VALUES (?)", [merged])
    return len(ids)


def _by_gram(rows: list[tuple[int, int, int, bytes]]) -> Iterable[tuple[int, list[tuple[int, int, bytes]]]]:
    current: int | None = None
    blobs: list[tuple[int, int, bytes]] = []
    for gram, lo, hi, blob in rows:
        if gram != current and current is not None:
            yield current, blobs
            blobs = []
        current = gram
        blobs.append((lo, hi, blob))
    if current is not None:
        yield current, blobs
