"""Real Prefect flow runs of the whole pipeline into a real DuckDB file."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from flows.ingest import ingest_flow
from presswatch.ingest.sources import HEAD_SAMPLE_BYTES
from presswatch.records import RunSummary
from presswatch.store.file_index import UNCHANGED_DETAIL
from presswatch.store.rawcodec import unpack

pytestmark = pytest.mark.usefixtures("prefect_api")


def _count(db: Path, table: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _counts(db: Path) -> dict[str, int]:
    return {t: _count(db, t) for t in ("documents", "articles", "duplicates", "quarantine")}


def _outcomes(summary: RunSummary) -> dict[str, int]:
    keys = ("inputs_discovered", "inputs_seen", "new", "unchanged", "duplicates", "quarantined")
    return {k: summary.counts[k] for k in keys}


def test_run_lands_the_five_seeds(seeds_dir: Path, db_path: Path):
    summary = ingest_flow(seeds_dir=str(seeds_dir), db_path=str(db_path))
    assert _outcomes(summary) == {"inputs_discovered": 5, "inputs_seen": 5, "new": 5, "unchanged": 0,
                                  "duplicates": 0, "quarantined": 0}  # fmt: skip
    assert _counts(db_path) == {"documents": 5, "articles": 5, "duplicates": 0, "quarantine": 0}
    outlets = dict(summary.per_outlet)
    assert outlets["观察者网"] == 1 and outlets["中國工業報"] == 1
    with duckdb.connect(str(db_path), read_only=True) as con:
        run = con.execute(
            "SELECT r.status, r.inputs_discovered, r.inputs_recorded, r.new_articles, r.balanced"
            " FROM run_reconciliation r"
        ).fetchone()
        lineage = con.execute(
            "SELECT count(*) FROM articles a JOIN documents d USING (doc_sha256)"
            " WHERE a.flow_run_id = ? AND a.extractor_version <> ''",
            [summary.flow_run_id],
        ).fetchone()[0]
    assert run == ("completed", 5, 5, 5, True)
    assert lineage == 5


def test_second_run_adds_no_rows(seeds_dir: Path, db_path: Path):
    ingest_flow(seeds_dir=str(seeds_dir), db_path=str(db_path))
    before = _counts(db_path)
    again = ingest_flow(seeds_dir=str(seeds_dir), db_path=str(db_path))
    assert _counts(db_path) == before
    # Unchanged inputs are not duplicates: nothing is a copy of anything here.
    assert _outcomes(again) == {"inputs_discovered": 5, "inputs_seen": 5, "new": 0, "unchanged": 5,
                                "duplicates": 0, "quarantined": 0}  # fmt: skip
    assert again.balanced


def test_changed_file_becomes_new_version_not_duplicate(seeds_dir: Path, db_path: Path):
    ingest_flow(seeds_dir=str(seeds_dir), db_path=str(db_path))
    target = next(seeds_dir.glob("004_*"))
    target.write_text(target.read_text(encoding="utf-8").replace("557.6萬美元", "600萬美元"), encoding="utf-8")
    summary = ingest_flow(seeds_dir=str(seeds_dir), db_path=str(db_path))
    assert summary.counts["new_versions"] == 1 and summary.counts["unchanged"] == 4
    assert summary.counts["new"] == 0 and summary.counts["duplicates"] == 0
    with duckdb.connect(str(db_path), read_only=True) as con:
        versions = con.execute("SELECT version FROM articles WHERE source = ? ORDER BY version", [str(target)]).fetchall()
        current = con.execute("SELECT count(*) FROM articles_current").fetchone()[0]
    assert versions == [(1,), (2,)]
    assert current == 5


def test_copies_under_other_names_and_encodings_are_known_duplicates(seeds_dir: Path, db_path: Path):
    original = next(seeds_dir.glob("004_*"))
    shutil.copy(original, seeds_dir / "renamed-copy.txt")
    (seeds_dir / "utf16-copy.txt").write_bytes(original.read_text(encoding="utf-8").encode("utf-16"))
    summary = ingest_flow(seeds_dir=str(seeds_dir), db_path=str(db_path))
    assert _outcomes(summary) == {"inputs_discovered": 7, "inputs_seen": 7, "new": 5, "unchanged": 0,
                                  "duplicates": 2, "quarantined": 0}  # fmt: skip
    with duckdb.connect(str(db_path), read_only=True) as con:
        reasons = dict(con.execute("SELECT reason, count(*) FROM duplicates GROUP BY reason").fetchall())
    assert reasons == {"same-bytes": 1, "same-text": 1}


def test_bad_inputs_are_quarantined_with_reasons_and_the_run_balances(seeds_dir: Path, db_path: Path):
    (seeds_dir / "empty.txt").write_bytes(b"")
    (seeds_dir / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    summary = ingest_flow(seeds_dir=str(seeds_dir), db_path=str(db_path))
    c = summary.counts
    assert c["inputs_discovered"] == c["inputs_seen"] == c["landed"] + c["duplicates"] + c["quarantined"] == 7
    assert summary.balanced
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = dict(con.execute("SELECT source, reasons::VARCHAR FROM quarantine").fetchall())
    assert "empty" in rows[str(seeds_dir / "empty.txt")].lower()
    assert "binary" in rows[str(seeds_dir / "image.png")].lower()
    again = ingest_flow(seeds_dir=str(seeds_dir), db_path=str(db_path))
    assert _count(db_path, "quarantine") == 2 and again.counts["landed"] == 0


def _details(db: Path, run_id: str) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT DISTINCT detail FROM run_inputs WHERE flow_run_id = ?", [run_id]).fetchall()
    return {r[0] for r in rows}


def test_rerun_skips_files_by_size_and_mtime_and_reads_what_changed(seeds_dir: Path, db_path: Path):
    soon = time.time() + 60
    for path in seeds_dir.iterdir():
        os.utime(path, (soon, soon))
    ingest_flow(seeds_dir=str(seeds_dir), db_path=str(db_path))
    # Modified (as far as mtime says) no earlier than they were read: an edit in the same clock tick could
    # hide, so the file index does not trust these entries and the next run hashes the files again.
    again = ingest_flow(seeds_dir=str(seeds_dir), db_path=str(db_path))
    assert again.counts["unchanged"] == 5 and _details(db_path, again.flow_run_id) == {"already landed"}
    past = time.time() - 600
    for path in seeds_dir.iterdir():
        os.utime(path, (past, past))  # a new mtime: read and hashed once more, then trusted
    ingest_flow(seeds_dir=str(seeds_dir), db_path=str(db_path))
    skipped = ingest_flow(seeds_dir=str(seeds_dir), db_path=str(db_path))
    assert skipped.counts["unchanged"] == 5 and skipped.balanced
    assert _details(db_path, skipped.flow_run_id) == {UNCHANGED_DETAIL}
    target = next(seeds_dir.glob("004_*"))
    target.write_text(target.read_text(encoding="utf-8").replace("557.6萬美元", "600萬美元"), encoding="utf-8")
    os.utime(target, (past - 60, past - 60))  # older than its entry: only a changed size or mtime counts
    changed = ingest_flow(seeds_dir=str(seeds_dir), db_path=str(db_path))
    assert changed.counts["new_versions"] == 1 and changed.counts["unchanged"] == 4 and changed.balanced


def test_data_docs_hold_every_batch_of_the_run_the_last_one_included(
    seeds_dir: Path, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # Five files in batches of two: 2, 2 and 1.
    monkeypatch.setenv("PRESSWATCH_DATA_DOCS", str(tmp_path / "docs"))
    summary = ingest_flow(seeds_dir=str(seeds_dir), db_path=str(db_path), batch_size=2, include_feeds=False)
    assert summary.counts["new"] == 5
    results = sorted((tmp_path / "docs" / "validation_results").rglob("*.json"))
    sizes = sorted(json.loads(p.read_text())["meta"]["batch_kwargs"]["data_asset_name"] for p in results)
    assert sizes == sorted(f"{suite} batch of {n} rows" for suite in ("articles", "documents") for n in (1, 2, 2))
    assert (tmp_path / "docs" / "index.html").exists()


def test_a_batch_holds_no_more_input_bytes_than_the_cap(
    seeds_dir: Path, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # The count allows one batch of five; a cap below two seed files' bytes makes five batches of one.
    cap = min(p.stat().st_size for p in seeds_dir.glob("*.txt")) + 1
    monkeypatch.setenv("PRESSWATCH_BATCH_MAX_BYTES", str(cap))
    monkeypatch.setenv("PRESSWATCH_DATA_DOCS", str(tmp_path / "docs"))
    summary = ingest_flow(seeds_dir=str(seeds_dir), db_path=str(db_path), include_feeds=False)
    assert summary.counts["new"] == 5 and summary.balanced
    results = sorted((tmp_path / "docs" / "validation_results").rglob("*.json"))
    sizes = sorted(json.loads(p.read_text())["meta"]["batch_kwargs"]["data_asset_name"] for p in results)
    assert sizes == sorted(f"{suite} batch of 1 rows" for suite in ("articles", "documents") for _ in range(5))


def test_bytes_compressed_by_the_workers_land_as_they_were_read(
    tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # Enough inputs for the worker pool, which returns each input's bytes compressed while the flow drops its
    # own copy; one input over the size cap keeps only its head.
    seeds = tmp_path / "in"
    seeds.mkdir()
    for i in range(20):
        (seeds / f"{i:02}.txt").write_text(f"第{i}篇。深度求索周一发布推理模型，公开了权重和技术报告。\n" * (i + 1))
    (seeds / "big.txt").write_bytes(b"x" * (2 * HEAD_SAMPLE_BYTES))
    monkeypatch.setenv("PRESSWATCH_MAX_INPUT_BYTES", "3000")
    summary = ingest_flow(seeds_dir=str(seeds), db_path=str(db_path), include_feeds=False, workers=2)
    assert summary.balanced
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.execute("SELECT source, raw, raw_codec, raw_truncated, byte_size FROM documents").fetchall()
    assert len(rows) == 21
    for source, raw, codec, truncated, size in rows:
        data = Path(source).read_bytes()
        assert size == len(data)
        assert unpack(raw, codec) == (data[:HEAD_SAMPLE_BYTES] if truncated else data), source
    assert [Path(r[0]).name for r in rows if r[3]] == ["big.txt"]
