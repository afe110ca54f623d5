"""Per-article analyses behind the summaries, and the frames the summary tables are built from.

Each analysis step reads articles (dicts with article_id, title, text, outlet) and returns rows for one
table, as a column dict ready for a DataFrame. Every step has a fingerprint of its rules (the config file
it reads and the source of the modules that compute it): an article is analysed once per fingerprint,
and a changed watchlist or extractor re-analyses everything once. Large batches are spread over a
process pool: the analyses are Python and regexes around rjieba (Rust) and hold the GIL; small batches
(a run's new articles) stay in the calling process, see POOL_MIN_ARTICLES.

Plain functions: no Prefect, no DuckDB.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from pathlib import Path
from typing import Any

import numpy as np

from presswatch.settings import SEEDS_DIR, Settings
from presswatch.summaries.searches import DEFAULT_SEARCHES, SavedSearch, load_searches, matches
from presswatch.summaries.stories import StoryAssignment, StoryInput, minhash_signature
from presswatch.summaries.terms import _URLISH as URLISH
from presswatch.summaries.terms import article_terms, may_hold_link
from presswatch.summaries.watchlist import DEFAULT_WATCHLIST, Watchlist, _collapse, load_watchlist
from presswatch.text import nfkc, to_simplified
from presswatch.workpool import get_pool
from presswatch.workpool import (
    shutdown_pool as shutdown_pool,  # re-exported for callers that time cold starts
)

STEPS = ("mentions", "terms", "figures", "signatures", "searches")
TERMS_PER_ARTICLE = 30  # per-article top terms kept: full counters would be ~400 rows per article
TOP_TERMS = 20  # terms kept per day and outlet
# Below this many articles to analyse in a run, every step runs in the calling process: spawning workers
# (interpreter, imports, dictionaries, ~3-10 s each on a busy machine) costs more than the second core saves
# on a run's new articles (1,000 articles: ~10-20 s for all five steps in one process). A cold build or a
# re-analysis after a rule change is far above it and uses every worker.
POOL_MIN_ARTICLES = 5000
POOL_READY_MIN_ARTICLES = 500


def analysis_workers(pending: int, workers: int, pool_ready: bool) -> int:
    """Processes to analyse `pending` articles on: one below POOL_MIN_ARTICLES, unless the workers are
    already running (a `presswatch run` whose extraction started them, or a Dask cluster) and there are at
    least POOL_READY_MIN_ARTICLES: a worker's first analysis loads its tokenizers and tables (~0.6 CPU s),
    which a few articles do not repay (1,000 bench articles: 5.2-6.3 s in process, 3.3-4.8 s on a running
    pool of 2; the tests' few-article runs were ~14 % slower on it)."""
    if pending >= POOL_MIN_ARTICLES or (pool_ready and pending >= POOL_READY_MIN_ARTICLES):
        return workers
    return 1

# What each step's results depend on besides its config file: a change in these modules re-analyses.
_STEP_MODULES = {
    "mentions": ("presswatch.summaries.watchlist",),
    "terms": ("presswatch.summaries.terms", "presswatch.summaries.watchlist"),
    "figures": (
        "presswatch.summaries.figures.figures",
        "presswatch.summaries.figures.quantities",
        "presswatch.summaries.figures.vocabulary",
        "presswatch.summaries.stories",
    ),
    "signatures": ("presswatch.summaries.stories",),
    "searches": ("presswatch.summaries.searches", "presswatch.summaries.watchlist"),
}

DEFAULT_VOCABULARY = SEEDS_DIR / "vocabulary.yaml"


@dataclass(frozen=True)
class AnalysisConfig:
    """The subject files the per-article analyses read (paths as strings: sent to worker processes)."""

    watchlist_path: str = str(DEFAULT_WATCHLIST)
    searches_path: str = str(DEFAULT_SEARCHES)
    vocabulary_path: str = str(DEFAULT_VOCABULARY)

    @classmethod
    def from_settings(cls, settings: Settings) -> AnalysisConfig:
        return cls(
            watchlist_path=str(settings.watchlist_path),
            searches_path=str(settings.searches_path),
            vocabulary_path=str(settings.vocabulary_path),
        )

    def config_file(self, step: str) -> str | None:
        return {
            "mentions": self.watchlist_path,
            "terms": self.watchlist_path,
            "searches": self.searches_path,
            "figures": self.vocabulary_path,
        }.get(step)


def fingerprint(step: str, config: AnalysisConfig) -> str:
    digest = hashlib.sha256(f"{step}|{TERMS_PER_ARTICLE}".encode())
    config_file = config.config_file(step)
    if config_file:
        digest.update(Path(config_file).read_bytes())
    for module in _STEP_MODULES[step]:
        spec = importlib.util.find_spec(module)
        if spec and spec.origin:
            digest.update(Path(spec.origin).read_bytes())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=4)
