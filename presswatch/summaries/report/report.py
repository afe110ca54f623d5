"""A static, self-contained HTML report of the summaries: one file, no scripts, no outside resources.

Reads the warehouse read-only (the summary tables flows/summary_flows.py fills): volume over time, share
of voice, stories across outlets, the figures ledger with its conflicts, top terms and open alerts. It
describes the warehouse as of the last summaries run: no section reads summary_articles (a window over
every article version), per-article facts from the summary_current_articles view.
Charts are inline SVG (flows/report_charts.py); tables are HTML, so Chinese text is plain page text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from presswatch.store import db as warehouse
from presswatch.summaries.report.charts import (
    conflict_chart,
    format_value,
    share_chart,
    share_over_time_chart,
    volume_chart,
)
from presswatch.summaries.report.html import chart_block, escape_cell, html_table
from presswatch.summaries.report.searches import collections_section, searches_section

MAX_ROWS = 50
SIDE_TABLE_ROWS = 12  # tables beside a chart: about as tall as the chart

CSS = """
body { font-family: "Noto Sans CJK SC", "Noto Sans CJK TC", "PingFang SC", "Microsoft YaHei", sans-serif;
       margin: 2rem auto; max-width: 1180px; color: #222; line-height: 1.45; padding: 0 1rem; }
h1 { margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 2px solid #3366aa; padding-bottom: .2rem; }
.meta { color: #666; } .note { color: #666; font-size: .9rem; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 1rem; font-size: .9rem; }
th, td { border-bottom: 1px solid #ddd; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f5f9; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.kpi { display: inline-block; margin: .4rem 1.6rem .4rem 0; } .kpi b { font-size: 1.5rem; display: block; }
.chart svg { max-width: 100%; height: auto; } .row { display: flex; gap: 1.5rem; align-items: flex-start; }
.row > * { flex: 1 1 0; min-width: 0; } .row > .chart { flex-grow: 1.5; } .conflict { color: #b22; font-weight: bold; }
"""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    return con.execute(sql, list(params)).fetchall()


def _overview(con: duckdb.DuckDBPyConnection) -> str:
    articles, outlets, first, last, undated = _rows(
        con,
        "SELECT count(*), count(DISTINCT outlet), min(day), max(day), count(*) FILTER (WHERE day IS NULL)"
        " FROM summary_members WHERE current",
    )[0]
    stories, shared = _rows(con, "SELECT count(*), count(*) FILTER (WHERE n_outlets > 1) FROM stories")[0]
    conflicts = _rows(con, "SELECT count(*) FROM figure_conflicts")[0][0]
    alerts = _rows(con, "SELECT count(*) FROM alerts WHERE status = 'open'")[0][0]
    kpis = [
        ("articles", articles), ("outlets", outlets), ("stories", stories), ("stories in 2+ outlets", shared),
        ("figure conflicts", conflicts), ("open alerts", alerts),
    ]  # fmt: skip
    period = f"published {escape_cell(first)} to {escape_cell(last)}" if first else "no dated articles"
    return (
        "".join(f'<span class="kpi"><b>{n:,}</b>{escape_cell(label)}</span>' for label, n in kpis)
        + f'<p class="note">{period}; {undated:,} undated (counted, not charted).</p>'
    )


def _volume(con: duckdb.DuckDBPyConnection) -> str:
    rows = _rows(con, "SELECT day, outlet, sum(articles)::BIGINT FROM summary_volume GROUP BY day, outlet")
    by_outlet = _rows(
        con,
        "SELECT outlet, language, script, sum(articles)::BIGINT AS n FROM summary_volume GROUP BY ALL"
        " ORDER BY n DESC, outlet LIMIT ?",
        [SIDE_TABLE_ROWS],
    )
    chart = chart_block(volume_chart(rows), "No dated articles to chart.")
    return f'<div class="row">{chart}{html_table(["outlet", "language", "script", "articles"], by_outlet, numeric=[3])}</div>'


def _share(con: duckdb.DuckDBPyConnection) -> str:
    overall = _rows(
        con,
        "SELECT entity, sum(mentions) / (SELECT sum(mentions) FROM mentions_daily) AS share, sum(articles)::BIGINT"
        " FROM summary_share_of_voice GROUP BY entity ORDER BY share DESC, entity LIMIT 20",
    )
    daily = _rows(con, "SELECT day, entity, share FROM summary_share_of_voice")
    top = [e for e, _, _ in overall[:5]]
    chart = chart_block(share_chart([(e, s) for e, s, _ in overall]), "No watchlist mentions yet.")
    table = html_table(
        ["entity", "share of voice", "articles"],
        [(e, f"{100 * s:.1f}%", n) for e, s, n in overall[:SIDE_TABLE_ROWS]],
        [1, 2],
    )
    over_time = chart_block(share_over_time_chart(daily, top), "Fewer than five dated days: no time series.")
    return f'<div class="row">{chart}{table}</div>{over_time}'


def _stories(con: duckdb.DuckDBPyConnection) -> str:
    rows = _rows(
        con,
        "SELECT title, n_outlets, n_articles, outlets, first_seen, last_seen FROM stories"
        " ORDER BY n_outlets DESC, n_articles DESC, first_seen DESC NULLS LAST LIMIT ?",
        [MAX_ROWS],
    )
    return html_table(["story (title of the original)", "outlets", "articles", "carried by", "first seen", "last seen"],
                  rows, numeric=[1, 2])  # fmt: skip


def _ledger(con: duckdb.DuckDBPyConnection) -> str:
    conflicts = _rows(
        con,
        "SELECT quantity, subject, unit, min_value, max_value, spread, n_outlets, n_articles FROM figure_conflicts"
        " ORDER BY n_outlets DESC, n_articles DESC, quantity LIMIT ?",
        [MAX_ROWS],
    )
    parts: list[str] = []
    table_rows = []
    for i, (quantity, subject, unit, low, high, spread, n_outlets, n_articles) in enumerate(conflicts):
        values = _rows(
            con,
            "SELECT value, outlets, raws FROM figure_values WHERE quantity = ? AND unit = ?"
            " AND subject IS NOT DISTINCT FROM ? ORDER BY value",
            [quantity, unit, subject],
        )
        said = "<br>".join(
            f"<b>{escape_cell(format_value(v))}</b> {escape_cell(unit)} ({escape_cell(raws)}): {escape_cell(outlets)}"
            for v, outlets, raws in values
        )
        spread_text = f"{100 * spread:.1f}%" if spread is not None else "n/a"
        table_rows.append((quantity, subject, f"{format_value(low)}–{format_value(high)} {unit}", spread_text,
                           n_outlets, n_articles, said))  # fmt: skip
        if i < 3:
            label = f"{quantity} of {subject or '?'} ({unit}): {format_value(low)}–{format_value(high)}"
            parts.append(
                f"<h3>{escape_cell(label)}</h3>" + chart_block(conflict_chart([(v, o) for v, o, _ in values], label), "")
            )
    agreements = _rows(
        con,
        "SELECT quantity, subject, value, unit, n_outlets, n_stories, outlets, raws FROM summary_figure_agreements"
        " LIMIT ?",
        [MAX_ROWS],
    )
    return (
        '<h3 class="conflict">Conflicts: one quantity, different values</h3>'
        + html_table(
            ["quantity", "subject", "range", "spread", "outlets", "articles", "who said what"],
            table_rows,
            numeric=[4, 5],
            raw=[6],
        )
        + "".join(parts)
        + "<h3>Agreements: the same value reported by several outlets, in different stories</h3>"
        + html_table(
            ["quantity", "subject", "value", "outlets", "stories", "reported by", "as written"],
            [(q, s, f"{format_value(v)} {u}", n, k, o, r) for q, s, v, u, n, k, o, r in agreements],
            numeric=[3, 4],
        )
    )


def _terms(con: duckdb.DuckDBPyConnection) -> str:
    rows = _rows(
        con,
        "SELECT day, outlet, string_agg(term || ' (' || n || ')', ' · ' ORDER BY rank) FILTER (WHERE rank <= 10)"
        " FROM top_terms GROUP BY day, outlet ORDER BY day DESC NULLS LAST, outlet LIMIT ?",
        [MAX_ROWS],
    )
    return html_table(["day", "outlet", "top terms (count)"], [(d or "undated", o, t) for d, o, t in rows])


# The newest open alerts, spikes first; a match alert carries its article's title and outlet (migration 018).
_LATEST_ALERTS = """
SELECT kind, search, day, title, outlet, count, round(baseline, 2), round(ratio, 2), created_at FROM alerts
WHERE status = 'open' ORDER BY kind DESC, created_at DESC, day DESC NULLS LAST, search, alert_id LIMIT ?
"""


def _alerts(con: duckdb.DuckDBPyConnection) -> str:
    counts = _rows(
        con,
        "SELECT search, kind, count(*) FROM alerts WHERE status = 'open' GROUP BY ALL ORDER BY search, kind",
    )
    rows = _rows(con, _LATEST_ALERTS, [MAX_ROWS * 2])
    return html_table(["search", "kind", "open alerts"], counts, numeric=[2]) + html_table(
        ["kind", "search", "day", "article", "outlet", "count", "baseline", "ratio", "raised"],
        rows,
        [5, 6, 7],
    )


SECTIONS = (
    ("volume", "Volume over time", _volume),
    ("share-of-voice", "Share of voice", _share),
    ("stories", "Stories across outlets", _stories),
    ("figures", "Ledger of figures", _ledger),
    ("terms", "Top terms per day and outlet", _terms),
    ("alerts", "Open alerts", _alerts),
    ("searches", "Saved searches", searches_section),
    ("collections", "Outlets by collection, region and kind", collections_section),
)


def render_report(con: duckdb.DuckDBPyConnection, db_label: str, now: datetime | None = None) -> str:
    generated = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    body = [
        "<h1>presswatch report</h1>",
        f'<p class="meta">warehouse {escape_cell(db_label)} · generated {escape_cell(generated)}</p>',
        _overview(con),
        "<nav>" + " · ".join(f'<a href="#{key}">{escape_cell(title)}</a>' for key, title, _ in SECTIONS) + "</nav>",
    ]
    for key, title, section in SECTIONS:
        body.append(f'<section id="{key}"><h2>{escape_cell(title)}</h2>{section(con)}</section>')
    return (
        '<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>presswatch report</title><style>{CSS}</style></head><body>"
        + "\n".join(body)
        + "</body></html>"
    )


def write_report(db_path: str | Path, out_path: str | Path) -> Path:
    """Render the report of the warehouse at db_path (opened read-only) to out_path; returns the path."""
    with warehouse.connection(db_path, read_only=True) as con:
        page = render_report(con, Path(db_path).name)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
