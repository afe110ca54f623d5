"""The search form of article text, the table that holds it, and query terms compiled against it.

`presswatch search` runs the saved-search language as one DuckDB predicate over `search_text.body`,
made of plain `contains()` tests with bound values: no regex, so a query costs about one scan of the text.
Two things make that exact:
- the search form: title + text with full-width forms turned into ASCII, case folded, OpenCC's t2s
  character table applied, whitespace runs as one space, and every Latin/digit run wrapped in \\x01. A
  whole-word test ("AI" but not "said") is then a substring test for "\\x01ai\\x01";
- a term goes through the same function, and a space between two Han characters in a phrase (which
  the saved-search matcher lets match no space at all) becomes the variants with and without it.
The search form uses t2s's character table, not OpenCC's phrase rules (277 phrases such as 瞭解 -> 了解,
0.14 % of characters on seed 004): the full conversion runs in pure Python at ~77 ms per traditional
article, the table at ~2 ms, and only the table is affordable over a million articles.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

import duckdb
import pandas as pd

from presswatch.desk import marks
from presswatch.store.db import insert_frame, transaction
from presswatch.summaries.searches import And, Node, Not, Term
from presswatch.text import HAN, opencc_table

RUN_MARK = "\x01"
# The saved-search matcher's word characters (presswatch/summaries/watchlist.py _WORDISH).
_RUN = re.compile("[0-9a-z_\u00df-\u024f]+")
MAX_VARIANTS = 64
INDEX_CHUNK = 5000
MIN_PARALLEL = 2000


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    table = {ord(k): v[0] for k, v in opencc_table("TSCharacters.txt").items() if len(k) == 1 and len(v[0]) == 1}
    table |= {c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}  # full-width ASCII, as NFKC does
    table |= {0x3000: " ", ord(RUN_MARK): " "}
    return table


def _mark(match: re.Match[str]) -> str:
    return f"{RUN_MARK}{match.group(0)}{RUN_MARK}"


def search_form(text: str) -> str:
    """Text as `search_text.body` holds it (see the module docstring)."""
    return _RUN.sub(_mark, " ".join(text.translate(_table()).casefold().split()))


def article_search_form(title: str | None, text: str | None) -> str:
    return search_form("\n".join(p for p in (title, text) if p))


def term_literals(term: Term) -> list[str]:
    """The substrings whose presence in the search form means the term matches."""
    form = search_form(term.text)
    # A space between two Han characters may also be absent in the text (Chinese writes no spaces).
    gaps = [i for i, ch in enumerate(form) if ch == " " and 0 < i < len(form) - 1
            and HAN.match(form[i - 1]) and HAN.match(form[i + 1])]  # fmt: skip
    if 2 ** len(gaps) > MAX_VARIANTS:
        raise ValueError(f"phrase {term.text!r} has too many spaces between Chinese words ({len(gaps)})")
    variants = []
    for drop in itertools.product((False, True), repeat=len(gaps)):
        dropped = {i for i, d in zip(gaps, drop, strict=True) if d}
        variants.append("".join(ch for i, ch in enumerate(form) if i not in dropped))
    return variants


def compile_predicate(node: Node, column: str = "body") -> tuple[str, list[str]]:
    """SQL predicate over `column` (a name from this package) and its bound values."""
    if isinstance(node, Term):
        literals = term_literals(node)
        return "(" + " OR ".join(f"contains({column}, ?)" for _ in literals) + ")", literals
    if isinstance(node, Not):
        sql, params = compile_predicate(node.child, column)
        return f"(NOT {sql})", params
    parts = [compile_predicate(child, column) for child in node.children]
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(sql for sql, _ in parts) + ")", [p for _, ps in parts for p in ps]


def positive_terms(node: Node, negated: bool = False) -> Iterator[Term]:
    """Terms whose presence makes an article match (not under a NOT): what a snippet should show."""
    if isinstance(node, Term):
        if not negated:
            yield node
    elif isinstance(node, Not):
        yield from positive_terms(node.child, not negated)
    else:
        for child in node.children:
            yield from positive_terms(child, negated)


def _forms(rows: list[tuple[str, str | None, str | None]]) -> pd.DataFrame:
    return pd.DataFrame({"article_id": [r[0] for r in rows],
                         "body": [article_search_form(r[1], r[2]) for r in rows]})  # fmt: skip


def _chunks(rows: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _add_forms(con: duckdb.DuckDBPyConnection, rows: list[Any], workers: int, end: int | None) -> int:
    """Insert these articles' search forms, and the articles' mark when `end` is given, in one transaction."""
    if workers > 1 and len(rows) >= MIN_PARALLEL:  # below it, starting processes costs more
        from presswatch.workpool import get_pool

        frames = list(get_pool(workers).map(_forms, _chunks(rows, -(-len(rows) // workers))))
        frame = pd.concat(frames, ignore_index=True)
    else:
        frame = _forms(rows)
    with transaction(con):
        insert_frame(con, "search_text", frame)
        if end is not None:
            marks.set_mark(con, "text", "articles", "article_id", end)
    return len(frame)


def index_pending(con: duckdb.DuckDBPyConnection, workers: int = 1, chunk: int = INDEX_CHUNK) -> int:
    """Add the search form of every article not yet in search_text; returns how many were added.

    Chunked, one transaction each, so an interrupted run keeps what it finished and the next goes on.
    Articles only grow, so the rows after the articles' mark (marks.py) are the new ones: only they are
    read. Without a valid mark, the ids of both tables are compared (seconds at a million articles)."""
    added = 0
    # Both tables only grow and every search_text row is an article's: equal counts, nothing to add.
    if con.execute("SELECT (SELECT count(*) FROM articles) = (SELECT count(*) FROM search_text)").fetchall()[0][0]:
        if marks.rows_since(con, "text", "articles", "article_id") is None:  # once, on a warehouse without marks
            marks.set_mark(con, "text", "articles", "article_id", marks.table_end(con, "articles"))
        return 0
    size = chunk * max(workers, 1)
    lo = marks.rows_since(con, "text", "articles", "article_id")
    if lo is not None:
        while True:
            rows = con.execute("SELECT rowid, article_id, title, text FROM articles WHERE rowid >= ? AND rowid < ?"
                               " ORDER BY rowid", [lo, lo + size]).fetchall()  # fmt: skip
            if not rows:
                return added
            lo = rows[-1][0] + 1
            added += _add_forms(con, [r[1:] for r in rows], workers, lo)
    # The ids first, then each chunk's texts by id: an anti-join that also carries title and text reads
    # every article's text (100k articles: 1.5 s of CPU with nothing to add; ids alone: 0.03 s).
    end = marks.table_end(con, "articles")
    pending = [r[0] for r in con.execute(
        "SELECT a.article_id FROM articles a WHERE a.rowid < ? AND NOT EXISTS"
        " (SELECT 1 FROM search_text s WHERE s.article_id = a.article_id) ORDER BY a.rowid", [end]).fetchall()]  # fmt: skip
    batches = list(_chunks(pending, size)) or [[]]
    for i, ids in enumerate(batches):
        rows = con.execute(
            "SELECT article_id, title, text FROM articles WHERE article_id IN (SELECT unnest(?)) ORDER BY rowid", [ids]
        ).fetchall()
        added += _add_forms(con, rows, workers, end if i == len(batches) - 1 else None)
    return added
