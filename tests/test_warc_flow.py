"""Web archives through the whole ingest flow: in the seeds folder (recognised by content) and via `warcs`."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from flows.ingest import ingest_flow

pytestmark = pytest.mark.usefixtures("prefect_api")


def write_archive(path: Path, seeds: list[Path]) -> dict[str, str]:
    """One gzip member per record: a request and a response per seed, and an image response."""
    urls = {}
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for seed in seeds:
            url = urls[seed.name] = f"https://news.example.cn/seeds/{seed.stem}"
            writer.write_record(writer.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/plain; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(seed.read_bytes()), http_headers=headers))
        png = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://news.example.cn/logo.png", "response",
                                                      payload=io.BytesIO(b"\x89PNG\r\n\x1a\n"), http_headers=png))
    return urls  # fmt: skip


def _articles(db: Path) -> dict[str, tuple[str, str | None]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: (s, u) for t, s, u in con.execute("SELECT title, source, url FROM articles").fetchall()}


def test_an_archive_in_the_seeds_folder_lands_the_same_articles_as_the_files_plus_their_urls(
    seeds_dir: Path, tmp_path: Path
) -> None:
    seeds = sorted(seeds_dir.glob("*.txt"))
    files = ingest_flow(seeds_dir=str(seeds_dir), db_path=str(tmp_path / "files.duckdb"), include_feeds=False)
    archived = tmp_path / "archived"
    archived.mkdir()
    urls = write_archive(archived / "capture.bin", seeds)  # no telling name: recognised by its content
    summary = ingest_flow(seeds_dir=str(archived), db_path=str(tmp_path / "warc.duckdb"), include_feeds=False)
    assert summary.counts["new"] == files.counts["new"] == len(seeds)
    from_files, from_warc = _articles(tmp_path / "files.duckdb"), _articles(tmp_path / "warc.duckdb")
    assert set(from_warc) == set(from_files)
    for title, (source, file_url) in from_files.items():
        # The URL the page states wins; else the archive's target URI, which the file alone cannot know.
        assert from_warc[title][1] == (file_url or urls[Path(source).name]), title
    skipped = [d for _, o, d in summary.outcomes if o == "skipped"]
    assert any("request" in d for d in skipped) and any("image/png" in d or "payload" in d for d in skipped)
    assert summary.balanced and summary.counts["inputs_discovered"] == summary.counts["inputs_seen"]


def test_a_rerun_over_the_same_archive_finds_every_record_unchanged(seeds_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "capture.warc.gz"
    write_archive(archive, sorted(seeds_dir.glob("*.txt")))
    empty = tmp_path / "empty"
    empty.mkdir()
    db = str(tmp_path / "w.duckdb")
    first = ingest_flow(seeds_dir=str(empty), db_path=db, include_feeds=False, warcs=[str(archive)])
    again = ingest_flow(seeds_dir=str(empty), db_path=db, include_feeds=False, warcs=[str(archive)])
    assert first.counts["new"] == 5 and again.counts["new"] == 0 and again.counts["unchanged"] == 5
    assert first.balanced and again.balanced
