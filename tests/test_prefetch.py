"""A run's costliest analyses, computed in a second process while the run does the others (prefetch), give
the rows the same analyses give in process, and the run uses them (real DuckDB files, a real process pool)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from test_incremental import CONFIG, NOW, _corpus, _land

from presswatch import workpool
from presswatch.store import db as warehouse
from presswatch.store import summaries_analyses
from presswatch.store.summaries import summarise
from presswatch.summaries.figures.vocabulary import load_vocabulary
from presswatch.summaries.searches import load_searches

ANALYSIS_TABLES = ("article_terms", "figures", "entity_mentions", "article_signatures", "search_hits")
SUMMARY_TABLES = ("top_terms", "cell_terms", "figure_values", "figure_conflicts", "ledger_reports")


def _run(db: Path, workers: int) -> dict[str, Any]:
    return summarise(str(db), CONFIG, NOW, workers=workers, vocabulary=load_vocabulary(CONFIG.vocabulary_path),
                     searches=load_searches(CONFIG.searches_path))  # fmt: skip


def _tables(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in ANALYSIS_TABLES + SUMMARY_TABLES}


def _two_runs(db: Path, workers: int) -> dict[str, Any]:
    """A first run over a few articles (it records each step's rules), then a run over the rest; the worker
    pool is shut down after, so no test inherits a running pool."""
    rows = _corpus()
    warehouse.prepare(db)
    try:
        _land(db, rows[:8])
        _run(db, workers)
        _land(db, rows[8:])
        return _run(db, workers)
    finally:
        workpool.shutdown_pool()


def test_prefetched_terms_and_figures_are_used_and_equal_the_rows_analysed_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(summaries_analyses, "PREFETCH_MIN_ARTICLES", 1)  # the corpus is ~80 articles
    monkeypatch.setattr(summaries_analyses, "PREFETCH_MIN_MEMBERS", 1)
    prefetched = _two_runs(tmp_path / "prefetched.duckdb", workers=2)
    in_process = _two_runs(tmp_path / "in_process.duckdb", workers=1)
    assert prefetched["prefetched"] == ["figures", "terms"]
    assert in_process["prefetched"] == []
    assert prefetched["terms"] == in_process["terms"] > 50
    got, expected = _tables(tmp_path / "prefetched.duckdb"), _tables(tmp_path / "in_process.duckdb")
    for table in ANALYSIS_TABLES + SUMMARY_TABLES:
        assert got[table] == expected[table], table
    assert expected["article_terms"] and expected["figures"]


def test_a_run_with_too_few_new_articles_analyses_them_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(summaries_analyses, "PREFETCH_MIN_MEMBERS", 1)  # only the new articles are too few
    result = _two_runs(tmp_path / "few.duckdb", workers=2)
    assert 0 < result["terms"] < summaries_analyses.PREFETCH_MIN_ARTICLES
    assert result["prefetched"] == []


def test_a_run_over_a_small_archive_analyses_its_new_articles_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(summaries_analyses, "PREFETCH_MIN_ARTICLES", 1)  # enough new articles, too few members
    result = _two_runs(tmp_path / "small.duckdb", workers=2)
    assert 0 < result["terms"] < summaries_analyses.PREFETCH_MIN_MEMBERS
    assert result["prefetched"] == []
