"""Ad-hoc search: one query in the saved-search language, answered from the warehouse (read-only).

The answer, as Media Cloud gives one: how many articles match; attention over time (matches per day, and
their share of all articles that day); top outlets (canonical, from the outlet directory); the terms most
distinctive of the matches against all articles in the period (weighted log-odds with an informative
Dirichlet prior, Monroe, Colaresi & Quinn 2008, over the summaries' article_terms); and the latest
matching articles with a snippet around the match. Matching uses the search index
(presswatch/desk/lookup.py: key postings, the text read only to verify what the index cannot decide), with
the same results as the scan's SQL predicate (presswatch/desk/textindex.py); the distinctive terms compare
a sample of the matches with the period's precomputed term counts (presswatch/desk/termcounts.py).
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from presswatch.desk import fastpath
from presswatch.desk.lookup import IndexReader, match_documents, unindexed_matches
from presswatch.desk.outlets import name_key
from presswatch.desk.termcounts import term_counts
from presswatch.desk.textindex import _table, positive_terms
from presswatch.store.db import dict_rows
from presswatch.summaries.searches import Node, parse_query
from presswatch.summaries.watchlist import literal_pattern

MATCHES = "desk_matches"  # temp table of this connection's last search
UNIVERSE = "desk_universe"  # temp table: the current articles the filters leave (the period's "all")
SCAN_SAMPLE = 10_000  # articles per side when the terms are read from article_terms (not copied yet)
PRIOR = 1000.0  # Dirichlet prior's total weight (alpha_0)
SNIPPET = 60  # characters each side of the match
MATCH_COLUMNS = ("article_id", "day", "published_at", "outlet", "outlet_canonical", "region", "kind",
                 "language", "title", "url")  # fmt: skip


class SearchError(ValueError):
    """A search that cannot run as asked (unknown collection, bad dates); the message says why."""


@dataclass(frozen=True)
class Filters:
    since: date | None = None
    until: date | None = None
    outlet: str | None = None
    collection: str | None = None
    language: str | None = None

    def where(self, con: duckdb.DuckDBPyConnection, alias: str = "a") -> tuple[str, list[Any]]:
        """SQL conditions over summary_articles (as `alias`) and their bound values."""
        clauses: list[str] = ["true"]
        params: list[Any] = []
        if self.since and self.until and self.since > self.until:
            raise SearchError(f"--since {self.since} is after --until {self.until}")
        if self.since:
            clauses.append(f"{alias}.day >= ?")
            params.append(self.since)
        if self.until:
            clauses.append(f"{alias}.day <= ?")
            params.append(self.until)
        if self.outlet:
            # A directory alias names its canonical outlet; any other string is taken as written.
            row = con.execute("SELECT outlet_id FROM outlet_aliases WHERE alias_key = ?", [name_key(self.outlet)])
            found = row.fetchone()
            clauses.append(f"({alias}.outlet_canonical = ? OR lower(replace({alias}.outlet, ' ', '')) = ?)")
            params += [found[0] if found else self.outlet, name_key(self.outlet)]
        if self.collection:
            known = [r[0] for r in con.execute("SELECT DISTINCT collection FROM outlet_collections ORDER BY 1").fetchall()]
            if self.collection not in known:
                raise SearchError(f"unknown collection {self.collection!r}; known: {', '.join(known) or 'none loaded'}")
            clauses.append(f"{alias}.outlet_canonical IN (SELECT outlet_id FROM outlet_collections WHERE collection = ?)")
            params.append(self.collection)
        if self.language:
            clauses.append(f"lower({alias}.language) LIKE ?")
            params.append(self.language.lower() + "%")
        return " AND ".join(clauses), params


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    return dict_rows(con.execute(sql, params or []))


_FAST_UNIVERSE = (
    "SELECT d.article_id, d.doc, d.day, d.published_at, d.published_utc, d.outlet,"
    " coalesce(m.outlet_id, d.outlet) AS outlet_canonical, o.region, o.kind, d.language FROM desk_docs d"
    " LEFT JOIN desk_article_outlets m USING (article_id) LEFT JOIN outlets o ON o.outlet_id = m.outlet_id"
    " WHERE d.current"
)
_VIEW_UNIVERSE = (
    "SELECT s.article_id, d.doc, s.day, s.published_at, s.published_utc, s.outlet, s.outlet_canonical,"
    " s.region, s.kind, s.language FROM summary_articles s LEFT JOIN desk_docs d USING (article_id)"
)


def select_universe(con: duckdb.DuckDBPyConnection, filters: Filters) -> int:
    """Fill the temp table desk_universe with the current articles the filters leave.

    When every article is numbered by the index (the usual case after a summaries run), from desk_docs and
    the materialised outlets, which then hold what summary_articles states; else from summary_articles."""
    where, params = filters.where(con)
    numbered = con.execute("SELECT (SELECT count(*) FROM articles) = (SELECT count(*) FROM desk_docs)").fetchall()
    sql = _FAST_UNIVERSE if numbered[0][0] else _VIEW_UNIVERSE
    con.execute(f"CREATE OR REPLACE TEMP TABLE {UNIVERSE} AS SELECT * FROM ({sql}) a WHERE {where}", params)
    return int(con.execute(f"SELECT count(*) FROM {UNIVERSE}").fetchall()[0][0])


def find_matches(con: duckdb.DuckDBPyConnection, ast: Node) -> tuple[int, np.ndarray, dict[str, int]]:
    """Fill the temp table desk_matches with the matching articles of desk_universe.

    Returns their number, the matching document numbers of the universe (sorted) and the index's stats."""
    docs, reader = match_documents(con, ast)
    extra = unindexed_matches(con, ast, reader)
    con.register("desk_found_docs", pd.DataFrame({"doc": docs.astype(np.int32)}))
    con.register("desk_found_ids", pd.DataFrame({"article_id": pd.Series(extra, dtype=object)}))
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {MATCHES} AS"
            f" SELECT u.* FROM {UNIVERSE} u SEMI JOIN desk_found_docs m ON u.doc = m.doc WHERE u.doc < ?"
            f" UNION ALL SELECT u.* FROM {UNIVERSE} u SEMI JOIN desk_found_ids m ON u.article_id = m.article_id"
            " WHERE u.doc IS NULL OR u.doc >= ?",
            [reader.size, reader.size],
        )
    finally:
        con.unregister("desk_found_docs")
        con.unregister("desk_found_ids")
    n = int(con.execute(f"SELECT count(*) FROM {MATCHES}").fetchall()[0][0])
    matched = con.execute(f"SELECT doc FROM {MATCHES} WHERE doc IS NOT NULL ORDER BY doc").fetchnumpy()["doc"]
    stats = {"keys_read": reader.stats.keys, "verified": reader.stats.verified, "outside_index": reader.stats.tail}
    return n, np.asarray(matched, dtype=np.int64), stats


