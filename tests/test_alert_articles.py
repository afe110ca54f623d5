"""A match alert keeps its article's title, outlet and URL (migration 018), so summary_open_alerts reads the
alerts alone instead of joining every open alert with the articles.

Real DuckDB files; alerts raised by the real summaries run (presswatch.store.summaries.summarise, no Prefect);
the backfill by the real migration, applied to a warehouse migrated up to 017.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from presswatch.settings import SQL_DIR
from presswatch.store import db as warehouse
from presswatch.store.summaries import summarise
from presswatch.summaries.analyses import AnalysisConfig
from presswatch.summaries.figures.vocabulary import load_vocabulary
from presswatch.summaries.searches import load_searches

CONFIG = AnalysisConfig()  # seeds/searches.yaml: `deepseek` is DeepSeek OR 深度求索
NOW = datetime(2026, 1, 1, tzinfo=UTC)
# article title -> (outlet, platform, url, the outlet the alert shows: coalesce(outlet, platform))
ARTICLES = {
    "DeepSeek 发布新一代推理模型": ("观察者网", None, "https://example.org/deepseek-r2", "观察者网"),
    "深度求索开源其大模型权重": (None, "微博", "https://weibo.example/status/42", "微博"),
}


def _article(title: str, outlet: str | None, platform: str | None, url: str) -> dict[str, Any]:
    text = f"{title}\n据报道，该公司本周公布了新的进展，业内人士认为这将影响行业格局。"
    article_id = hashlib.sha256(text.encode()).hexdigest()
    return {
        "article_id": article_id, "doc_sha256": article_id, "source": url, "story_key": url, "version": 1,
        "title": title, "title_derived": False, "text": text, "published_at": "2025-03-02T09:00:00+08:00",
        "published_utc": pd.Timestamp("2025-03-02T01:00:00Z"), "outlet": outlet, "platform": platform,
        "url": url, "language": "zh", "script": "Hans", "extractor_version": "test", "landed_at": NOW,
    }  # fmt: skip


def _land(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str, str]]:
    """The articles landed; returns what each one's match alert should show: article_id -> (title, outlet, url)."""
    rows = [_article(title, outlet, platform, url) for title, (outlet, platform, url, _) in ARTICLES.items()]
    frame = pd.DataFrame(rows)
    frame["published_utc"] = pd.to_datetime(frame["published_utc"], utc=True)
    warehouse.insert_frame(con, "articles", frame)
    return {r["article_id"]: (r["title"], ARTICLES[r["title"]][3], r["url"]) for r in rows}


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def summarised(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple[str, str, str]]]:
    db = tmp_path_factory.mktemp("alerts") / "w.duckdb"
    warehouse.prepare(db)
    with warehouse.connection(db) as con:
        expected = _land(con)
    summarise(str(db), CONFIG, NOW, vocabulary=load_vocabulary(CONFIG.vocabulary_path),
              searches=load_searches(CONFIG.searches_path))  # fmt: skip
    return db, expected


def test_a_raised_match_alert_carries_its_articles_title_outlet_and_url(summarised):
    db, expected = summarised
    stored = _rows(db, "SELECT article_id, title, outlet, url FROM alerts WHERE kind = 'match' AND search = 'deepseek'")
    assert {aid: (title, outlet, url) for aid, title, outlet, url in stored} == expected


def test_the_open_alerts_view_returns_them_without_reading_the_articles(summarised):
    db, expected = summarised
    shown = _rows(db, "SELECT article_id, title, outlet, url FROM summary_open_alerts WHERE search = 'deepseek'")
    assert {aid: (title, outlet, url) for aid, title, outlet, url in shown} == expected
    plan = "\n".join(r[1] for r in _rows(db, "EXPLAIN SELECT * FROM summary_open_alerts LIMIT 20"))
    assert "alerts" in plan and "articles" not in plan


def test_the_migration_fills_alerts_raised_before_it(tmp_path: Path):
    before = tmp_path / "sql"  # the warehouse's SQL as it was before 018
    (before / "migrations").mkdir(parents=True)
    for path in sorted((SQL_DIR / "migrations").glob("[0-9][0-9][0-9]_*.sql")):
        if int(path.name[:3]) < 18:
            shutil.copy(path, before / "migrations" / path.name)
    db = tmp_path / "w.duckdb"
    with warehouse.connection(db) as con:
        warehouse.migrate(con, before)
        expected = _land(con)
        # The alerts as the summaries run wrote them before 018: a match per article and a spike day.
        con.execute(
            "INSERT INTO alerts (alert_id, kind, search, article_id, day, count, baseline, ratio, created_at, status)"
            " SELECT 'm' || article_id[:8], 'match', 'deepseek', article_id, DATE '2025-03-02', NULL, NULL, NULL, ?,"
            " 'acknowledged' FROM articles"
            " UNION ALL SELECT 'spike1', 'spike', 'deepseek', NULL, DATE '2025-03-02', 2, 0.5, 4.0, ?, 'open'",
            [NOW, NOW],
        )
        assert warehouse.migrate(con)[0] == "018_alert_articles.sql"
        matches = con.execute("SELECT article_id, title, outlet, url FROM alerts WHERE kind = 'match'").fetchall()
        spikes = con.execute("SELECT title, outlet, url FROM alerts WHERE kind = 'spike'").fetchall()
    assert {aid: (title, outlet, url) for aid, title, outlet, url in matches} == expected
    assert spikes == [(None, None, None)]
