"""Warm the analysis workers before timing them: benchmark-only, so not part of the product."""

from __future__ import annotations

from presswatch.summaries.analyses import STEPS, AnalysisConfig, analyse
from presswatch.workpool import get_pool

_WARM_UP = {
    "article_id": "warm-up",
    "title": "DeepSeek",
    "text": "英伟达股价下跌17%，市值蒸发5890亿美元。",
    "outlet": None,
}


def _warm(config: AnalysisConfig) -> None:
    for step in STEPS:
        analyse(step, [_WARM_UP], config)


def warm_pool(workers: int, config: AnalysisConfig) -> None:
    """Start the workers and load their dictionaries (jieba, watchlist) now, e.g. before timing them."""
    if workers > 1:
        list(get_pool(workers).map(_warm, [config] * workers * 2))
    _warm(config)
