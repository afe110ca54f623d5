"""Re-processing the quarantine after a fix: what now passes lands, with its history kept."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from flows.ingest import ingest_flow
from flows.reprocess import reprocess_flow

pytestmark = pytest.mark.usefixtures("prefect_api")


def test_quarantined_documents_land_after_the_limit_is_raised(
    seeds_dir: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PRESSWATCH_MAX_INPUT_BYTES", "10000")  # two seeds are smaller than this
    first = ingest_flow(seeds_dir=str(seeds_dir), db_path=str(db_path))
    assert first.counts["quarantined"] == 3 and first.counts["landed"] == 2

    monkeypatch.delenv("PRESSWATCH_MAX_INPUT_BYTES")
    summary = reprocess_flow(db_path=str(db_path))
    assert {k: summary.counts[k] for k in ("inputs_discovered", "inputs_seen", "landed", "duplicates", "quarantined")} \
        == {"inputs_discovered": 3, "inputs_seen": 3, "landed": 3, "duplicates": 0, "quarantined": 0}
    assert summary.balanced
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
        released = con.execute(
            "SELECT count(*) FROM quarantine q JOIN articles a ON a.article_id = q.released_to"
            " WHERE q.released_at IS NOT NULL"
        ).fetchone()[0]
        assert released == 3
        assert con.execute("SELECT count(*) FROM quarantine_open").fetchone()[0] == 0

    again = reprocess_flow(db_path=str(db_path))
    assert again.counts["inputs_seen"] == 0
