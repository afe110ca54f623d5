"""The summaries benchmark's printed table, and the seeds' top terms with Python jieba and with rjieba."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jieba

from presswatch.summaries import analyses as summaries

ROOT = Path(__file__).resolve().parent.parent
AGGREGATES = ("volume", "mentions_daily", "top_terms", "stories", "ledger", "searches")


def _num(x: float, whole_above: float = 100) -> str:
    return f"{x:.2g}" if x < 1 else f"{x:,.1f}" if x < whole_above else f"{x:,.0f}"


def _agg(r: dict[str, Any], name: str) -> float:
    """An aggregate's (or sync's, or the checkpoint's) seconds in the daily run: the searches aggregate is
    timed apart from its analysis step, under its own key."""
    daily = r["daily"]
    return float(daily.get(f"{name} (aggregate)", daily[name]) if name in summaries.STEPS else daily[name])


def table(results: list[dict[str, Any]]) -> str:
    sizes = [r["n"] for r in results]
    header = ["", *(f"{n:,}" for n in sizes)]
    lines = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]

    def row(label: str, cell: Callable[[dict[str, Any]], str]) -> None:
        cells = []
        for r in results:
            try:
                cells.append(cell(r))
            except (KeyError, TypeError, ValueError):
                cells.append("")
        lines.append("| " + " | ".join([label, *cells]) + " |")

    def cold(r: dict[str, Any]) -> str:
        est = "" if r.get("cold_measured") else "~"
        return f"{est}{_num(sum(r['cold'].values()))} s (×{sum(r['ratios']['cold'].values()):.2f} jieba)"

    new = results[-1].get("landed", results[-1].get("new", ""))
    row("cold analysis, all five steps (× plain jieba, 1 process)", cold)
    row("full build of every aggregate (× full scan)", lambda r: f"{_num(sum(r['aggregates'].values()))} s"
        f" (×{_num(sum(r['ratios']['aggregates'].values()), 10)})")  # fmt: skip
    row(f"run after +{new} new articles, incremental (× full scan)",
        lambda r: f"{_num(r['daily']['total'])} s (×{_num(r['ratios']['daily']['total'], 10)})")  # fmt: skip
    row(f"  of which analysing the {new} new (× plain jieba of them)", lambda r: "{} s (×{:.2f})".format(
        _num(sum(r["daily"][s] for s in summaries.STEPS)),
        sum(r["daily"][s] for s in summaries.STEPS) * r["baselines"]["daily"]["jieba_articles_per_s"] / r["landed"]))  # fmt: skip
    kept = ("sync", *AGGREGATES, "checkpoint")
    row("  of which aggregates, sync, checkpoint", lambda r: f"{_num(sum(_agg(r, a) for a in kept))} s"
        f" (stories {_num(r['daily']['stories'])} s)")  # fmt: skip
    row("  each (s)", lambda r: ", ".join(f"{a} {_num(_agg(r, a))}" for a in kept))
    row("  CPU s of the run (its process, DuckDB threads included; + its prefetch worker)",
        lambda r: f"{_num(r['daily']['cpu'])} s + {_num(r['daily'].get('worker cpu', 0))} s")
    row("  peak RSS of the run: its process (at its start); + its prefetch worker", lambda r: "{:,.0f} MiB ({:,.0f}); {:,.0f} MiB".format(
        r["daily_rss"]["peak_mib"], r["daily_rss"]["start_mib"], r["daily_rss"]["tree_peak_mib"]))  # fmt: skip
    row("desk steps of the flow (presswatch/desk, not in the run above)", lambda r: "{} s".format(
        _num(r["daily"]["desk: prepare"] + r["daily"]["desk: finish"])))  # fmt: skip
    row("same run, every aggregate rebuilt (baseline)", lambda r: f"{_num(r['daily']['rebuild total'])} s")
    row("slowest README query (× full scan)", lambda r: "{} s (×{})".format(
        _num(max(v for k, v in r["reads"].items() if k.startswith("query"))),
        _num(max(v for k, v in r["ratios"]["reads"].items() if k.startswith("query")), 10)))  # fmt: skip
    row("  the same answers as Python tuples (s)", lambda r: _num(max(
        v for k, v in r["reads"].items() if k.startswith("python rows"))))  # fmt: skip
    row("HTML report (× full scan)", lambda r: f"{_num(r['reads']['HTML report'])} s"
        f" (×{_num(r['ratios']['reads']['HTML report'], 10)})")  # fmt: skip
    row("baselines: plain jieba articles/s; full scan s", lambda r: "{:.1f}/s; {:.2f} s".format(
        r["baselines"]["cold" if "cold" in r["baselines"] else "daily"]["jieba_articles_per_s"],
        r["baselines"]["daily" if "daily" in r["baselines"] else "cold"]["scan_s"]))  # fmt: skip
    row("load average at start / end (1 min)",
        lambda r: f"{r['load_average_at_start'][0]:.1f} / {r['load_average'][0]:.1f}")  # fmt: skip
    row("warehouse size", lambda r: f"{r['db_bytes'] / 1e9:.2f} GB")
    workers = results[-1].get("workers", 2)
    lines += ["", f"cold analysis on {workers} worker processes from {summaries.POOL_MIN_ARTICLES:,} pending articles"
              " (fewer, and the run after new articles: in one process), its ratio to plain jieba.lcut of the same"
              " articles in ONE process, same run; ~ = extrapolated from a measured sample (see --cold-full-max)"]  # fmt: skip
    if any("prefect" in r for r in results):
        p = next(r["prefect"] for r in results if "prefect" in r)
        lines.append(f"Prefect adds {p['overhead_s']:.1f} s per summaries run (not in the times above)")
    return "\n".join(lines)


def seed_terms() -> None:
    """The seeds' top terms with plain Python jieba and with the segmenter the analyses use."""
    from presswatch.summaries import terms
    from presswatch.summaries.watchlist import default_watchlist, jieba_dictionary
    from presswatch.text import normalise_for_match

    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("0*.txt"))]
    wl = default_watchlist()
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for word in jieba_dictionary(wl):
        tokenizer.add_word(word, freq=terms.USER_WORD_FREQ)
    names, stop = terms._prepared(wl)[1], terms.stop_words()

    def plain(text: str) -> Counter[str]:
        tokens = tokenizer.lcut(normalise_for_match(terms._URLISH.sub(" ", text), fold_case=False))
        return Counter(k for k in (terms.term_key(t, names, stop) for t in tokens) if k)

    reference = terms.top_terms([plain(t) for t in texts], 20)
    ours = terms.top_terms([terms.article_terms(t, wl) for t in texts], 20)
    print("seeds' top 20 terms, Python jieba: " + ", ".join(f"{t} {n}" for t, n in reference))
    print("seeds' top 20 terms, rjieba:       " + ", ".join(f"{t} {n}" for t, n in ours))
    print("  identical" if reference == ours else "  DIFFERENT", flush=True)
