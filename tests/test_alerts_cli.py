"""`presswatch alerts` on a real warehouse of the seeds: listing, acknowledging, closing, reopening."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deskkit import cli, cli_json, query, seeds_warehouse


@pytest.fixture
def db(prefect_api: None, tmp_path: Path) -> Path:
    return seeds_warehouse(tmp_path)  # a fresh copy per test: these tests change alert statuses


def _open(db: Path, search: str | None = None) -> set[str]:
    sql = "SELECT alert_id FROM summary_open_alerts" + (" WHERE search = ?" if search else "")
    return {r[0] for r in query(db, sql, [search] if search else [])}


def test_list_shows_the_open_alerts(db: Path):
    listed = cli_json("alerts", "--db", str(db))
    assert listed and {a["alert_id"] for a in listed} == _open(db)
    assert all(a["status"] == "open" for a in listed)
    only = cli_json("alerts", "--search", "deepseek", "--db", str(db))
    assert only and {a["search"] for a in only} == {"deepseek"}


def test_acknowledging_an_alert_removes_it_from_the_open_view(db: Path):
    first = sorted(_open(db))[0]
    result = cli("alerts", "ack", first[:8], "--note", "seen in the morning meeting", "--db", str(db))
    assert result.exit_code == 0 and "1 alert(s) now acknowledged" in result.output
    assert first not in _open(db)
    assert query(db, "SELECT status, status_note, status_changed_at IS NOT NULL FROM alerts WHERE alert_id = ?",
                 [first]) == [("acknowledged", "seen in the morning meeting", True)]  # fmt: skip
    everything = cli_json("alerts", "--all", "--db", str(db))
    assert {a["alert_id"]: a["status"] for a in everything}[first] == "acknowledged"


def test_ack_by_search_then_close_then_reopen(db: Path):
    n = len(_open(db, "deepseek"))
    assert n > 0
    assert "now acknowledged" in cli("alerts", "ack", "--search", "deepseek", "--db", str(db)).output
    assert _open(db, "deepseek") == set() and _open(db)  # other searches keep theirs
    closed = cli("alerts", "close", "--search", "deepseek", "--db", str(db))
    assert f"{n} alert(s) now closed" in closed.output
    again = cli("alerts", "ack", "--search", "deepseek", "--db", str(db))  # a closed alert is not acked again
    assert f"0 alert(s) now acknowledged; {n} unchanged" in again.output
    cli("alerts", "reopen", "--search", "deepseek", "--db", str(db))
    assert len(_open(db, "deepseek")) == n


def test_unknown_ids_change_nothing(db: Path):
    before = _open(db)
    known = sorted(before)[0]
    result = cli("alerts", "ack", known, "ffffffffffff", "--db", str(db))
    assert result.exit_code == 2 and "'ffffffffffff' matches no alert (nothing changed)" in result.output
    assert _open(db) == before
    short = cli("alerts", "close", "ab", "--db", str(db))
    assert short.exit_code == 2 and "shorter than 6" in short.output
    neither = cli("alerts", "ack", "--db", str(db))
    assert neither.exit_code == 2 and "give alert ids or --search" in neither.output
    unknown_search = cli("alerts", "ack", "--search", "nope", "--db", str(db))
    assert unknown_search.exit_code == 2 and "no alerts for search 'nope'" in unknown_search.output
