"""The search answer from arrays: what a search over a fully indexed warehouse computes without SQL joins.

When every article is numbered by the index and resolved to its outlet (after a summaries run), the
universe is read from desk_docs as four numeric columns (document, day, publication instant, a hash of the
canonical outlet) and the answer's counts are numpy operations on them with the index's match mask: at 1M
articles, joining 1M-row temp tables by article id cost seconds; these take tens of milliseconds. The
result is the same as presswatch/desk/search.py's SQL path (tests/test_search_index.py compares them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

_NO_DAY = np.iinfo(np.int32).min
_NO_TIME = np.iinfo(np.int64).min


@dataclass(frozen=True)
class Universe:
    doc: np.ndarray  # int64, ascending
    day: np.ndarray  # int32 days since 1970-01-01, _NO_DAY when undated
    utc: np.ndarray  # int64 microseconds, _NO_TIME when unknown
    outlet: np.ndarray  # uint64 hash of outlet_canonical


def ready(con: duckdb.DuckDBPyConnection, index_size: int) -> bool:
    """Whether desk_docs holds every article, all indexed, with its canonical outlet."""
    row = con.execute(
        "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM desk_docs),"
        " (SELECT count(*) FROM desk_docs WHERE outlet_canonical IS NULL)"
    ).fetchall()[0]
    return bool(row[0] == row[1] == index_size and row[2] == 0)


def load(con: duckdb.DuckDBPyConnection, where: str, params: list[Any]) -> Universe:
    """The current documents the filters (SQL over alias `a`, desk_docs' columns) leave."""
    cols = con.execute(
        "SELECT doc, coalesce(day - DATE '1970-01-01', ?)::INTEGER AS day,"
        " coalesce(epoch_us(published_utc), ?) AS utc, hash(outlet_canonical) AS outlet"
        f" FROM desk_docs a WHERE a.current AND {where} ORDER BY doc",
        [int(_NO_DAY), int(_NO_TIME), *params],
    ).fetchnumpy()
    return Universe(*(np.asarray(cols[c]) for c in ("doc", "day", "utc", "outlet")))


def matched_rows(universe: Universe, mask: np.ndarray) -> np.ndarray:
    """Positions in the universe of the documents the mask (over document numbers) holds."""
    inside = universe.doc < len(mask)
    rows = np.zeros(len(universe.doc), dtype=bool)
    rows[inside] = mask[universe.doc[inside]]
    return rows


def attention(universe: Universe, rows: np.ndarray) -> list[dict[str, Any]]:
    dated = universe.day != _NO_DAY
    days, articles = np.unique(universe.day[dated], return_counts=True)
    hits = np.zeros(len(days), dtype=np.int64)
    found, counts = np.unique(universe.day[dated & rows], return_counts=True)
    hits[np.searchsorted(days, found)] = counts
    as_dates = days.astype("datetime64[D]").astype(object)
    return [{"day": d, "matches": int(m), "articles": int(a), "share": round(float(m / a), 4)}
            for d, m, a in zip(as_dates, hits, articles, strict=True)]  # fmt: skip


def top_outlets(con: duckdb.DuckDBPyConnection, universe: Universe, rows: np.ndarray, limit: int) -> list[dict[str, Any]]:
    hashes, counts = np.unique(universe.outlet[rows], return_counts=True)
    total = int(counts.sum())
    if not total:
        return []
    con.register("desk_outlet_hashes", pd.DataFrame({"h": hashes.astype(np.uint64), "n": counts.astype(np.int64)}))
    try:
        return [dict(zip(("outlet", "region", "kind", "matches"), r, strict=True)) | {"share": round(r[3] / total, 4)}
                for r in con.execute(
                    "SELECT n.outlet_canonical, o.region, o.kind, h.n FROM desk_outlet_hashes h"
                    " JOIN (SELECT DISTINCT outlet_canonical, hash(outlet_canonical) AS h FROM desk_docs) n"
                    " USING (h) LEFT JOIN outlets o ON o.outlet_id = n.outlet_canonical"
                    " ORDER BY h.n DESC, n.outlet_canonical LIMIT ?", [limit]).fetchall()]  # fmt: skip
    finally:
        con.unregister("desk_outlet_hashes")


def latest_docs(universe: Universe, rows: np.ndarray, limit: int) -> np.ndarray:
    """Documents holding the `limit` latest matches, ties at the cut included (the caller orders them)."""
    utc = universe.utc[rows]
    if len(utc) <= limit:
        return universe.doc[rows]
    cut = np.partition(utc, len(utc) - limit)[len(utc) - limit]
    return universe.doc[rows][utc >= cut]


def store_matches(con: duckdb.DuckDBPyConnection, docs: np.ndarray) -> None:
    """desk_matches (the columns presswatch/desk/search.py's SQL path gives it) as a view over the matches'
    document numbers: nothing is joined unless read (--csv, tests)."""
    con.execute("CREATE OR REPLACE TEMP TABLE desk_match_docs (doc INTEGER)")
    con.register("desk_match_frame", pd.DataFrame({"doc": docs.astype(np.int32)}))
    try:
        con.execute("INSERT INTO desk_match_docs SELECT doc FROM desk_match_frame")
    finally:
        con.unregister("desk_match_frame")
    con.execute("DROP TABLE IF EXISTS desk_matches")
    con.execute(
        "CREATE OR REPLACE TEMP VIEW desk_matches AS SELECT d.article_id, d.doc, d.day, d.published_at,"
        " d.published_utc, d.outlet, d.outlet_canonical, o.region, o.kind, d.language FROM desk_match_docs m"
        " JOIN desk_docs d USING (doc) LEFT JOIN outlets o ON o.outlet_id = d.outlet_canonical"
    )
