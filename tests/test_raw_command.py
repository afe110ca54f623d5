"""`presswatch raw` as a user runs it (a subprocess): a landed input's bytes exactly as received."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from presswatch.records import Article, RawDocument, Rejection
from presswatch.store import db as warehouse

ROOT = Path(__file__).resolve().parent.parent
PAGE = "<html><head><meta charset=gbk></head><body><p>深度求索发布推理模型。</p></body></html>".encode("gbk")


@pytest.fixture
def db(db_path: Path) -> Path:
    warehouse.prepare(db_path)
    raws = [RawDocument("seeds/page.html", PAGE), RawDocument("seeds/other.html", b"<p>other</p>")]
    results: dict[str, Article | Rejection] = {
        r.sha256: Rejection(r.source, r.sha256, "extract", ["no text"], {}) for r in raws
    }
    with warehouse.connection(db_path) as con:
        warehouse.land_batch(
            con, raws, results, formats={}, warnings={}, flow_run_id="run", now=datetime.now(UTC),
            extractor_version="test",
        )  # fmt: skip
    return db_path


def raw(db: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "presswatch", "raw", *args, "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )


def test_raw_by_source_prints_the_bytes_as_received(db: Path) -> None:
    done = raw(db, "seeds/page.html")
    assert done.returncode == 0, done.stderr
    assert done.stdout == PAGE


def test_raw_by_sha256_prefix_writes_a_file(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    done = raw(db, RawDocument("x", PAGE).sha256[:12], "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == PAGE


def test_raw_of_an_unknown_input_says_nothing_matched(db: Path) -> None:
    done = raw(db, "seeds/missing.html")
    assert done.returncode == 1 and done.stdout == b""
    assert b"0 documents match" in done.stderr
