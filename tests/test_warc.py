"""WARC/ARC input: archives written with warcio in tmp_path, read back as documents, skips and rejections."""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from feedkit import seed_articles
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from presswatch.extract.document import extract_document
from presswatch.ingest.warc import (
    KIND,
    Skipped,
    is_archive_file,
    iter_archive,
    iter_archive_batches,
    looks_like_archive,
)
from presswatch.records import Article, RawDocument, Rejection

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
CAP = 1_000_000


def http(content_type: str, status: str = "200 OK") -> StatusAndHeaders:
    return StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")


class Archive:
    """A WARC being written: responses, requests, revisits; `offsets` are each record's start."""

    def __init__(self, path: Path, gz: bool = True) -> None:
        self.path = path
        self._fh = path.open("wb")
        self.writer = WARCWriter(self._fh, gzip=gz)
        self.offsets: list[int] = []
        self.records: list[object] = []

    def add(self, uri: str, body: bytes, content_type: str = "text/html; charset=utf-8", **kw: object) -> object:
        record = self.writer.create_warc_record(
            uri, "response", payload=io.BytesIO(body), http_headers=http(content_type, **kw)  # type: ignore[arg-type]
        )
        return self._write(record)

    def request(self, uri: str) -> None:
        self._write(
            self.writer.create_warc_record(
                uri, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            )
        )

    def revisit(self, uri: str, original: object) -> None:
        headers = original.rec_headers  # type: ignore[attr-defined]
        record = self.writer.create_revisit_record(
            uri,
            headers.get_header("WARC-Payload-Digest"),
            headers.get_header("WARC-Target-URI"),
            headers.get_header("WARC-Date"),
            http_headers=http("text/html; charset=utf-8"),
        )
        self._write(record)

    def _write(self, record: object) -> object:
        self.offsets.append(self._fh.tell())
        self.writer.write_record(record)
        self.records.append(record)
        return record

    def close(self) -> Path:
        self._fh.close()
        return self.path


def split(items: list[object]) -> tuple[list[RawDocument], list[Rejection], list[Skipped]]:
    return (
        [i for i in items if isinstance(i, RawDocument)],
        [i for i in items if isinstance(i, Rejection)],
        [i for i in items if isinstance(i, Skipped)],
    )


@pytest.fixture
def pages() -> list[bytes]:
    return [a.page() for a in seed_articles()]


@pytest.fixture
def archive(tmp_path: Path) -> Callable[..., Archive]:
    return lambda name="a.warc.gz", gz=True: Archive(tmp_path / name, gz)


def test_html_responses_become_documents_with_url_charset_and_capture_time(
    archive: Callable[..., Archive],
) -> None:
    arts = seed_articles()
    a = archive()
    a.request("http://news.example.cn/a.html")
    a.add("http://news.example.cn/a.html", arts[0].page("utf-8"), "text/html; charset=utf-8")
    a.add("http://news.example.cn/b.html", arts[1].page("gbk"), "text/html; charset=GBK")
    docs, rejected, skipped = split(list(iter_archive(a.close(), CAP)))
    assert rejected == [] and [s.reason for s in skipped] == ["request record"]
    assert [d.url for d in docs] == ["http://news.example.cn/a.html", "http://news.example.cn/b.html"]
    assert [d.http_charset for d in docs] == ["utf-8", "gbk"] and {d.kind for d in docs} == {KIND}
    assert docs[1].data == arts[1].page("gbk")  # bytes as captured, decoding is extraction's job
    assert all(d.hints["captured_at"].startswith("20") and d.source.startswith(str(a.path) + "#urn:") for d in docs)
    titles = [extract_document(d) for d in docs]
    assert [t.title for t in titles if isinstance(t, Article)] == [arts[0].title, arts[1].title]


