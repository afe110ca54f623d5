"""Charts for the HTML report: matplotlib figures returned as inline SVG.

Text stays text in the SVG (svg.fonttype none): the page is searchable, and Chinese outlet and entity
names are drawn by the browser. matplotlib still needs a CJK font to measure them; without one
(fonts-noto-cjk is not installed) labels are laid out with DejaVu metrics and the browser's fallback
fonts draw them.
"""

from __future__ import annotations

import io
import re
import warnings
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from functools import cache

import matplotlib
import numpy as np

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

MAX_SERIES = 8
MAX_CONFLICT_VALUES = 15
PALETTE = ["#3366aa", "#dd7733", "#55aa55", "#cc4444", "#8866bb", "#887766", "#dd77bb", "#888888", "#bbbb44"]
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
)


@cache
def cjk_font() -> str | None:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FAMILIES if name in installed), None)


@contextmanager
def _style() -> Iterator[None]:
    families = [f for f in (cjk_font(), "DejaVu Sans") if f]
    with plt.rc_context(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "presswatch",  # stable element ids: the same data gives the same file
            "font.family": "sans-serif",
            "font.sans-serif": families,
            "font.size": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
        }
    ):
        yield


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    with warnings.catch_warnings():
        # Without a CJK font matplotlib warns once per missing glyph (see the module docstring: the browser
        # draws them); one report printed hundreds of those lines.
        warnings.filterwarnings("ignore", r"Glyph \d+ .* missing from font", UserWarning)
        fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return re.sub(r"^.*?(<svg)", r"\1", text, count=1, flags=re.DOTALL)  # inline: no XML prolog or doctype


def _bucket(day: date, weekly: bool) -> date:
    return day - timedelta(days=day.weekday()) if weekly else day


def volume_chart(rows: Sequence[tuple[date, str, int]]) -> str | None:
    """Stacked bars of articles per day (per week past 90 days) for the biggest outlets, the rest as 'other'."""
    dated = [(d, o, n) for d, o, n in rows if d is not None]
    if not dated:
        return None
    weekly = (max(d for d, _, _ in dated) - min(d for d, _, _ in dated)).days > 90
    totals: dict[str, int] = defaultdict(int)
    for _, outlet, n in dated:
        totals[outlet] += n
    top = [o for o, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_SERIES]]
    series: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for day, outlet, n in dated:
        series[outlet if outlet in top else "other"][_bucket(day, weekly)] += n
    days = sorted({b for s in series.values() for b in s})
    with _style():
        fig, ax = plt.subplots(figsize=(7.5, 3.4))
        names = [*top, "other"] if "other" in series else top
        colors = [PALETTE[i % len(PALETTE)] for i in range(len(names))]
        stacks = [[series[name].get(d, 0) for d in days] for name in names]
        x = np.array(days, dtype="datetime64[D]")  # matplotlib's date axis, and typed for mypy
        if len(days) > 40:  # one polygon per outlet: hundreds of bars would bloat the SVG and blur
            ax.stackplot(x, stacks, labels=names, colors=colors, step="post")
        else:
            bottom = [0] * len(days)
            for name, heights, color in zip(names, stacks, colors, strict=True):
                ax.bar(x, heights, width=6 if weekly else 0.8, bottom=bottom, label=name, color=color)
                bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        ax.set_ylabel("articles per week" if weekly else "articles per day")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        fig.autofmt_xdate()
        return _svg(fig)


def share_chart(rows: Sequence[tuple[str, float]]) -> str | None:
    """Horizontal bars: each entity's share of all watchlist mentions over the whole period."""
    if not rows:
        return None
    rows = list(rows)[:12][::-1]
    with _style():
        fig, ax = plt.subplots(figsize=(7, 0.35 * len(rows) + 0.8))
        ax.barh([e for e, _ in rows], [100 * s for _, s in rows], color=PALETTE[0])
        for y, (_, share) in enumerate(rows):
            ax.text(100 * share, y, f" {100 * share:.1f}%", va="center", fontsize=9)
        ax.set_xlabel("share of voice, % of all watchlist mentions")
        ax.grid(axis="y", visible=False)
        return _svg(fig)


def share_over_time_chart(rows: Sequence[tuple[date, str, float]], entities: Sequence[str]) -> str | None:
    """Lines of daily (weekly past 90 days) share of voice for a few entities; None with under 5 points."""
    dated = [(d, e, s) for d, e, s in rows if d is not None and e in entities]
    if len({d for d, _, _ in dated}) < 5:
        return None
    weekly = (max(d for d, _, _ in dated) - min(d for d, _, _ in dated)).days > 90
    points: dict[str, dict[date, list[float]]] = defaultdict(lambda: defaultdict(list))
    for day, entity, share in dated:
        points[entity][_bucket(day, weekly)].append(share)
    with _style():
        fig, ax = plt.subplots(figsize=(10, 3.2))
        for i, entity in enumerate(entities):
            series = sorted(points[entity].items())
            ax.plot(np.array([d for d, _ in series], dtype="datetime64[D]"), [100 * sum(v) / len(v) for _, v in series], label=entity,
                    color=PALETTE[i % len(PALETTE)], linewidth=1.5)  # fmt: skip
        ax.set_ylabel("% of mentions")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        fig.autofmt_xdate()
        return _svg(fig)


def conflict_chart(values: Sequence[tuple[float, Sequence[str]]], label: str) -> str | None:
    """One quantity reported differently: each value as a dot, labelled with the outlets that reported it."""
    if len(values) < 2:
        return None
    if len(values) > MAX_CONFLICT_VALUES:  # the extremes, and the values most outlets reported
        ends = {0, len(values) - 1}
        busiest = sorted(range(1, len(values) - 1), key=lambda i: -len(values[i][1]))[
            : MAX_CONFLICT_VALUES - 2
        ]
        values = [values[i] for i in sorted(ends | set(busiest))]
    with _style():
        fig, ax = plt.subplots(figsize=(10, 0.45 * len(values) + 1.0))
        for y, (value, outlets) in enumerate(values):
            ax.plot([value], [y], "o", color=PALETTE[3 if y in (0, len(values) - 1) else 0], markersize=8)
            ax.annotate("、".join(outlets), (value, y), xytext=(8, 0), textcoords="offset points", va="center",
                        fontsize=9)  # fmt: skip
        ax.set_yticks(range(len(values)), [format_value(v) for v, _ in values])
        ax.set_xlabel(label)
        ax.margins(x=0.35, y=0.3)
        ax.xaxis.set_major_formatter(lambda v, _pos: format_value(v))
        return _svg(fig)


def format_value(value: float) -> str:
    """5500000 -> '5.5M', 15.6 -> '15.6'; exact to four significant digits, no trailing zeros."""
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.4g}{suffix}"
    return f"{value:.4g}"
