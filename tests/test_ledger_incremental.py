"""The figures ledger kept from the changed articles (presswatch/store/ledger_store.py) equals a full
rebuild: its own aggregates and figure_values / figure_conflicts, after copies joining a story, a new
version of an article that first reported figures (its cells recomputed, its story regrouped under
another id), and on a warehouse upgraded to migration 016. Real DuckDB files, real analyses, no Prefect."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from presswatch.store import db as warehouse
from presswatch.summaries.figures import ledger
from presswatch.summaries.figures.figures import Figure
from presswatch.summaries.figures.vocabulary import load_vocabulary
from tests.test_incremental import CONFIG, FIXTURES, OUTLETS, ROOT, _corpus, _land, _row, _run

LEDGER = ("ledger_reports", "ledger_patterns", "ledger_members", "figure_values", "figure_conflicts",
          "summary_figure_agreements")  # fmt: skip


def _ledger(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in LEDGER}


def _full(tmp_path: Path, name: str, rows: list[dict[str, Any]]) -> dict[str, list[tuple[Any, ...]]]:
    db = tmp_path / f"{name}.duckdb"
    warehouse.prepare(db)
    _land(db, rows)
    assert _run(db)["ledger"]["mode"] == "full"
    return _ledger(db)


def _story_rows() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """An original, its traditional-script copy a day later in another outlet, and a corrected second
    version of the original published after the copy (so the story's earliest member becomes the copy)."""
    original = (ROOT / "seeds" / "000_37f1612f59599686.txt").read_text(encoding="utf-8")
    copy = (FIXTURES / "derived" / "000_traditional.txt").read_text(encoding="utf-8")
    first = _row("a", 1, original, "2025-01-02T08:00:00+08:00", OUTLETS[0])
    second = _row("b", 1, copy, "2025-01-03T08:00:00+08:00", OUTLETS[3])
    revised = _row("a", 2, original + "\n更正：本文已更新。", "2025-01-04T08:00:00+08:00", OUTLETS[0])
    return first, second, revised


def test_a_new_version_of_a_first_reporter_and_its_story_regrouped_equal_a_full_build(tmp_path: Path):
    first, second, revised = _story_rows()
    db = tmp_path / "steps.duckdb"
    warehouse.prepare(db)
    for batch in ([first], [second], [revised]):
        _land(db, batch)
        result = _run(db)
    assert result["ledger"]["mode"] == "incremental" and result["ledger"]["blocks"] > 0
    stepped = _ledger(db)
    with duckdb.connect(str(db), read_only=True) as con:
        # The revision replaced the original as its outlet's first report, and the copy now heads the story.
        reporters = {r[0] for r in con.execute("SELECT DISTINCT article_id FROM ledger_reports").fetchall()}
        assert reporters == {second["article_id"], revised["article_id"]}
        stories = dict(con.execute("SELECT article_id, story_id FROM ledger_members").fetchall())
        assert stories == {second["article_id"]: second["article_id"], revised["article_id"]: second["article_id"]}
        moved = con.execute("SELECT count(*) FROM figure_values WHERE n_stories = 1 AND n_articles = 2").fetchall()
        assert moved[0][0] > 0  # the copies' shared values count one story
    assert stepped == _full(tmp_path, "full", [first, second, revised])
    _run(db, rebuild=True)
    assert _ledger(db) == stepped


@pytest.mark.parametrize("sizes", [[1, 1, 5, 20], [40, 3]])
def test_the_ledger_aggregates_equal_a_full_build_whatever_the_batches(tmp_path: Path, sizes: list[int]):
    from tests.test_incremental import _batches

    rows = _corpus()
    db = tmp_path / "batches.duckdb"
    warehouse.prepare(db)
    for batch in _batches(rows, 7, sizes):
        _land(db, batch)
        _run(db)
    stepped = _ledger(db)
    assert stepped["ledger_patterns"] and stepped["figure_conflicts"]
    assert stepped == _full(tmp_path, "full", rows)


def test_a_warehouse_upgraded_to_016_rebuilds_the_ledger_on_its_next_run(tmp_path: Path):
    rows = _corpus()
    db = tmp_path / "upgraded.duckdb"
    warehouse.prepare(db)
    _land(db, rows[:40])
    _run(db)
    with warehouse.connection(db) as con:  # the warehouse as it was before migration 016
        con.execute("DROP TABLE ledger_reports; DROP TABLE ledger_patterns; DROP TABLE ledger_members")
        con.execute("DELETE FROM schema_migrations WHERE version = 16")
    warehouse.prepare(db)
    _land(db, rows[40:])
    assert _run(db)["ledger"]["mode"] == "full"
    assert _ledger(db) == _full(tmp_path, "full", rows)


def _figure(subject: str | None, value: float) -> Figure:
    return Figure(value, "USD", "training_cost", subject, False, None, f"{value}", "", 0)


def test_counts_take_subjectless_figures_only_where_they_joined_the_subject():
    vocabulary = load_vocabulary(CONFIG.vocabulary_path)
    block = ("training_cost", "USD")
    # Outlet rows as the comparison sees them: DeepSeek says 5 and 6; a subject-less 5 joins DeepSeek
    # (no one else said 5); a subject-less 7 is said by DeepSeek and OpenAI: it joins no one.
    rows = [("a1", "o1", _figure("DeepSeek", 5.0)), ("a2", "o2", _figure("DeepSeek", 6.0)),
            ("a3", "o3", _figure(None, 5.0)), ("a4", "o1", _figure("DeepSeek", 7.0)),
            ("a5", "o4", _figure("OpenAI", 7.0)), ("a6", "o2", _figure(None, 7.0))]  # fmt: skip
    values, conflicts = ledger.ledger_frames(rows, vocabulary)
    # Articles behind those rows (several per outlet); stories group some of them.
    articles = [(frozenset({("DeepSeek", 5.0)}), 3), (frozenset({("DeepSeek", 5.0), (None, 5.0)}), 1),
                (frozenset({(None, 5.0)}), 2), (frozenset({("DeepSeek", 6.0)}), 1),
                (frozenset({("DeepSeek", 7.0)}), 1), (frozenset({("OpenAI", 7.0)}), 1),
                (frozenset({(None, 7.0)}), 4)]  # fmt: skip
    stories = [(frozenset({("DeepSeek", 5.0), (None, 5.0)}), 2), (frozenset({("DeepSeek", 6.0)}), 1),
               (frozenset({("DeepSeek", 7.0), ("OpenAI", 7.0)}), 1), (frozenset({(None, 7.0)}), 3)]  # fmt: skip
    ledger.recount(values, conflicts, {block: {"article": articles, "story": stories}})
    got = {(s, v): (n, k) for s, v, n, k in
           zip(values["subject"], values["value"], values["n_articles"], values["n_stories"], strict=True)}  # fmt: skip
    assert got == {("DeepSeek", 5.0): (6, 2), ("DeepSeek", 6.0): (1, 1), ("DeepSeek", 7.0): (1, 1),
                   ("OpenAI", 7.0): (1, 1), (None, 7.0): (4, 3)}  # fmt: skip
    by_subject = dict(zip(conflicts["subject"], conflicts["n_articles"], strict=True))
    assert by_subject == {"DeepSeek": 3 + 1 + 2 + 1 + 1}
