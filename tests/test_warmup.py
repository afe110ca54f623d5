"""Whether `presswatch run` starts its workers and GX before the flow: only when inputs changed."""

from __future__ import annotations

import os
from pathlib import Path

from presswatch.cli.pipeline import _inputs_likely_changed
from presswatch.ingest.sources import changed_since
from presswatch.settings import load_settings


def _files(root: Path, mtime: float) -> None:
    for name in ("a.txt", "sub/b.html"):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("正文")
        os.utime(path, (mtime, mtime))


def test_a_file_modified_after_the_instant_is_a_change(tmp_path: Path) -> None:
    _files(tmp_path, 1_000_000.0)
    assert not changed_since(tmp_path, 1_000_000.0)
    os.utime(tmp_path / "sub/b.html", (1_000_001.0, 1_000_001.0))
    assert changed_since(tmp_path, 1_000_000.0)


def test_files_that_are_not_inputs_do_not_count(tmp_path: Path) -> None:
    _files(tmp_path, 1_000_000.0)
    (tmp_path / ".notes.txt").write_text("hidden, never an input")
    assert not changed_since(tmp_path, 1_000_000.0)


def test_a_run_warms_up_for_a_new_warehouse_or_newer_inputs_only(tmp_path: Path) -> None:
    seeds, db = tmp_path / "seeds", tmp_path / "w.duckdb"
    _files(seeds, 1_000_000.0)
    settings = load_settings(seeds_dir=seeds, db_path=db, workers=2)
    assert _inputs_likely_changed(settings)  # no warehouse yet: a first run
    db.write_bytes(b"")
    os.utime(db, (1_000_100.0, 1_000_100.0))
    assert not _inputs_likely_changed(settings)  # every input older than the warehouse's last write
    os.utime(seeds / "a.txt", (1_000_200.0, 1_000_200.0))
    assert _inputs_likely_changed(settings)
    assert not _inputs_likely_changed(load_settings(seeds_dir=seeds, db_path=db, workers=1))  # in-process
