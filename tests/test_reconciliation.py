"""The run reconciliation can fail: inputs are counted at discovery, apart from the rows the run writes."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from prefect import flow

from flows.ingest import ingest_flow
from flows.tasks import discovered, extract_batch, finish, land, prepare_warehouse
from presswatch.ingest.sources import read_file
from presswatch.records import COUNT_KEYS, OUTCOME_COUNTER, RawDocument
from presswatch.settings import load_settings

pytestmark = pytest.mark.usefixtures("prefect_api")


@flow(name="lossy-ingest-test")
def lossy_ingest(seeds: list[str], db_path: str, lose: int) -> dict[str, object]:
    """The real stage tasks, but the last `lose` inputs found are never handed to landing."""
    settings = load_settings(db_path=db_path, workers=1)
    run_id = "lossy-run"
    prepare_warehouse(settings, run_id, "presswatch-ingest", {})
    discovered(settings, run_id, len(seeds))
    raws: list[RawDocument] = [read_file(Path(p)) for p in seeds[: len(seeds) - lose]]
    results = extract_batch(raws, 1, settings.max_input_bytes)
    outcomes = land(settings, raws, results, {}, [], run_id, [])
    counts = dict.fromkeys(COUNT_KEYS, 0)
    for _, outcome, _ in outcomes:
        counts[OUTCOME_COUNTER[outcome]] += 1
    counts["inputs_seen"] = len(outcomes)
    return finish(settings, run_id, counts, "completed")[2]


def test_a_complete_run_balances(seeds_dir: Path, db_path: Path) -> None:
    seeds = sorted(str(p) for p in seeds_dir.iterdir())
    rec = lossy_ingest(seeds, str(db_path), lose=0)
    assert rec["balanced"] is True
    assert rec["inputs_discovered"] == rec["inputs_recorded"] == 5


def test_a_lost_input_makes_the_run_unbalanced_and_the_run_says_so(seeds_dir: Path, db_path: Path) -> None:
    seeds = sorted(str(p) for p in seeds_dir.iterdir())
    rec = lossy_ingest(seeds, str(db_path), lose=1)
    assert rec["balanced"] is False
    assert (rec["inputs_discovered"], rec["inputs_recorded"]) == (5, 4)


def test_a_lost_article_row_unbalances_the_run_that_claimed_it(seeds_dir: Path, db_path: Path) -> None:
    summary = ingest_flow(seeds_dir=str(seeds_dir), db_path=str(db_path), include_feeds=False)
    assert summary.balanced
    with duckdb.connect(str(db_path)) as con:
        con.execute("DELETE FROM articles WHERE article_id = (SELECT min(article_id) FROM articles)")
        balanced = con.execute(
            "SELECT balanced FROM run_reconciliation WHERE flow_run_id = ?", [summary.flow_run_id]
        ).fetchone()
    assert balanced == (False,)