def _watchlist(path: str) -> Watchlist:
    return load_watchlist(path)


@lru_cache(maxsize=4)
def _searches(path: str) -> tuple[SavedSearch, ...]:
    return tuple(load_searches(path))


def _body(article: dict[str, Any]) -> str:
    return "\n".join(p for p in (article.get("title"), article.get("text")) if p)


Columns = dict[str, list[Any]]


# NFKC and normalise_for_match() of recent articles' bodies: a run's new articles pass through mentions,
# terms, signatures and searches in this process one step after the other (the two forms: ~0.2 ms per
# article since text.py's array paths, ~1.2 ms before). Bounded (a few thousand bodies), and only a
# cache: both forms are pure functions of the body.
_FORMS_MAX = 3000
_NFKC_FORMS: dict[str, str] = {}
_MATCH_FORMS: dict[str, str] = {}


def _remember(cache: dict[str, str], body: str, form: str) -> str:
    if len(cache) >= _FORMS_MAX:
        del cache[next(iter(cache))]  # the oldest: dicts keep insertion order
    cache[body] = form
    return form


def nfkc_form(body: str) -> str:
    form = _NFKC_FORMS.get(body)
    return form if form is not None else _remember(_NFKC_FORMS, body, nfkc(body))


def match_form(body: str) -> str:
    """normalise_for_match(body), from the shared NFKC form."""
    form = _MATCH_FORMS.get(body)
    return form if form is not None else _remember(_MATCH_FORMS, body, to_simplified(nfkc_form(body).casefold()))


def _text_nfkc(article: dict[str, Any]) -> str:
    """nfkc(text), cut from the body's NFKC form: NFKC(title + "\n" + text) is NFKC(title) + "\n" +
    NFKC(text), as a newline neither composes nor reorders with its neighbours."""
    title, text = article.get("title"), article.get("text") or ""
    if not title or not text:
        return nfkc_form(text) if not title else nfkc(text)
    return nfkc_form(_body(article))[len(nfkc(title)) + 1 :]


def count_mentions(watchlist: Watchlist, body: str) -> Counter[str]:
    """Mentions per entity in a body: watchlist.find_mentions() counted, without the offsets it maps back
    (normalise_for_match_with_offsets gives the same text as normalise_for_match, at twice the cost)."""
    counts: Counter[str] = Counter()
    if not body or not watchlist.entities:
        return counts
    for match in watchlist._pattern.finditer(match_form(body)):
        hit = watchlist._lookup[_collapse(match.group())]
        if hit is not None:
            counts[hit[0]] += 1
    return counts


def mention_rows(articles: Sequence[dict[str, Any]], config: AnalysisConfig) -> Columns:
    watchlist = _watchlist(config.watchlist_path)
    types = {e.name: e.type for e in watchlist.entities}
    out: Columns = {"article_id": [], "entity": [], "entity_type": [], "mentions": []}
    for article in articles:
        counts = count_mentions(watchlist, _body(article))
        for entity, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            out["article_id"].append(article["article_id"])
            out["entity"].append(entity)
            out["entity_type"].append(types.get(entity, "org"))
            out["mentions"].append(n)
    return out


def term_rows(articles: Sequence[dict[str, Any]], config: AnalysisConfig) -> Columns:
    watchlist = _watchlist(config.watchlist_path)
    out: Columns = {"article_id": [], "term": [], "n": []}
    for article in articles:
        body = _body(article)
        # Without a link to cut, the terms' form is the shared NFKC form simplified (same string).
        linked = may_hold_link(body) and URLISH.search(body) is not None
        normalised = None if linked else to_simplified(nfkc_form(body))
        counts = article_terms(body, watchlist, normalised=normalised)
        for minus_n, term in top_pairs(counts, TERMS_PER_ARTICLE):
            out["article_id"].append(article["article_id"])
            out["term"].append(term)
            out["n"].append(-minus_n)
    return out


