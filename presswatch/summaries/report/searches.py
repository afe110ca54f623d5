"""Report sections of the analyst's desk: one per saved search, and volume by outlet collection.

Per saved search: attention over time (matches per day as bars, their share of all articles that day
as a line), top outlets (canonical, from the outlet directory), the latest matches. Reads search_hits and
the aggregates and current articles the summaries run keeps (view summary_current_articles); nothing is searched here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import matplotlib.pyplot as plt
import numpy as np

from presswatch.summaries.report.charts import PALETTE, _style, _svg
from presswatch.summaries.report.html import chart_block, escape_cell, html_table

LATEST = 8
TOP_OUTLETS = 8


def attention_chart(rows: Sequence[tuple[date, int, int]], name: str) -> str | None:
    """Area: matching articles per day; line (right axis): their share of all articles that day.

    One filled path and one line whatever the number of days: a bar (a separate SVG element) per day made a
    year of daily matches slow to draw and heavy to ship.
    """
    if not rows:
        return None
    days = np.array([d for d, _, _ in rows], dtype="datetime64[D]")
    with _style():
        fig, ax = plt.subplots(figsize=(7.5, 2.6))
        ax.fill_between(days, [m for _, m, _ in rows], step="mid", color=PALETTE[0], alpha=0.8, label="matches")
        ax.set_ylim(bottom=0)
        ax.set_ylabel("matches per day")
        share = ax.twinx()
        share.plot(days, [100 * m / n if n else 0 for _, m, n in rows], color=PALETTE[1],
                   marker="." if len(rows) <= 60 else None, label="share of all articles")  # fmt: skip
        share.set_ylabel("% of the day's articles")
        share.set_ylim(0, 105)
        ax.set_title(name, loc="left", fontsize=10)
        fig.autofmt_xdate()
        return _svg(fig)


# Matches per search and day next to all articles that day, over the span of the search's dated matches;
# both from the aggregates the summaries run keeps (a cell may hold 0 after its articles left: not a day).
_DAILY = """
WITH alld AS (SELECT day, sum(articles)::BIGINT AS n FROM volume_daily WHERE day IS NOT NULL
              GROUP BY day HAVING sum(articles) > 0),
m AS (SELECT search, day, sum(matches)::BIGINT AS matches FROM search_daily WHERE day IS NOT NULL
      GROUP BY ALL HAVING sum(matches) > 0),
span AS (SELECT search, min(day) AS lo, max(day) AS hi FROM m GROUP BY search)
SELECT s.search, a.day, coalesce(m.matches, 0), a.n
FROM span AS s JOIN alld AS a ON a.day BETWEEN s.lo AND s.hi
LEFT JOIN m ON m.search = s.search AND m.day = a.day
ORDER BY s.search, a.day
"""
_TOTALS = """
SELECT search, sum(matches)::BIGINT, coalesce(sum(matches) FILTER (WHERE day IS NULL), 0)::BIGINT
FROM search_daily GROUP BY search
"""
# Every search's top outlets in one pass over the hits (was: four queries per search, each ranking every
# article version through summary_articles).
_OUTLETS = """
WITH per AS (SELECT h.search, a.outlet_canonical, a.region, a.kind, count(*) AS n
             FROM search_hits AS h JOIN summary_current_articles AS a USING (article_id) GROUP BY ALL)
SELECT search, outlet_canonical, region, kind, n FROM per
QUALIFY row_number() OVER (PARTITION BY search ORDER BY n DESC, outlet_canonical, region, kind) <= ?
ORDER BY search, n DESC, outlet_canonical, region, kind
"""
# The latest matches: ranking every hit of every search (a window over millions of rows) cost more than the
# rest of the report. Articles in the report's order (newest first, then id) are taken a prefix at a time;
# a search with LATEST current hits inside the prefix has its latest matches there (a prefix holds every
# article before its last one). The few searches without are ranked alone, over their own hits.
_PREFIXES = (4096, 65536)
_LATEST_IN_PREFIX = """
WITH newest AS (SELECT article_id, published_utc FROM articles
                ORDER BY published_utc DESC NULLS LAST, article_id LIMIT ?)