def attention(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Per day of the period: matches, all articles, and the share that matched."""
    return _rows(
        con,
        f"WITH alld AS (SELECT day, count(*) AS articles FROM {UNIVERSE} WHERE day IS NOT NULL GROUP BY day),"
        f" m AS (SELECT day, count(*) AS matches FROM {MATCHES} WHERE day IS NOT NULL GROUP BY day)"
        " SELECT alld.day, coalesce(m.matches, 0) AS matches, alld.articles,"
        " round(coalesce(m.matches, 0) / alld.articles, 4) AS share FROM alld LEFT JOIN m USING (day) ORDER BY day",
    )


def top_outlets(con: duckdb.DuckDBPyConnection, limit: int) -> list[dict[str, Any]]:
    return _rows(
        con,
        "SELECT outlet_canonical AS outlet, region, kind, count(*) AS matches,"
        f" round(count(*) / sum(count(*)) OVER (), 4) AS share FROM {MATCHES}"
        " GROUP BY ALL ORDER BY matches DESC, outlet LIMIT ?",
        [limit],
    )


def distinctive_terms(con: duckdb.DuckDBPyConnection, docs: np.ndarray, filters: Filters, limit: int,
                      universe_docs: np.ndarray | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Terms over-represented in (a sample of) the matches against all articles of the period (z-scored log-odds).

    `universe_docs`: the array path's universe, made a table only if the terms must be read by scan."""
    counts, total = term_counts(con, docs, filters.since, filters.until)
    if not counts:  # the matches' terms are not copied yet (presswatch.desk.prepare.finish_desk)
        if universe_docs is not None:
            con.register("desk_universe_frame", pd.DataFrame({"doc": universe_docs.astype(np.int32)}))
            con.execute(f"CREATE OR REPLACE TEMP TABLE {UNIVERSE} AS SELECT article_id FROM desk_docs"
                        " WHERE doc IN (SELECT doc FROM desk_universe_frame)")  # fmt: skip
            con.unregister("desk_universe_frame")
        counts, total = _scanned_term_counts(con), 0
    return rank_log_odds(counts, limit, n_bg=total)


def _scanned_term_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, int]]:
    """The counts read from article_terms for samples of both sides: a scan of article_terms."""
    return [(str(t), int(f), int(b)) for t, f, b in con.execute(
        f"WITH fg_ids AS (SELECT article_id FROM (SELECT article_id FROM {MATCHES})"
        f"  USING SAMPLE reservoir({SCAN_SAMPLE} ROWS) REPEATABLE (7)),"
        f" bg_ids AS (SELECT article_id FROM (SELECT article_id FROM {UNIVERSE})"
        f"  USING SAMPLE reservoir({SCAN_SAMPLE} ROWS) REPEATABLE (7)),"
        " fg AS (SELECT term, sum(n)::BIGINT AS y FROM article_terms WHERE article_id IN (SELECT * FROM fg_ids) GROUP BY term),"
        " bg AS (SELECT term, sum(n)::BIGINT AS y FROM article_terms WHERE article_id IN (SELECT * FROM bg_ids) GROUP BY term)"
        " SELECT bg.term, coalesce(fg.y, 0), bg.y FROM bg LEFT JOIN fg USING (term)",
    ).fetchall()]