def top_pairs(counts: dict[str, int], k: int) -> list[tuple[int, str]]:
    """sorted((-n, term) for each term)[:k], sorting only the terms counted at least as often as the k-th
    most frequent: an article has ~1,500 terms, most of them once (the pairs are distinct, so no tie
    between them can depend on which others were dropped)."""
    if len(counts) > k:
        floor = sorted(counts.values(), reverse=True)[k - 1]
        kept = compress(counts.items(), map(floor.__le__, counts.values()))
        return sorted([(-n, term) for term, n in kept])[:k]
    return sorted([(-n, term) for term, n in counts.items()])


FIGURE_COLUMNS = ("value", "unit", "quantity", "subject", "approx", "qualifier", "raw", "sentence", "start")


def figure_rows(articles: Sequence[dict[str, Any]], config: AnalysisConfig) -> Columns:
    from presswatch.summaries.figures.figures import extract_figures
    from presswatch.summaries.figures.vocabulary import load_vocabulary

    vocabulary = load_vocabulary(config.vocabulary_path)  # cached per file: workers read it once
    out: Columns = {k: [] for k in ("article_id", "outlet", *FIGURE_COLUMNS)}
    for article in articles:
        for figure in extract_figures(article.get("text") or "", vocabulary):
            out["article_id"].append(article["article_id"])
            out["outlet"].append(article.get("outlet"))
            for key in FIGURE_COLUMNS:
                out[key].append(getattr(figure, key))
    return out


def signature_rows(articles: Sequence[dict[str, Any]], config: AnalysisConfig) -> Columns:
    return {
        "article_id": [a["article_id"] for a in articles],
        "signature": [minhash_signature(_text_nfkc(a), nfkc_done=True).tobytes() for a in articles],
    }


def search_rows(articles: Sequence[dict[str, Any]], config: AnalysisConfig) -> Columns:
    """searches.search_hits(), on the bodies' match forms shared with the mentions step."""
    searches = _searches(config.searches_path)
    out: Columns = {"search": [], "article_id": []}
    for article in articles:
        text = match_form(_body(article))
        for search in searches:
            if matches(search.ast, text):
                out["search"].append(search.name)
                out["article_id"].append(article["article_id"])
    return out


ANALYSES: dict[str, Callable[[Sequence[dict[str, Any]], AnalysisConfig], Columns]] = {
    "mentions": mention_rows,
    "terms": term_rows,
    "figures": figure_rows,
    "signatures": signature_rows,
    "searches": search_rows,
}


def analyse(step: str, articles: Sequence[dict[str, Any]], config: AnalysisConfig) -> Columns:
    return ANALYSES[step](articles, config)


def _merge(parts: Iterable[Columns]) -> Columns:
    merged: Columns = {}
    for part in parts:
        for key, values in part.items():
            merged.setdefault(key, []).extend(values)
    return merged


def analyse_many(
    step: str, articles: Sequence[dict[str, Any]], config: AnalysisConfig, workers: int
) -> Columns:
    """analyse() over a batch, across `workers` processes (in this one when workers <= 1)."""
    if workers <= 1 or len(articles) < 2 * workers:
        return analyse(step, articles, config)
    size = math.ceil(len(articles) / (workers * 4))
    slices = [list(articles[i : i + size]) for i in range(0, len(articles), size)]
    pool = get_pool(workers)
    return _merge(pool.map(analyse, [step] * len(slices), slices, [config] * len(slices)))


# ---- stories ---------------------------------------------------------------------------------------------


def story_inputs(rows: Iterable[dict[str, Any]]) -> list[StoryInput]:
    """StoryInputs without text: grouping works on stored signatures, so texts need not be held in memory."""
    return [
        StoryInput(
            article_id=r["article_id"],
            outlet=r.get("outlet"),
            title=r.get("title"),
            text="",
            published_at=r.get("published_at"),
            attributions=tuple(r.get("attributions") or ()),
        )
        for r in rows
    ]


def signatures_by_id(article_ids: Sequence[str], blobs: Sequence[bytes]) -> dict[str, np.ndarray]:
    return {aid: np.frombuffer(blob, dtype=np.uint32) for aid, blob in zip(article_ids, blobs, strict=True)}


def member_rows(assignments: Iterable[StoryAssignment]) -> Columns:
    out: Columns = {
        k: [] for k in ("story_id", "article_id", "similarity", "original_article_id", "link_reason")
    }
    for a in assignments:
        for key in out:
            out[key].append(getattr(a, key))
    return out
