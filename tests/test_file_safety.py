"""Files that could hurt a run: over the size cap, links out of the seeds folder, the pipeline's own config.

Discovery and reading are tested on real files; the run tests go through the real ingest flow with a
small size cap from the environment (no gigabyte files here: bench/bigfile.py measures that).
"""

from __future__ import annotations

import hashlib
import json
import os
import tracemalloc
from pathlib import Path

import duckdb
import pytest
from warehousekit import all_warehouse_text

from presswatch.ingest.sources import HEAD_SAMPLE_BYTES, read_file, scan
from presswatch.store.rawcodec import unpack

SECRET = "OUTSIDE-THE-FOLDER-c41e: not for the warehouse"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A readable file outside the seeds folder, standing for /etc/passwd or a private key."""
    secret = tmp_path / "private" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET * 50, encoding="utf-8")
    return secret


@pytest.fixture
def messy(seeds_dir: Path, outside: Path) -> Path:
    """The seeds plus everything that must not be read as input, or not whole."""
    (seeds_dir / "feeds.yaml").write_text("feeds: []\n", encoding="utf-8")
    (seeds_dir / "searches.json").write_text("{}", encoding="utf-8")
    (seeds_dir / ".notes.txt").write_text("editor's scratch", encoding="utf-8")
    (seeds_dir / ".git").mkdir()
    (seeds_dir / ".git" / "HEAD").write_text("ref: refs/heads/main", encoding="utf-8")
    (seeds_dir / "passwd.txt").symlink_to(outside)
    (seeds_dir / "private").symlink_to(outside.parent, target_is_directory=True)
    (seeds_dir / "dangling.txt").symlink_to(seeds_dir / "gone.txt")
    (seeds_dir / "same-as-000.txt").symlink_to(next(iter(sorted(seeds_dir.glob("000_*.txt")))))
    os.mkfifo(seeds_dir / "pipe.txt")
    return seeds_dir


def test_scan_lists_inputs_and_says_why_everything_else_is_skipped(messy: Path) -> None:
    found = scan(messy)
    names = [p.name for p in found.files]
    assert names == sorted([p.name for p in messy.glob("0*.txt")] + ["same-as-000.txt"])
    reasons = {Path(path).name: reason for path, reason in found.skipped}
    assert set(reasons) == {
        "feeds.yaml", "searches.json", ".notes.txt", ".git", "passwd.txt", "private", "dangling.txt", "pipe.txt",
    }  # fmt: skip
    assert "pipeline configuration" in reasons["feeds.yaml"] and "pipeline configuration" in reasons["searches.json"]
    assert "hidden" in reasons[".notes.txt"] and "hidden" in reasons[".git"]
    assert "outside the folder: not followed" in reasons["passwd.txt"]
    assert "outside the folder: not followed" in reasons["private"]
    assert "broken symbolic link" in reasons["dangling.txt"]
    assert "not a regular file" in reasons["pipe.txt"]


def test_scan_orders_files_by_folder_as_paths_sort_and_names_them_as_paths_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a-c/w.txt", "a/b.txt", "a/config/x.txt", "b.TXT", "a/c/d.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = scan(tmp_path)
    expected = sorted(tmp_path / n for n in ("a-c/w.txt", "a/b.txt", "b.TXT", "a/c/d.md"))  # "a/..." before "a-c"
    assert found.files == expected and found.paths == [str(p) for p in expected]
    assert found.skipped == [(str(tmp_path / "a/config/x.txt"), "in a config/ folder: pipeline configuration, not an input")]
    monkeypatch.chdir(tmp_path)
    assert scan(Path(".")).paths == [str(p.relative_to(tmp_path)) for p in expected]  # as Path(".") / name


def test_read_refuses_a_path_that_now_leads_out_of_the_folder(seeds_dir: Path, outside: Path) -> None:
    link = seeds_dir / "swapped.txt"
    link.symlink_to(outside)  # e.g. replaced by a link between discovery and reading
    with pytest.raises(OSError, match="outside"):
        read_file(link, 1_000_000, seeds_dir)


def test_a_file_over_the_cap_is_hashed_as_a_stream_and_only_its_head_is_kept(tmp_path: Path) -> None:
    big = tmp_path / "big.html"
    with big.open("wb") as fh:
        fh.write(b"<html>" + b"x" * 100_000)
        fh.truncate(200_000_000)  # sparse: 200 MB that cost no disk
    expected = hashlib.sha256()
    with big.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            expected.update(chunk)
    tracemalloc.start()
    try:
        raw = read_file(big, max_bytes=1_000_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert raw.truncated and raw.byte_size == 200_000_000 and len(raw.data) == HEAD_SAMPLE_BYTES
    assert raw.data.startswith(b"<html>xxx") and raw.sha256 == expected.hexdigest()
    assert peak < 8_000_000, peak  # the cap and a read chunk or two, never the file


def test_a_file_under_the_cap_is_read_whole(seeds_dir: Path) -> None:
    path = next(iter(sorted(seeds_dir.glob("*.txt"))))
    raw = read_file(path, max_bytes=1_000_000, root=seeds_dir)
    assert raw.data == path.read_bytes() and not raw.truncated and raw.byte_size == len(raw.data)
    assert raw.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()  # hashed while read, not again


def test_a_file_read_in_several_chunks_is_hashed_whole(tmp_path: Path) -> None:
    path = tmp_path / "long.html"
    path.write_bytes(os.urandom(3 << 20))
    assert read_file(path, max_bytes=10 << 20).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.usefixtures("prefect_api")
def test_a_run_quarantines_an_oversize_file_lists_what_it_skipped_and_the_next_run_succeeds(
    messy: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.ingest import ingest_flow

    monkeypatch.setenv("PRESSWATCH_MAX_INPUT_BYTES", "300000")
    huge = messy / "huge.html"
    with huge.open("wb") as fh:
        fh.write("<html><body><p>巨大的文件</p>".encode())
        fh.truncate(3_000_000)
    seeds_txt = len(list(messy.glob("0*.txt")))

    first = ingest_flow(seeds_dir=str(messy), db_path=str(db_path), include_feeds=False)

    outcome = {Path(src).name: (o, d) for src, o, d in first.outcomes}
    assert outcome["huge.html"][0] == "quarantined"
    assert "input too large: 3,000,000 bytes" in outcome["huge.html"][1]
    assert f"first {HEAD_SAMPLE_BYTES:,} bytes kept" in outcome["huge.html"][1]
    skipped = {n for n, (o, _) in outcome.items() if o == "skipped"}
    assert skipped == {
        "feeds.yaml", "searches.json", ".notes.txt", ".git", "passwd.txt", "private", "dangling.txt", "pipe.txt",
    }  # fmt: skip
    assert first.counts["skipped"] == len(skipped)
    assert first.counts["new"] == seeds_txt and outcome["same-as-000.txt"][0] == "duplicate"
    stored = _rows(db_path, "SELECT byte_size, raw, raw_codec, raw_truncated FROM documents WHERE source LIKE '%huge.html'")
    kept = [(size, len(unpack(raw, codec) or b""), cut) for size, raw, codec, cut in stored]  # type: ignore[arg-type]
    assert kept == [(3_000_000, HEAD_SAMPLE_BYTES, True)]
    reasons = _rows(db_path, "SELECT reasons FROM quarantine WHERE source LIKE '%huge.html'")
    assert any("too large" in r for r in json.loads(str(reasons[0][0])))
    listed = _rows(db_path, "SELECT source, detail FROM run_inputs WHERE outcome = 'skipped' ORDER BY source")
    assert {Path(str(s)).name for s, _ in listed} == skipped
    assert _rows(db_path, "SELECT balanced FROM run_reconciliation") == [(True,)]
    # Nothing of the file behind the link reached any table.
    everything = all_warehouse_text(str(db_path))
    assert SECRET not in everything and SECRET.encode() not in everything.encode()

    second = ingest_flow(seeds_dir=str(messy), db_path=str(db_path), include_feeds=False)
    again = {Path(src).name: o for src, o, _ in second.outcomes}
    assert again["huge.html"] == "unchanged" and second.counts["quarantined"] == 0
    assert _rows(db_path, "SELECT count(*) FROM quarantine WHERE source LIKE '%huge.html'") == [(1,)]
    assert _rows(db_path, "SELECT status FROM runs ORDER BY started_at") == [("completed",), ("completed",)]
    # Re-processing has nothing to re-extract from a head sample.
    from presswatch.store.db import connection, open_quarantine_documents

    with connection(db_path, read_only=True) as con:
        assert all(not d.source.endswith("huge.html") for d in open_quarantine_documents(con))