def test_every_record_is_its_own_gzip_member_and_plain_warcs_read_alike(
    archive: Callable[..., Archive], pages: list[bytes]
) -> None:
    for gz in (True, False):
        a = archive(f"x{gz}.warc" + (".gz" if gz else ""), gz)
        for i, page in enumerate(pages[:3]):
            a.add(f"http://x.example/{i}", page)
        path = a.close()
        head = path.read_bytes()[:512]
        assert head.startswith(b"\x1f\x8b") == gz and looks_like_archive(head)
        if gz:  # one member per record: each record offset starts a gzip stream of its own
            data = path.read_bytes()
            assert all(gzip.decompress(data[o : o + 4096 * 64])[:5] == b"WARC/" for o in a.offsets[:1])
            assert all(data[o : o + 2] == b"\x1f\x8b" for o in a.offsets)
        assert [d.data for d in split(list(iter_archive(path, CAP)))[0]] == pages[:3]


def test_truncated_tail_is_rejected_and_the_records_before_it_land(
    archive: Callable[..., Archive], pages: list[bytes]
) -> None:
    for gz in (True, False):
        a = archive(f"t{gz}.warc", gz)
        for i, page in enumerate(pages[:4]):
            a.add(f"http://x.example/{i}", page)
        path = a.close()
        path.write_bytes(path.read_bytes()[:-300])  # the last record loses its end
        docs, rejected, _ = split(list(iter_archive(path, CAP)))
        assert [d.url for d in docs] == [f"http://x.example/{i}" for i in range(3)]
        (bad,) = rejected
        assert bad.stage == "read" and f"at byte {a.offsets[3]:,}" in bad.reasons[0]
        assert bad.observed == {"archive": str(path), "offset": a.offsets[3]}


def test_corrupt_record_in_the_middle_is_rejected_and_reading_resumes_after_it(
    archive: Callable[..., Archive], pages: list[bytes]
) -> None:
    a = archive()
    for i, page in enumerate(pages[:4]):
        a.add(f"http://x.example/{i}", page)
    path = a.close()
    data = path.read_bytes()
    o1, o2 = a.offsets[1], a.offsets[2]
    path.write_bytes(data[:o1 + 12] + b"\x00 not deflate \x00" * 8 + data[o2:])
    docs, rejected, _ = split(list(iter_archive(path, CAP)))
    assert [d.url for d in docs] == ["http://x.example/0", "http://x.example/2", "http://x.example/3"]
    (bad,) = rejected
    assert bad.reasons[0].startswith("corrupt record") and bad.observed["offset"] == o1


def test_revisit_resolves_to_its_original_and_is_not_ingested_twice(
    archive: Callable[..., Archive], pages: list[bytes]
) -> None:
    a = archive()
    original = a.add("http://x.example/story", pages[0])
    a.revisit("http://x.example/story", original)
    a.writer.write_record(
        a.writer.create_revisit_record(
            "http://x.example/old", "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "http://x.example/old", "2020-01-01T00:00:00Z"
        )
    )
    docs, rejected, skipped = split(list(iter_archive(a.close(), CAP)))
    assert len(docs) == 1 and rejected == []
    assert skipped[0].record_type == "revisit" and skipped[0].reason == f"revisit: same payload as {docs[0].source}"
    assert skipped[1].reason.startswith("revisit: original") and "not in this archive" in skipped[1].reason


def test_same_payload_under_two_records_is_one_document(
    archive: Callable[..., Archive], pages: list[bytes]
) -> None:
    a = archive()
    a.add("http://x.example/a?utm_source=x", pages[0])
    a.add("http://mirror.example/a", pages[0])
    docs, _, skipped = split(list(iter_archive(a.close(), CAP)))
    assert len(docs) == 1 and skipped[0].reason == f"duplicate payload: same as {docs[0].source}"