SELECT h.search, n.article_id, n.published_utc
FROM newest AS n JOIN summary_members AS m ON m.article_id = n.article_id AND m.current
JOIN search_hits AS h ON h.article_id = n.article_id
ORDER BY h.search, n.published_utc DESC NULLS LAST, n.article_id
"""
_LATEST_OF_SEARCH = """
SELECT h.search, h.article_id, ar.published_utc
FROM search_hits AS h JOIN summary_members AS m ON m.article_id = h.article_id AND m.current
JOIN articles AS ar ON ar.article_id = h.article_id
WHERE h.search = ? ORDER BY ar.published_utc DESC NULLS LAST, h.article_id LIMIT ?
"""
_LATEST_ROWS = """
SELECT a.article_id, a.day, a.outlet_canonical, ar.title, ar.url
FROM summary_current_articles AS a JOIN articles AS ar USING (article_id)
WHERE a.article_id IN (SELECT unnest(?::VARCHAR[]))
"""


def _latest(
    con: duckdb.DuckDBPyConnection, names: list[str], prefixes: Sequence[int]
) -> dict[str, list[tuple[Any, ...]]]:
    """Per search, (day, canonical outlet, title, url) of its LATEST newest current matches."""
    picked: dict[str, list[tuple[Any, ...]]] = {}
    n_articles = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
    for prefix in prefixes:
        hits = _by_search(con.execute(_LATEST_IN_PREFIX, [prefix]).fetchall())
        for name in names:
            if name not in picked and (len(hits.get(name, [])) >= LATEST or prefix >= n_articles):
                picked[name] = [(name, *h) for h in hits.get(name, [])[:LATEST]]
    for name in names:
        if name not in picked:
            picked[name] = con.execute(_LATEST_OF_SEARCH, [name, LATEST]).fetchall()
    ids = sorted({article_id for rows in picked.values() for _, article_id, _ in rows})
    facts = {r[0]: r[1:] for r in con.execute(_LATEST_ROWS, [ids]).fetchall()} if ids else {}
    return {name: [facts[article_id] for _, article_id, _ in rows] for name, rows in picked.items()}


@dataclass(frozen=True)
class SearchFacts:
    """What the report shows of one saved search; `daily` is the attention chart's input."""

    daily: list[tuple[date, int, int]]  # (day, matches, all articles that day)
    total: int
    undated: int
    open_alerts: int
    outlets: list[tuple[Any, ...]]  # (canonical outlet, region, kind, matches), top TOP_OUTLETS
    latest: list[tuple[Any, ...]]  # (day, canonical outlet, title, url), newest LATEST


def _by_search(rows: list[tuple[Any, ...]]) -> dict[str, list[tuple[Any, ...]]]:
    grouped: dict[str, list[tuple[Any, ...]]] = {}
    for search, *rest in rows:
        grouped.setdefault(search, []).append(tuple(rest))
    return grouped


def search_facts(con: duckdb.DuckDBPyConnection, prefixes: Sequence[int] = _PREFIXES) -> dict[str, SearchFacts]:
    """Every saved search with a hit row, in name order: a handful of queries for all of them together.

    prefixes: the sizes of the newest-articles prefixes the latest matches are looked for in (tests pass
    small ones so that the per-search path is taken too)."""
    names = [r[0] for r in con.execute("SELECT DISTINCT search FROM search_hits ORDER BY search").fetchall()]
    if not names:
        return {}
    daily = _by_search(con.execute(_DAILY).fetchall())
    totals = {s: (t, u) for s, t, u in con.execute(_TOTALS).fetchall()}
    alerts = dict(con.execute("SELECT search, count(*) FROM alerts WHERE status = 'open' GROUP BY search").fetchall())
    outlets = _by_search(con.execute(_OUTLETS, [TOP_OUTLETS]).fetchall())
    latest = _latest(con, names, prefixes)
    return {
        name: SearchFacts(
            daily=[(d, m, n) for d, m, n in daily.get(name, [])],
            total=totals.get(name, (0, 0))[0],
            undated=totals.get(name, (0, 0))[1],
            open_alerts=alerts.get(name, 0),
            outlets=outlets.get(name, []),
            latest=latest.get(name, []),
        )
        for name in names
    }


def _one_search(name: str, facts: SearchFacts) -> str:
    links = [(d or "undated", o, f'<a href="{escape_cell(u)}">{escape_cell(t)}</a>' if u else escape_cell(t))
             for d, o, t, u in facts.latest]  # fmt: skip
    return (
        f'<h3 id="search-{escape_cell(name)}">{escape_cell(name)}</h3>'
        f'<p class="note">{facts.total:,} matching articles ({facts.undated:,} undated),'
        f" {facts.open_alerts:,} open alerts.</p>"
        + chart_block(attention_chart(facts.daily, name), "No dated matches to chart.")
        + '<div class="row">'
        + html_table(["top outlets", "region", "kind", "matches"], facts.outlets, numeric=[3])
        + html_table(["day", "outlet", "latest matches"], links, raw=[2])
        + "</div>"
    )


def searches_section(con: duckdb.DuckDBPyConnection) -> str:
    """Every saved search with matches, in name order."""
    facts = search_facts(con)
    if not facts:
        return '<p class="note">No saved search has matched yet.</p>'
    nav = " · ".join(f'<a href="#search-{html.escape(n)}">{html.escape(n)}</a>' for n in facts)
    return f'<p class="note">{nav}</p>' + "".join(_one_search(name, f) for name, f in facts.items())


def collections_section(con: duckdb.DuckDBPyConnection) -> str:
    """Articles per outlet collection, region and kind (seeds/outlets.yaml), and what stays unresolved."""

    by_collection: list[tuple[Any, ...]] = con.execute(
        "SELECT c.collection, count(DISTINCT a.outlet_canonical), count(*)"
        " FROM summary_current_articles a JOIN outlet_collections c ON c.outlet_id = a.outlet_canonical"
        " GROUP BY ALL ORDER BY 3 DESC, 1"
    ).fetchall()
    by_region = con.execute(
        "SELECT coalesce(region, 'not in directory'), coalesce(kind, '—'),"
        " count(DISTINCT outlet_canonical), count(*) FROM summary_current_articles GROUP BY ALL ORDER BY 4 DESC, 1, 2"
    ).fetchall()
    return '<div class="row">' + html_table(["collection", "outlets", "articles"], by_collection, numeric=[1, 2]) + html_table(
        ["region", "kind", "outlets", "articles"], by_region, numeric=[2, 3]
    ) + "</div>"
