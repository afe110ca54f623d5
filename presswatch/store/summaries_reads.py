"""Reading a run's articles from the warehouse for the per-article analyses: by rowid ranges, in storage
order, once per run (the hold's cache), and their member numbers. No Prefect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from presswatch.store import db as warehouse

CHUNK_SIZE = 2000  # articles analysed (and held) per chunk

_READ = (
    "SELECT article_id, title, text, coalesce(outlet, platform, '(unknown)') AS outlet FROM articles"
    " WHERE {where} article_id IN (SELECT unnest(?)) ORDER BY article_id"
)
_ROW_GROUP = 122_880  # DuckDB's rows per row group: a scan skips whole groups outside a rowid range


def _rowid_ranges(rowids: list[int]) -> list[tuple[int, int]]:
    """Sorted rowids cut where a gap spans more than a row group: each range is read on its own."""
    ranges: list[tuple[int, int]] = []
    for rowid in sorted(rowids):
        if ranges and rowid - ranges[-1][1] <= _ROW_GROUP:
            ranges[-1] = (ranges[-1][0], rowid)
        else:
            ranges.append((rowid, rowid))
    return ranges


def in_table_order(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> list[str]:
    """`ids` in the order their rows are stored. Chunks cut from ids in article_id (hash) order each hold
    articles from every row group, and reading one article decompresses its whole text vector (2,048
    texts, ~84 ms at 1M articles): 2,000 scattered articles took 62 s to read there, the pending articles of
    a cold 1M warehouse ~8 hours. In storage order a chunk is a row group or two."""
    ordered = [
        r[0]
        for r in con.execute(
            "SELECT article_id FROM articles WHERE article_id IN (SELECT unnest(?)) ORDER BY rowid", [list(ids)]
        ).fetchall()
    ]
    found = set(ordered)
    return ordered + [i for i in ids if i not in found]  # none, unless the table changed meanwhile


def read_articles(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> list[dict[str, Any]]:
    """The articles `ids`, by rowid ranges: a semi-join alone scanned every article's text (2-7 s per
    step at 100k articles for a run's 1,000 new ones); the ids' rowids come from the id column alone, and
    a run's new articles sit together at the end of the table, so their range holds a row group or two."""
    ids = list(ids)
    rowids = [r[0] for r in con.execute("SELECT rowid FROM articles WHERE article_id IN (SELECT unnest(?))", [ids]).fetchall()]
    rows: list[dict[str, Any]] = []
    for lo, hi in _rowid_ranges(rowids):
        rows += warehouse.dict_rows(con.execute(_READ.format(where="rowid BETWEEN ? AND ? AND"), [lo, hi, ids]))
    if len(rows) != len(rowids):  # rowids moved between the two reads (a compaction): read plainly
        return warehouse.dict_rows(con.execute(_READ.format(where=""), [ids]))
    return sorted(rows, key=lambda r: r["article_id"])


def member_numbers(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> dict[str, int]:
    """The member number of each of `ids` that is a member (summary_members)."""
    return dict(
        con.execute(
            "SELECT article_id, member_no FROM summary_members WHERE article_id IN (SELECT unnest(?))", [list(ids)]
        ).fetchall()
    )


def cached_articles(
    con: duckdb.DuckDBPyConnection, ids: list[str], cache: dict[Any, Any] | None
) -> list[dict[str, Any]]:
    if cache is None:
        return read_articles(con, ids)
    missing = [i for i in ids if ("article", i) not in cache]
    if len(cache) + len(missing) > 2 * CHUNK_SIZE:
        for key in [k for k in cache if k[0] == "article"]:
            del cache[key]  # bounded: a run's new articles, not an archive
        missing = ids
    for row in read_articles(con, missing) if missing else []:
        cache[("article", row["article_id"])] = row
    # Copies: a step's analysis must not see what another one did to its dicts. Sorted as read_articles.
    return [dict(cache[("article", i)]) for i in sorted(ids) if ("article", i) in cache]
