"""HTML pieces every report section is built from: escaped cells, tables, chart frames."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from typing import Any


def escape_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "、".join(escape_cell(v) for v in value)
    if isinstance(value, datetime):
        return html.escape(value.strftime("%Y-%m-%d %H:%M"))
    return html.escape(str(value))


def html_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    numeric: Sequence[int] = (),
    raw: Sequence[int] = (),
) -> str:
    """An HTML table; cells are escaped unless their column is listed in `raw` (markup built here)."""
    if not rows:
        return '<p class="note">Nothing yet.</p>'
    head = "".join(f"<th>{escape_cell(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            cls = ' class="num"' if i in numeric else ""
            cells.append(f"<td{cls}>{value if i in raw else escape_cell(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def chart_block(svg: str | None, empty: str) -> str:
    return f'<div class="chart">{svg}</div>' if svg else f'<p class="note">{escape_cell(empty)}</p>'