def rank_log_odds(
    counts: list[tuple[str, int, int]], limit: int, prior: float = PRIOR, n_bg: int | None = None
) -> list[dict[str, Any]]:
    """(term, count in matches, count in all) -> the top terms by z-score of the log-odds ratio.

    `n_bg`: all term occurrences of the background when `counts` lists only some of its terms."""
    n_fg = sum(c for _, c, _ in counts)
    n_bg = max(n_bg or 0, sum(c for _, _, c in counts))
    if not n_fg or not n_bg:
        return []
    scored: list[dict[str, Any]] = []
    for term, y_fg, y_bg in counts:
        alpha = prior * y_bg / n_bg
        if y_fg == 0 or alpha <= 0 or n_fg + prior - y_fg - alpha <= 0 or n_bg + prior - y_bg - alpha <= 0:
            continue  # no odds when a term is all there is (a background of one term)
        delta = math.log((y_fg + alpha) / (n_fg + prior - y_fg - alpha)) - math.log(
            (y_bg + alpha) / (n_bg + prior - y_bg - alpha)
        )
        z = delta / math.sqrt(1 / (y_fg + alpha) + 1 / (y_bg + alpha))
        if z > 0:  # over-represented only: when every article matches, nothing is distinctive
            scored.append({"term": term, "z": round(z, 2), "in_matches": y_fg, "in_all": y_bg})
    scored.sort(key=lambda r: (-float(r["z"]), str(r["term"])))
    return scored[:limit]


def snippet(ast: Node, title: str | None, text: str | None, width: int = SNIPPET) -> str:
    """Text around a match: of the query's positive terms found in the text, the rarest one (the name a
    query is about is everywhere; the qualifier the analyst added is what the snippet should show),
    at its first occurrence. The start of the text when no term is found in it."""
    body = text or title or ""
    form = body.translate(_table()).lower()  # length-preserving, so offsets are the original's
    found = []
    for term in positive_terms(ast):
        hits = list(re.finditer(literal_pattern(term.text), form))
        if hits:
            found.append((len(hits), hits[0].start(), hits[0]))
    if len(form) != len(body) or not found:
        return " ".join(body[: 2 * width].split())
    first = min(found, key=lambda f: (f[0], f[1]))[2]
    start, end = max(0, first.start() - width), min(len(body), first.end() + width)
    return ("…" if start else "") + " ".join(body[start:end].split()) + ("…" if end < len(body) else "")


def latest(con: duckdb.DuckDBPyConnection, ast: Node, limit: int, among: np.ndarray | None = None) -> list[dict[str, Any]]:
    """The latest matches with a snippet; `among`: document numbers holding them (the array path)."""
    source = f"{MATCHES}" if among is None else "desk_docs WHERE doc IN (SELECT unnest(?::INTEGER[]))"
    ids = con.execute(
        f"SELECT article_id, outlet_canonical, day FROM {source} ORDER BY published_utc DESC NULLS LAST, article_id LIMIT ?",
        ([] if among is None else [among.tolist()]) + [limit],
    ).fetchall()
    rows = []
    for article_id, outlet, day in ids:  # one primary-key lookup each: a join would read every article's id
        title, url, text = con.execute("SELECT title, url, text FROM articles WHERE article_id = ?", [article_id]).fetchall()[0]
        rows.append({"article_id": article_id, "title": title, "outlet": outlet, "day": day, "url": url,
                     "snippet": snippet(ast, title, text)})  # fmt: skip
    return rows


def matching_articles_sql() -> str:
    """Every match of the last search (columns MATCH_COLUMNS), oldest first: what --csv writes."""
    cols = ", ".join(f"ar.{c}" if c in ("url", "title") else f"m.{c}" for c in MATCH_COLUMNS)
    return (
        f"SELECT {cols} FROM {MATCHES} m JOIN articles ar USING (article_id)"
        " ORDER BY m.published_utc NULLS LAST, m.article_id"
    )


