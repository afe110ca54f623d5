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


Pair = tuple[str | None, float]  # (subject, value) reported in one (quantity, unit) block
# Per (quantity, unit) block and kind ("article" | "story"): each distinct set of pairs that articles
# (stories) report, with how many report exactly that set.
Patterns = dict[tuple[str, str], dict[str, list[tuple[frozenset[Pair], int]]]]


def _postings(patterns: list[tuple[frozenset[Pair], int]]) -> tuple[dict[Pair, set[int]], dict[str, set[int]]]:
    by_pair: dict[Pair, set[int]] = {}
    by_subject: dict[str, set[int]] = {}
    for index, (pairs, _) in enumerate(patterns):
        for subject, value in pairs:
            by_pair.setdefault((subject, value), set()).add(index)
            if subject is not None:
                by_subject.setdefault(subject, set()).add(index)
    return by_pair, by_subject


def recount(values: Columns, conflicts: Columns, patterns: Patterns) -> None:
    """Set n_articles (and n_stories for values) of ledger_frames' columns, which compared one row per
    outlet, to the articles (stories) whose figure rows joined each value or conflict.

    A value (subject, v) counts the articles reporting v with that subject, plus those reporting v with
    no subject when their rows joined this subject (figures._partitions: no subject-less group has v,
    so they went to the one subject that reported v). A conflict counts the articles reporting its
    subject, plus the subject-less ones whose rows joined it. Counted from per-block patterns (what each
    article or story reports), so a count never needs the articles themselves."""
    blocks = {(q, u) for q, u in zip(values["quantity"], values["unit"], strict=True)}
    none_values = {
        (q, u, v) for q, u, s, v in zip(values["quantity"], values["unit"], values["subject"], values["value"], strict=True)
        if s is None
    }  # fmt: skip
    joined: dict[tuple[str, str], set[float]] = {}
    index: dict[tuple[str, str, str], tuple[list[tuple[frozenset[Pair], int]], dict[Pair, set[int]], dict[str, set[int]]]] = {}
    for block in blocks:
        kinds = patterns.get(block, {})
        for kind in ("article", "story"):
            rows = kinds.get(kind, [])
            index[(*block, kind)] = (rows, *_postings(rows))
        null_values = {v for s, v in index[(*block, "article")][1] if s is None}
        joined[block] = {v for v in null_values if (*block, v) not in none_values}

    def total(block: tuple[str, str], kind: str, wanted: list[Pair], subject: str | None = None) -> int:
        rows, by_pair, by_subject = index[(*block, kind)]
        hits: set[int] = set().union(*(by_pair.get(p, set()) for p in wanted))
        if subject is not None:
            hits |= by_subject.get(subject, set())
        return sum(rows[i][1] for i in hits)

    n_articles, n_stories = [], []
    for q, u, s, v in zip(values["quantity"], values["unit"], values["subject"], values["value"], strict=True):
        wanted: list[Pair] = [(s, v)] + ([(None, v)] if s is not None and v in joined[(q, u)] else [])
        n_articles.append(total((q, u), "article", wanted))
        n_stories.append(total((q, u), "story", wanted))
    values["n_articles"], values["n_stories"] = n_articles, n_stories
    counted = []
    for q, u, s, value_list in zip(
        conflicts["quantity"], conflicts["unit"], conflicts["subject"], conflicts["value_list"], strict=True
    ):
        nulls: list[Pair] = [(None, v) for v in value_list if v in joined.get((q, u), set())]
        counted.append(total((q, u), "article", nulls, subject=s))
    conflicts["n_articles"] = counted
