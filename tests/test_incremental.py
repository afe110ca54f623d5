"""Incremental summaries equal a full rebuild: the same articles, arriving in different orders and batch
sizes (new versions superseding old ones included), leave every summary table row-for-row identical.

Real DuckDB files and the real analyses (no Prefect here: presswatch.store.summaries.summarise runs the
steps in the flow's order; tests/test_summary_flows.py runs the flow with --rebuild)."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from presswatch.store import db as warehouse
from presswatch.store.summaries import summarise
from presswatch.summaries.analyses import AnalysisConfig
from presswatch.summaries.figures.vocabulary import load_vocabulary
from presswatch.summaries.searches import load_searches
from presswatch.text import _t2s, to_simplified

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "summaries"
CONFIG = AnalysisConfig()
NOW = datetime(2026, 1, 1, tzinfo=UTC)
OUTLETS = ("时代周报", "观察者网", "纽约时报中文网", "中國工業報")

# Every summary table an aggregate writes, compared whole; alerts separately (they are a log).
TABLES = (
    "volume_daily", "mentions_daily", "top_terms", "cell_terms", "search_daily", "search_spikes", "stories", "story_members",
    "figure_values", "figure_conflicts", "summary_volume", "summary_mentions_daily", "summary_share_of_voice",
    "summary_search_daily", "summary_figure_agreements", "ledger_reports", "ledger_patterns", "ledger_members",
)  # fmt: skip
# The match alerts of current articles: every order must raise them (an article superseded before some run
# saw it may or may not have been alerted, which is what an alert log is for).
CURRENT_MATCHES = (
    "SELECT alert_id, search, article_id, day FROM alerts WHERE kind = 'match'"
    " AND article_id IN (SELECT article_id FROM summary_members WHERE current)"
)


def _corpus() -> list[dict[str, Any]]:
    """The seeds, their derived copies and 62 unrelated news texts, spread over 24 days and 4 outlets (by a
    hash of the name, so the corpus is fixed), plus second versions of three articles."""
    paths = [*sorted((ROOT / "seeds").glob("0*.txt")), *sorted((FIXTURES / "derived").glob("*.txt")),
             *sorted((FIXTURES / "dev_texts").glob("*.txt"))]  # fmt: skip
    rows = []
    for i, path in enumerate(paths):
        text = path.read_text(encoding="utf-8").strip()
        h = int(hashlib.sha256(path.name.encode()).hexdigest(), 16)
        day = date(2025, 1, 1) + timedelta(days=h % 24)
        undated = h % 11 == 0
        rows.append(_row(path.name, 1, text, None if undated else f"{day}T{h % 24:02d}:15:00+08:00", OUTLETS[h % 4]))
        if i % 23 == 5:  # a revised version: the first one stops counting when it lands
            rows.append(_row(path.name, 2, text + "\n更正：本文已更新。", f"{day}T23:00:00+08:00", OUTLETS[(h + 1) % 4]))
    return rows


def _row(name: str, version: int, text: str, published_at: str | None, outlet: str) -> dict[str, Any]:
    article_id = hashlib.sha256(text.encode()).hexdigest()
    return {
        "article_id": article_id, "doc_sha256": article_id, "source": name, "story_key": name, "version": version,
        "title": text.splitlines()[0][:60], "title_derived": True, "text": text, "published_at": published_at,
        "published_utc": pd.Timestamp(published_at).tz_convert("UTC") if published_at else None,
        "outlet": outlet, "language": "zh", "script": "Hans", "extractor_version": "test", "landed_at": NOW,
    }  # fmt: skip


def _land(db: Path, rows: list[dict[str, Any]]) -> None:
    frame = pd.DataFrame(rows)
    frame["published_utc"] = pd.to_datetime(frame["published_utc"], utc=True)
    with warehouse.connection(db) as con:
        warehouse.insert_frame(con, "articles", frame)


def _run(db: Path, rebuild: bool = False) -> dict[str, Any]:
    return summarise(str(db), CONFIG, NOW, rebuild=rebuild, vocabulary=load_vocabulary(CONFIG.vocabulary_path),
                     searches=load_searches(CONFIG.searches_path))  # fmt: skip


def _tables(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    with duckdb.connect(str(db), read_only=True) as con:
        out = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}
        out["alerts"] = con.execute(CURRENT_MATCHES + " ORDER BY ALL").fetchall()
        return out


def _batches(rows: list[dict[str, Any]], seed: int, sizes: list[int]) -> list[list[dict[str, Any]]]:
    """The rows shuffled, a second version always after its first, cut into batches of `sizes` (then the
    rest)."""
    order = rows[:]
    random.Random(seed).shuffle(order)
    firsts = {r["story_key"]: i for i, r in enumerate(order) if r["version"] == 1}
    for i, r in enumerate(order):
        j = firsts[r["story_key"]]
        if r["version"] == 2 and i < j:
            order[i], order[j] = order[j], order[i]
    batches, start = [], 0
    for size in [*sizes, len(order)]:
        if start < len(order):
            batches.append(order[start : start + size])
            start += size
    return batches


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[Any, ...]]]:
    """Every article landed at once, summarised from scratch (a full build of every aggregate)."""
    db = tmp_path_factory.mktemp("reference") / "all.duckdb"
    warehouse.prepare(db)
    _land(db, _corpus())
    result = _run(db)
    assert all(result[a]["mode"] == "full" for a in ("volume", "top_terms", "stories", "ledger", "searches"))
    tables = _tables(db)
    assert len(tables["stories"]) < len(tables["story_members"])  # the copies joined their originals
    assert tables["figure_values"] and tables["top_terms"] and tables["mentions_daily"] and tables["alerts"]
    return tables


@pytest.mark.parametrize(
    ("seed", "sizes"),
    [(1, [1, 1, 5, 20]), (2, [30, 2, 2, 2, 2]), (3, [10] * 7), (4, [3, 40])],
)
def test_incremental_runs_equal_a_full_build_whatever_the_order_and_batches(
    reference: dict[str, list[tuple[Any, ...]]], tmp_path: Path, seed: int, sizes: list[int]
):
    db = tmp_path / "incremental.duckdb"
    warehouse.prepare(db)
    for n, batch in enumerate(_batches(_corpus(), seed, sizes)):
        _land(db, batch)
        result = _run(db)
        if n > 0:
            assert result["stories"]["mode"] == "incremental" and result["top_terms"]["mode"] == "incremental"
    incremental = _tables(db)
    for table in (*TABLES, "alerts"):
        assert incremental[table] == reference[table], table
    _run(db, rebuild=True)
    rebuilt = _tables(db)
    for table in (*TABLES, "alerts"):
        assert rebuilt[table] == reference[table], table


def test_a_story_keeps_its_id_when_a_later_copy_joins(tmp_path: Path):
    db = tmp_path / "story.duckdb"
    warehouse.prepare(db)
    original = (ROOT / "seeds" / "000_37f1612f59599686.txt").read_text(encoding="utf-8")
    copy = (FIXTURES / "derived" / "000_traditional.txt").read_text(encoding="utf-8")
    first = _row("a", 1, original, "2025-01-02T08:00:00+08:00", OUTLETS[0])
    _land(db, [first])
    _run(db)
    _land(db, [_row("b", 1, copy, "2025-01-03T08:00:00+08:00", OUTLETS[3])])
    assert _run(db)["stories"]["mode"] == "incremental"
    with duckdb.connect(str(db), read_only=True) as con:
        members = con.execute("SELECT story_id, count(*) FROM story_members GROUP BY ALL").fetchall()
    assert members == [(first["article_id"], 2)]


def test_fast_simplified_conversion_equals_opencc():
    samples = [p.read_text(encoding="utf-8") for p in (ROOT / "seeds").glob("0*.txt")]
    samples += [p.read_text(encoding="utf-8") for p in (FIXTURES / "derived").glob("*.txt")]
    samples += ["瞭解這個藉口", "乾隆皇帝的頭髮", "後來"]
    for text in samples:
        assert to_simplified(text) == _t2s().convert(text)
