"""The shared worker pool: when a run's few new articles are analysed on it, and that it changes no row."""

from __future__ import annotations

from pathlib import Path

from presswatch import workpool
from presswatch.summaries import analyses

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_a_runs_new_articles_stay_in_process_unless_the_workers_already_run() -> None:
    some = analyses.POOL_MIN_ARTICLES - 1
    assert analyses.analysis_workers(some, 2, pool_ready=False) == 1
    assert analyses.analysis_workers(some, 2, pool_ready=True) == 2
    assert analyses.analysis_workers(analyses.POOL_READY_MIN_ARTICLES - 1, 2, pool_ready=True) == 1
    assert analyses.analysis_workers(analyses.POOL_MIN_ARTICLES, 2, pool_ready=False) == 2


def test_the_pool_is_ready_only_once_started_and_only_at_its_size() -> None:
    workpool.shutdown_pool()
    assert not workpool.is_ready(2)
    workpool.local_pool(2)
    try:
        assert workpool.is_ready(2)
        assert not workpool.is_ready(3)
    finally:
        workpool.shutdown_pool()
    assert not workpool.is_ready(2)


def test_every_step_gives_the_same_rows_on_the_pool_as_in_process() -> None:
    articles = [
        {"article_id": path.stem, "title": None, "text": path.read_text(encoding="utf-8"), "outlet": None}
        for path in sorted(SEEDS.glob("*.txt"))
    ] * 2  # enough for the pool's slices
    config = analyses.AnalysisConfig()
    try:
        for step in analyses.STEPS:
            pooled = analyses.analyse_many(step, articles, config, workers=2)
            assert pooled == analyses.analyse(step, articles, config), step
            assert any(pooled.values()), f"{step} produced no rows: the comparison would be empty"
    finally:
        workpool.shutdown_pool()