def test_records_that_are_not_articles_are_skipped_with_a_reason(
    archive: Callable[..., Archive], pages: list[bytes]
) -> None:
    a = archive()
    a.add("http://x.example/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png")
    a.add("http://x.example/gone.html", b"<html>gone</html>", status="404 Not Found")
    a.add("http://x.example/big.html", b"<html><body>" + b"x" * 2000 + b"</body></html>")
    a.add("http://x.example/notes.txt", "深度求索发布新模型。".encode(), "text/plain; charset=utf-8")
    docs, rejected, skipped = split(list(iter_archive(a.close(), 1000)))
    assert [s.reason for s in skipped] == ["payload type: image/png", "HTTP status: 404 Not Found"]
    (big,) = rejected
    assert big.stage == "read" and big.reasons[0].startswith("input too large") and big.observed["url"].endswith("big.html")
    assert [d.url for d in docs] == ["http://x.example/notes.txt"]


def test_batches_count_skips_by_category(archive: Callable[..., Archive], pages: list[bytes]) -> None:
    a = archive()
    for i, page in enumerate(pages):
        a.request(f"http://x.example/{i}")
        a.add(f"http://x.example/{i}", page)
    batches = list(iter_archive_batches(a.close(), CAP, 2))
    assert [len(b.documents) for b in batches] == [2, 2, 1]
    assert sum(b.skipped["request record"] for b in batches) == len(pages)


def test_batches_hold_at_most_the_byte_cap_of_documents(archive: Callable[..., Archive], pages: list[bytes]) -> None:
    a = archive()
    for i, page in enumerate(pages):
        a.add(f"http://x.example/{i}", page)
    cap = max(map(len, pages)) + 1  # no page is over it, no two pages fit under it
    assert min(map(len, pages)) * 2 > cap
    batches = list(iter_archive_batches(a.close(), CAP, 100, cap))
    assert [len(b.documents) for b in batches] == [1] * len(pages)  # the count alone allows one batch
    assert [d.data for b in batches for d in b.documents] == pages