def write_matches_csv(con: duckdb.DuckDBPyConnection, path: str | Path) -> int:
    """Write the last search's matching articles as CSV (header row); returns the rows written."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    literal = "'" + str(out).replace("'", "''") + "'"  # COPY takes no bound file name
    con.execute(f"COPY ({matching_articles_sql()}) TO {literal} (FORMAT csv, HEADER true)")
    return int(con.execute(f"SELECT count(*) FROM {MATCHES}").fetchall()[0][0])


def _array_answer(con: duckdb.DuckDBPyConnection, ast: Node, filters: Filters, reader: IndexReader,
                  sample: int, outlets: int, seconds: dict[str, float]) -> tuple[dict[str, Any], np.ndarray]:  # fmt: skip
    """The answer's counts from the index's mask and desk_docs' columns (presswatch/desk/fastpath.py)."""
    mark = time.perf_counter()
    universe = fastpath.load(con, *filters.where(con))
    seconds["universe"] = time.perf_counter() - mark
    domain = np.zeros(reader.size, dtype=bool)
    domain[universe.doc] = True
    rows = fastpath.matched_rows(universe, reader.evaluate(ast, domain))
    docs = universe.doc[rows]
    fastpath.store_matches(con, docs)
    seconds["match"] = time.perf_counter() - mark - seconds["universe"]
    n = len(docs)
    return {
        "matches": n, "articles": len(universe.doc), "share": round(n / len(universe.doc), 4) if len(universe.doc) else None,
        "undated_matches": int((universe.day[rows] == fastpath._NO_DAY).sum()), "not_indexed": 0,
        "by_day": fastpath.attention(universe, rows), "top_outlets": fastpath.top_outlets(con, universe, rows, outlets),
        "latest": latest(con, ast, sample, among=fastpath.latest_docs(universe, rows, sample)),
        "universe_docs": universe.doc,
    }, docs  # fmt: skip


def _sql_answer(con: duckdb.DuckDBPyConnection, ast: Node, filters: Filters,
                sample: int, outlets: int, seconds: dict[str, float]) -> tuple[dict[str, Any], np.ndarray]:  # fmt: skip
    """The answer from summary_articles, while some articles are not indexed yet."""
    mark = time.perf_counter()
    _drop_matches(con)
    universe = select_universe(con, filters)
    seconds["universe"] = time.perf_counter() - mark
    n, docs, stats = find_matches(con, ast)
    seconds["match"] = time.perf_counter() - mark - seconds["universe"]
    undated = con.execute(f"SELECT count(*) FROM {MATCHES} WHERE day IS NULL").fetchall()[0][0]
    not_indexed = con.execute(
        f"SELECT count(*) FROM {UNIVERSE} u WHERE NOT EXISTS (SELECT 1 FROM search_text s WHERE s.article_id = u.article_id)"
    ).fetchall()[0][0]
    return {
        "matches": n, "articles": universe, "share": round(n / universe, 4) if universe else None,
        "undated_matches": int(undated), "not_indexed": int(not_indexed), "by_day": attention(con),
        "top_outlets": top_outlets(con, outlets), "latest": latest(con, ast, sample), "index_stats": stats,
    }, docs  # fmt: skip


def _drop_matches(con: duckdb.DuckDBPyConnection) -> None:
    kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_catalog = 'temp'"
                       " AND table_name = ?", [MATCHES]).fetchall()  # fmt: skip
    if kind:
        con.execute(f"DROP {'VIEW' if kind[0][0] == 'VIEW' else 'TABLE'} {MATCHES}")


def run_search(
    con: duckdb.DuckDBPyConnection,
    query: str,
    filters: Filters = Filters(),
    *,
    sample: int = 10,
    outlets: int = 10,
    terms: int = 20,
) -> dict[str, Any]:
    """The whole answer as plain data (JSON-ready but for dates). Raises QuerySyntaxError, SearchError.

    From arrays when every article is indexed (the usual case), else from summary_articles: same answer."""
    started = time.perf_counter()
    ast = parse_query(query)
    seconds: dict[str, float] = {}
    reader = IndexReader(con)
    if fastpath.ready(con, reader.size):
        _drop_matches(con)
        parts, docs = _array_answer(con, ast, filters, reader, sample, outlets, seconds)
        index_stats = {"keys_read": reader.stats.keys, "verified": reader.stats.verified, "outside_index": 0}
    else:
        parts, docs = _sql_answer(con, ast, filters, sample, outlets, seconds)
        index_stats = parts.pop("index_stats")
    latest_rows, universe_docs = parts.pop("latest"), parts.pop("universe_docs", None)
    answer = {"query": query, "filters": {k: v for k, v in asdict(filters).items() if v is not None}} | parts
    mark = time.perf_counter()
    answer["distinctive_terms"] = distinctive_terms(con, docs, filters, terms, universe_docs) if answer["matches"] else []
    seconds["terms"] = time.perf_counter() - mark
    answer["latest"] = latest_rows
    answer["index"] = index_stats
    seconds["total"] = time.perf_counter() - started
    answer["seconds"] = {k: round(v, 3) for k, v in seconds.items()}
    return answer
