"""Frames for the ledger of figures: figure rows as figures.py compares them, and the results as
column dicts for the figure_values and figure_conflicts tables. Plain functions: no Prefect, no DuckDB.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from presswatch.summaries.figures.figures import Figure, find_conflicts, group_values
from presswatch.summaries.figures.vocabulary import Vocabulary

Columns = dict[str, list[Any]]


def comparison_rows(records: Iterable[dict[str, Any]]) -> list[tuple[str, str | None, Figure]]:
    """(article_id, outlet, Figure) rows for find_conflicts, from figures table records."""
    return [
        (
            r["article_id"],
            r.get("outlet"),
            Figure(
                value=float(r["value"]),
                unit=r["unit"],
                quantity=r["quantity"],
                subject=r.get("subject"),
                approx=bool(r.get("approx")),
                qualifier=r.get("qualifier"),
                raw=r.get("raw") or "",
                sentence=r.get("sentence") or "",
                start=int(r.get("start") or 0),
            ),
        )
        for r in records
    ]


def _group_key(quantity: str, subject: str | None, unit: str) -> tuple[str, str, str]:
    return quantity, subject or "", unit


_VALUE_COLUMNS = (
    "quantity", "subject", "unit", "value", "n_articles", "n_outlets", "outlets", "article_ids", "raws", "conflicted",
)  # fmt: skip
_CONFLICT_COLUMNS = (
    "quantity", "subject", "unit", "value_list", "min_value", "max_value", "spread", "n_values", "n_articles",
    "n_outlets", "outlets", "article_ids",
)  # fmt: skip


def ledger_frames(
    rows: list[tuple[str, str | None, Figure]], vocabulary: Vocabulary, rel_tolerance: float = 0.0
) -> tuple[Columns, Columns]:
    """(figure_values, figure_conflicts) column dicts: every reported value with who reported it, and
    every quantity reported with different values, with its spread. n_articles counts the rows' articles;
    the caller recounts it when rows were collapsed to one per outlet."""
    conflicts = find_conflicts(rows, vocabulary, rel_tolerance)
    conflicted = {_group_key(c.quantity, c.subject, c.unit) for c in conflicts}
    values: Columns = {k: [] for k in _VALUE_COLUMNS}
    for g in group_values(rows, vocabulary, rel_tolerance):
        record: dict[str, object] = {
            "quantity": g.quantity, "subject": g.subject, "unit": g.unit, "value": g.value,
            "n_articles": len(g.article_ids), "n_outlets": len(g.outlets), "outlets": g.outlets,
            "article_ids": g.article_ids, "raws": g.raws,
            "conflicted": _group_key(g.quantity, g.subject, g.unit) in conflicted,
        }  # fmt: skip
        for key in _VALUE_COLUMNS:
            values[key].append(record[key])
    out: Columns = {k: [] for k in _CONFLICT_COLUMNS}
    for c in conflicts:
        record = {
            "quantity": c.quantity, "subject": c.subject, "unit": c.unit, "value_list": list(c.values),
            "min_value": c.min, "max_value": c.max, "spread": None if math.isinf(c.spread) else c.spread,
            "n_values": len(c.values), "n_articles": len(c.article_ids),
            "n_outlets": len(c.outlets), "outlets": c.outlets, "article_ids": c.article_ids,
        }  # fmt: skip
        for key in _CONFLICT_COLUMNS:
            out[key].append(record[key])
    return values, out
