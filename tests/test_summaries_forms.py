"""The analyses share one NFKC pass per article between steps: their rows equal those of the plain
per-text functions (full-width and traditional text, links, titles or not)."""

from __future__ import annotations

import numpy as np

from presswatch.summaries import analyses
from presswatch.summaries.searches import matches
from presswatch.summaries.stories import minhash_signature
from presswatch.summaries.terms import article_terms
from presswatch.summaries.watchlist import load_watchlist
from presswatch.text import normalise_for_match

CONFIG = analyses.AnalysisConfig()
ARTICLES = [
    {"article_id": "a", "title": "ＤｅｅｐＳｅｅｋ發佈新模型", "text": "訓練成本５５７.６萬美元，英偉達股價下跌１７％。", "outlet": "x"},
    {"article_id": "b", "title": None, "text": "详见 https://example.com/a?b=1 ，DeepSeek-R1 开源。", "outlet": "y"},
    {"article_id": "c", "title": "只有标题", "text": "", "outlet": None},
    {"article_id": "d", "title": "ＡＩ：", "text": "\u0301开头是组合符号的正文，OpenAI 与 Ｎｖｉｄｉａ。", "outlet": "z"},
]


def test_shared_normal_forms_give_the_rows_of_the_plain_functions():
    analyses._NFKC_FORMS.clear()
    analyses._MATCH_FORMS.clear()
    columns = {step: analyses.analyse(step, ARTICLES, CONFIG) for step in analyses.STEPS}
    for article, blob in zip(ARTICLES, columns["signatures"]["signature"], strict=True):
        assert np.array_equal(np.frombuffer(blob, dtype=np.uint32), minhash_signature(article["text"]))
    watchlist = load_watchlist(CONFIG.watchlist_path)
    for article in ARTICLES:
        body = "\n".join(p for p in (article["title"], article["text"]) if p)
        expected = sorted((-n, t) for t, n in article_terms(body, watchlist).items())[: analyses.TERMS_PER_ARTICLE]
        got = [(-n, t) for aid, t, n in zip(*columns["terms"].values(), strict=True) if aid == article["article_id"]]
        assert got == expected
        assert analyses.match_form(body) == normalise_for_match(body)
    searched = analyses._searches(CONFIG.searches_path)
    expected_hits = {(s.name, a["article_id"]) for a in ARTICLES for s in searched
                     if matches(s.ast, normalise_for_match("\n".join(p for p in (a["title"], a["text"]) if p)))}  # fmt: skip
    assert set(zip(columns["searches"]["search"], columns["searches"]["article_id"], strict=True)) == expected_hits
    assert expected_hits  # the check can fail: some article matches some saved search