def test_looks_like_archive_knows_warc_arc_and_not_other_gzip() -> None:
    assert looks_like_archive(b"WARC/1.1\r\nWARC-Type: warcinfo\r\n")
    assert looks_like_archive(b"filedesc://IA-001102.arc 0.0.0.0 20000101000000 text/plain 76\n")
    assert looks_like_archive(gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\n" + b"x" * 300)[:64])
    assert not looks_like_archive(gzip.compress(b"<html><body>WARC/1.0</body></html>"))
    assert not looks_like_archive(b"<!DOCTYPE html><html>")
    assert not looks_like_archive(b"\x1f\x8b\x08 not really gzip")


def test_seed_files_in_a_warc_extract_like_the_files_plus_their_urls(archive: Callable[..., Archive]) -> None:
    seeds = sorted(SEEDS.glob("*.txt"))
    a = archive()
    urls = {}
    for path in seeds:
        urls[path.name] = f"https://news.example.cn/seeds/{path.stem}"
        a.add(urls[path.name], path.read_bytes(), "text/plain; charset=utf-8")
    docs, rejected, skipped = split(list(iter_archive(a.close(), CAP)))
    assert len(docs) == len(seeds) and rejected == skipped == []
    for path, doc in zip(seeds, docs, strict=True):
        from_file = extract_document(RawDocument(str(path), path.read_bytes()))
        from_warc = extract_document(doc)
        assert isinstance(from_file, Article) and isinstance(from_warc, Article), path.name
        assert (from_warc.title, from_warc.text) == (from_file.title, from_file.text), path.name
        assert from_warc.url == (from_file.url or urls[path.name]), path.name


def test_archive_files_are_recognised_by_content_whatever_their_name(
    archive: Callable[..., Archive], pages: list[bytes], tmp_path: Path
) -> None:
    a = archive("capture.bin")
    a.add("http://x.example/0", pages[0])
    page = tmp_path / "page.warc.gz"
    page.write_bytes(gzip.compress(pages[0]))
    assert is_archive_file(a.close()) and not is_archive_file(page)
    assert not is_archive_file(tmp_path / "missing.warc")


@pytest.mark.usefixtures("prefect_api")
def test_seed_pages_in_a_warc_land_the_same_articles_as_the_files_plus_urls(
    archive: Callable[..., Archive], seeds_dir: Path, tmp_path: Path
) -> None:
    """Through the pipeline's own extract -> validate -> land step, batch by archive batch: the wiring
    the ingest flow uses for archives."""
    import duckdb
    from prefect import flow

    from flows.ingest import ingest_flow, process_documents
    from presswatch.settings import load_settings
    from presswatch.store import db as warehouse

    a = archive()
    for path in sorted(seeds_dir.glob("*.txt")):
        a.request(f"https://news.example.cn/seeds/{path.stem}")
        a.add(f"https://news.example.cn/seeds/{path.stem}", path.read_bytes(), "text/plain; charset=utf-8")
    a.add("https://news.example.cn/cut-short", seed_articles()[0].page())
    warc_path = a.close()
    warc_path.write_bytes(warc_path.read_bytes()[:-200])  # the last capture was cut short
    files_db, warc_db = tmp_path / "files.duckdb", tmp_path / "warc.duckdb"

    @flow(name="land-archive-test")
    def land_archive(db: str) -> list[tuple[str, str, str]]:
        settings = load_settings(db_path=db)
        outcomes: list[tuple[str, str, str]] = []
        for batch in iter_archive_batches(warc_path, settings.max_input_bytes, 2):
            outcomes += process_documents(settings, batch.documents, "warc-test", batch.rejections)
        return outcomes

    ingest_flow(seeds_dir=str(seeds_dir), db_path=str(files_db), include_feeds=False)
    warehouse.prepare(warc_db)
    outcomes = land_archive(str(warc_db))
    ((source, _, detail),) = [o for o in outcomes if o[1] == "quarantined"]
    assert source == f"{warc_path}@{a.offsets[-1]}" and "truncated" in detail
    assert len(outcomes) == 6 and {o[1] for o in outcomes if o[0] != source} <= {"new", "landed"}

    def articles(db: Path) -> list[tuple[str, str, str, str | None]]:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute("SELECT source, title, text, url FROM articles ORDER BY source").fetchall()

    from_files = articles(files_db)
    from_warc = {(title, text): url for _, title, text, url in articles(warc_db)}
    assert len(from_files) == len(from_warc) == 5
    for source, title, text, url in from_files:
        # Same title and text; the URL the file states, else the one the archive captured it from.
        assert from_warc[(title, text)] == (url or f"https://news.example.cn/seeds/{Path(source).stem}")


def arc_record(header: str, body: bytes) -> bytes:
    """One ARC v1 record as its own gzip member (.arc.gz): header line with the length, body, newline."""
    return gzip.compress(f"{header} {len(body)}\n".encode() + body + b"\n")


def test_arc_files_read_like_warcs_with_stable_record_names(tmp_path: Path, pages: list[bytes]) -> None:
    version = b"1 0 presswatch\nURL IP-address Archive-date Content-type Archive-length\n"
    ok = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=gbk\r\n\r\n"
    path = tmp_path / "old-crawl.arc.gz"
    path.write_bytes(
        arc_record("filedesc://old-crawl.arc 0.0.0.0 20250208080000 text/plain", version)
        + arc_record("http://x.example/a.html 10.0.0.1 20250208080000 text/html", ok + pages[0])
        + arc_record(
            "http://x.example/b.png 10.0.0.1 20250208080000 image/png",
            b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n\x89PNG",
        )
    )
    assert looks_like_archive(path.read_bytes()[:512])
    first, again = list(iter_archive(path, CAP)), list(iter_archive(path, CAP))
    docs, rejected, skipped = split(first)
    (doc,) = docs
    assert (doc.url, doc.http_charset, doc.data, doc.hints["captured_at"]) == (
        "http://x.example/a.html", "gbk", pages[0], "2025-02-08T08:00:00Z"
    )
    assert rejected == [] and [s.reason for s in skipped] == ["warcinfo record", "payload type: image/png"]
    # A re-read names every record the same way, so landing it again is "unchanged", not a duplicate.
    assert [i.source for i in first] == [i.source for i in again]
    assert doc.source.startswith(f"{path}#offset-")
