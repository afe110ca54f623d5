"""Report sections of the analyst's desk: one per saved search, and volume by outlet collection.

Per saved search: attention over time (matches per day as bars, their share of all articles that day
as a line), top outlets (canonical, from the outlet directory), the latest matches. Reads search_hits and
summary_articles, which the summaries run fills; nothing is searched here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
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


def _one_search(con: duckdb.DuckDBPyConnection, name: str) -> str:

    daily = con.execute(
        "WITH alld AS (SELECT day, count(*) AS n FROM summary_articles WHERE day IS NOT NULL GROUP BY day),"
        " m AS (SELECT a.day, count(*) AS matches FROM search_hits h JOIN summary_articles a USING (article_id)"
        "  WHERE h.search = ? AND a.day IS NOT NULL GROUP BY a.day)"
        " SELECT alld.day, coalesce(m.matches, 0), alld.n FROM alld LEFT JOIN m USING (day)"
        " WHERE alld.day BETWEEN (SELECT min(day) FROM m) AND (SELECT max(day) FROM m) ORDER BY alld.day",
        [name],
    ).fetchall()
    total, undated, open_alerts = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE a.day IS NULL),"
        " (SELECT count(*) FROM alerts WHERE search = ? AND status = 'open')"
        " FROM search_hits h JOIN summary_articles a USING (article_id) WHERE h.search = ?",
        [name, name],
    ).fetchall()[0]
    outlets = con.execute(
        "SELECT a.outlet_canonical, a.region, a.kind, count(*) AS n FROM search_hits h"
        " JOIN summary_articles a USING (article_id) WHERE h.search = ? GROUP BY ALL ORDER BY n DESC, 1 LIMIT ?",
        [name, TOP_OUTLETS],
    ).fetchall()
    latest = con.execute(
        "SELECT a.day, a.outlet_canonical, a.title, ar.url FROM search_hits h JOIN summary_articles a USING (article_id)"
        " JOIN articles ar USING (article_id) WHERE h.search = ?"
        " ORDER BY a.published_utc DESC NULLS LAST, a.article_id LIMIT ?",
        [name, LATEST],
    ).fetchall()
    links = [(d or "undated", o, f'<a href="{escape_cell(u)}">{escape_cell(t)}</a>' if u else escape_cell(t)) for d, o, t, u in latest]
    return (
        f'<h3 id="search-{escape_cell(name)}">{escape_cell(name)}</h3>'
        f'<p class="note">{total:,} matching articles ({undated:,} undated), {open_alerts:,} open alerts.</p>'
        + chart_block(attention_chart(daily, name), "No dated matches to chart.")
        + '<div class="row">'
        + html_table(["top outlets", "region", "kind", "matches"], outlets, numeric=[3])
        + html_table(["day", "outlet", "latest matches"], links, raw=[2])
        + "</div>"
    )


def searches_section(con: duckdb.DuckDBPyConnection) -> str:
    """Every saved search with matches, in name order."""
    names = [r[0] for r in con.execute("SELECT DISTINCT search FROM search_hits ORDER BY search").fetchall()]
    if not names:
        return '<p class="note">No saved search has matched yet.</p>'
    nav = " · ".join(f'<a href="#search-{html.escape(n)}">{html.escape(n)}</a>' for n in names)
    return f'<p class="note">{nav}</p>' + "".join(_one_search(con, name) for name in names)


def collections_section(con: duckdb.DuckDBPyConnection) -> str:
    """Articles per outlet collection, region and kind (seeds/outlets.yaml), and what stays unresolved."""

    by_collection: list[tuple[Any, ...]] = con.execute(
        "SELECT c.collection, count(DISTINCT a.outlet_canonical), count(*) FROM summary_articles a"
        " JOIN outlet_collections c ON c.outlet_id = a.outlet_canonical GROUP BY ALL ORDER BY 3 DESC, 1"
    ).fetchall()
    by_region = con.execute(
        "SELECT coalesce(region, 'not in directory'), coalesce(kind, '—'), count(DISTINCT outlet_canonical),"
        " count(*) FROM summary_articles GROUP BY ALL ORDER BY 4 DESC, 1, 2"
    ).fetchall()
    return '<div class="row">' + html_table(["collection", "outlets", "articles"], by_collection, numeric=[1, 2]) + html_table(
        ["region", "kind", "outlets", "articles"], by_region, numeric=[2, 3]
    ) + "</div>"
