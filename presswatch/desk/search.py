"""Ad-hoc search: one query in the saved-search language, answered from the warehouse (read-only).

The answer, as Media Cloud gives one: how many articles match; attention over time (matches per day, and
their share of all articles that day); top outlets (canonical, from the outlet directory); the terms most
distinctive of the matches against all articles in the period (weighted log-odds with an informative
Dirichlet prior, Monroe, Colaresi & Quinn 2008, over the summaries' article_terms); and the latest
matching articles with a snippet around the match. The query becomes one SQL predicate
(presswatch/desk/textindex.py), so the text is scanned once, in DuckDB.
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

from presswatch.desk.outlets import name_key
from presswatch.desk.textindex import _table, compile_predicate, positive_terms
from presswatch.summaries.searches import Node, parse_query
from presswatch.summaries.watchlist import literal_pattern

MATCHES = "desk_matches"  # temp table of this connection's last search
UNIVERSE = "desk_universe"  # temp table: the current articles the filters leave (the period's "all")
TERMS_SAMPLE = 100_000  # articles per side the distinctive terms are computed on, at most
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
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def select_universe(con: duckdb.DuckDBPyConnection, filters: Filters) -> int:
    """Fill the temp table desk_universe with the current articles the filters leave: the view behind it
    (versions, outlet resolution) is computed once per search, not once per part of the answer."""
    where, params = filters.where(con)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {UNIVERSE} AS"
        " SELECT a.article_id, a.day, a.published_at, a.published_utc, a.outlet, a.outlet_canonical, a.region,"
        f" a.kind, a.language, a.title FROM summary_articles a WHERE {where}",
        params,
    )
    return int(con.execute(f"SELECT count(*) FROM {UNIVERSE}").fetchall()[0][0])


def find_matches(con: duckdb.DuckDBPyConnection, ast: Node) -> int:
    """Fill the temp table desk_matches with the matching articles of desk_universe; returns their number."""
    predicate, values = compile_predicate(ast, "s.body")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {MATCHES} AS SELECT u.* FROM {UNIVERSE} u"
        f" JOIN (SELECT article_id FROM search_text s WHERE {predicate}) USING (article_id)",
        values,
    )
    return int(con.execute(f"SELECT count(*) FROM {MATCHES}").fetchall()[0][0])


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


def distinctive_terms(con: duckdb.DuckDBPyConnection, limit: int) -> list[dict[str, Any]]:
    """Terms over-represented in the matches against all articles of the period (z-scored log-odds)."""
    counts = con.execute(
        "WITH fg_ids AS (SELECT article_id FROM (SELECT article_id FROM desk_matches)"
        f"  USING SAMPLE reservoir({TERMS_SAMPLE} ROWS) REPEATABLE (7)),"
        f" bg_ids AS (SELECT article_id FROM (SELECT article_id FROM {UNIVERSE})"
        f"  USING SAMPLE reservoir({TERMS_SAMPLE} ROWS) REPEATABLE (7)),"
        " fg AS (SELECT term, sum(n)::BIGINT AS y FROM article_terms WHERE article_id IN (SELECT * FROM fg_ids) GROUP BY term),"
        " bg AS (SELECT term, sum(n)::BIGINT AS y FROM article_terms WHERE article_id IN (SELECT * FROM bg_ids) GROUP BY term)"
        " SELECT bg.term, coalesce(fg.y, 0), bg.y FROM bg LEFT JOIN fg USING (term)",
    ).fetchall()
    return rank_log_odds(counts, limit)


def rank_log_odds(counts: list[tuple[str, int, int]], limit: int, prior: float = PRIOR) -> list[dict[str, Any]]:
    """(term, count in matches, count in all) -> the top terms by z-score of the log-odds ratio."""
    n_fg = sum(c for _, c, _ in counts)
    n_bg = sum(c for _, _, c in counts)
    if not n_fg or not n_bg:
        return []
    scored: list[dict[str, Any]] = []
    for term, y_fg, y_bg in counts:
        alpha = prior * y_bg / n_bg
        if y_fg == 0 or alpha <= 0:
            continue
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


def latest(con: duckdb.DuckDBPyConnection, ast: Node, limit: int) -> list[dict[str, Any]]:
    rows = _rows(
        con,
        # The latest ids first, then their texts: joining before the LIMIT would read every match's text.
        "WITH m AS (SELECT article_id, title, outlet_canonical, day, published_utc FROM desk_matches"
        "  ORDER BY published_utc DESC NULLS LAST, article_id LIMIT ?)"
        " SELECT m.article_id, m.title, m.outlet_canonical AS outlet, m.day, ar.url, ar.text FROM m"
        " JOIN articles ar ON ar.article_id = m.article_id AND ar.article_id IN (SELECT article_id FROM m)"
        " ORDER BY m.published_utc DESC NULLS LAST, m.article_id",
        [limit],
    )
    for row in rows:
        row["snippet"] = snippet(ast, row["title"], row.pop("text"))
    return rows


def matching_articles_sql() -> str:
    """Every match of the last search (columns MATCH_COLUMNS), oldest first: what --csv writes."""
    cols = ", ".join("ar.url" if c == "url" else f"m.{c}" for c in MATCH_COLUMNS)
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


def run_search(
    con: duckdb.DuckDBPyConnection,
    query: str,
    filters: Filters = Filters(),
    *,
    sample: int = 10,
    outlets: int = 10,
    terms: int = 20,
) -> dict[str, Any]:
    """The whole answer as plain data (JSON-ready but for dates). Raises QuerySyntaxError, SearchError."""
    started = time.perf_counter()
    ast = parse_query(query)
    universe = select_universe(con, filters)
    seconds = {"universe": time.perf_counter() - started}
    n = find_matches(con, ast)
    seconds["match"] = time.perf_counter() - started - seconds["universe"]
    undated = con.execute(f"SELECT count(*) FROM {MATCHES} WHERE day IS NULL").fetchall()[0][0]
    not_indexed = con.execute(
        f"SELECT count(*) FROM {UNIVERSE} u WHERE NOT EXISTS (SELECT 1 FROM search_text s WHERE s.article_id = u.article_id)"
    ).fetchall()[0][0]
    answer = {
        "query": query,
        "filters": {k: v for k, v in asdict(filters).items() if v is not None},
        "matches": n,
        "articles": int(universe),
        "share": round(n / universe, 4) if universe else None,
        "undated_matches": int(undated),
        "not_indexed": int(not_indexed),
        "by_day": attention(con),
        "top_outlets": top_outlets(con, outlets),
        "distinctive_terms": distinctive_terms(con, terms) if n else [],
        "latest": latest(con, ast, sample),
    }
    seconds["total"] = time.perf_counter() - started
    answer["seconds"] = {k: round(v, 3) for k, v in seconds.items()}
    return answer
