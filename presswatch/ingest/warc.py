"""Web archives (WARC 1.0/1.1, ARC) as input: one RawDocument per HTTP response with an HTML or text payload.

Streaming: records are read one at a time from the file (warcio), a payload is read only up to
`max_input_bytes`, so memory stays flat whatever the archive's size. What is not a document is said so:
every other record comes out as `Skipped` with a reason (request, warcinfo, image/png, HTTP 404, a
revisit naming its original, a payload already seen under another record), and a record that cannot be
read (truncated, corrupt) comes out as a `Rejection` (stage "read") after which reading resumes at the
next record boundary found in the file, so the rest of the archive still lands.

Revisit records say "same payload as an earlier capture": they resolve to that original (by
WARC-Refers-To, else by payload digest) and are skipped naming it, as the original was ingested already.
Payload digests (WARC-Payload-Digest, else a SHA-1 of the payload) are remembered for the run: a few
dozen bytes per record, not per payload byte.
"""

from __future__ import annotations

import hashlib
import zlib
from collections import Counter
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator

from presswatch.records import RawDocument, Rejection, sha256_hex

KIND = "warc-record"
DOCUMENT_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
_GZIP = b"\x1f\x8b\x08"
_WARC_MARK = b"WARC/1."
_SCAN_CHUNK = 1 << 20
_SNIFF = (b"<!doctype html", b"<html", b"<head", b"<body")


@dataclass(frozen=True)
class Skipped:
    """A record that is not a document, and why (counted, never quarantined)."""

    source: str
    reason: str
    record_type: str | None = None
    url: str | None = None

    @property
    def category(self) -> str:
        """The reason without its particulars, for counts: "revisit", "payload type", "HTTP status"..."""
        return self.reason.split(":", 1)[0]


ArchiveItem = RawDocument | Rejection | Skipped


def looks_like_archive(head: bytes) -> bool:
    """True for the first bytes of a WARC or ARC file, plain or gzip (one member per record or whole)."""
    return _is_record_start(_inflated(head))


def _inflated(head: bytes) -> bytes:
    """The start of a gzip stream's content (the bytes themselves when not gzip; b"" when broken)."""
    if not head.startswith(_GZIP):
        return head
    try:
        return zlib.decompressobj(wbits=31).decompress(head, 64)
    except zlib.error:
        return b""


def is_archive_file(path: str | Path) -> bool:
    """Whether the file is a WARC/ARC archive, from its first bytes (its name does not matter)."""
    try:
        with Path(path).open("rb") as fh:
            return looks_like_archive(fh.read(512))
    except OSError:
        return False


def _is_record_start(data: bytes) -> bool:
    return data.startswith((b"WARC/1.", b"WARC/0.", b"filedesc://"))


def _media_type(content_type: str | None) -> tuple[str | None, str | None]:
    """(media type, charset) of a Content-Type header value."""
    if not content_type:
        return None, None
    msg = Message()
    msg["content-type"] = content_type
    charset = (msg.get_content_charset() or "").strip().strip("'\"").lower() or None
    return msg.get_content_type().lower(), charset


@dataclass
class _Seen:
    """What this read remembers: payload digest -> first source, record id -> source."""

    digests: dict[str, str] = field(default_factory=dict)
    records: dict[str, str] = field(default_factory=dict)
    arc: bool = False


def iter_archive(path: str | Path, max_input_bytes: int) -> Iterator[ArchiveItem]:
    """Every record of the archive as a RawDocument, a Rejection or a Skipped, in file order."""
    path = Path(path)
    size = path.stat().st_size
    seen = _Seen()
    with path.open("rb") as fh:
        head = fh.read(512)
        gz = head.startswith(_GZIP[:2])
        # ARC records have no ids: warcio makes up a new one on each read, so the offset names them.
        seen.arc = _inflated(head).startswith(b"filedesc://")
        pos: int | None = 0
        while pos is not None and pos < size:
            fh.seek(pos)
            bad, reason = yield from _read_from(fh, path, seen, max_input_bytes)
            if _blank_from(fh, bad, size):
                return
            yield _unreadable(path, bad, reason)
            pos = _resync(fh, bad + 1, gz)


def _read_from(fh: IO[bytes], path: Path, seen: _Seen, cap: int) -> Generator[ArchiveItem, None, tuple[int, str]]:
    """Read records from the current position; returns where reading stopped (the end, or the first
    unreadable record) and what is wrong there if that is not the end of the file."""
    it = ArchiveIterator(fh, arc2warc=True)
    start = it.offset
    try:
        for record in it:
            start, errors = it.offset, it.err_count
            item = _item(record, path, start, seen, cap)
            it.read_to_end()
            if record.raw_stream.limit > 0:
                return start, f"truncated record: {record.raw_stream.limit} of its declared bytes missing"
            if it.err_count > errors:
                # warcio found no blank line where the record should end: its Content-Length is wrong,
                # so the payload holds bytes of the next record (or misses some of its own).
                return start, "corrupt record: its length does not match its Content-Length"
            yield item
            start = it.offset
    except Exception as exc:  # warcio raises many types on corrupt input (ArchiveLoadFailed, zlib, ValueError)
        return start, f"corrupt record: {type(exc).__name__}: {str(exc)[:200]}"
    # warcio stops quietly at a truncated gzip member: data left after the last record is looked at.
    return it.offset, "truncated or unreadable data after the last complete record"


def _item(record: Any, path: Path, offset: int, seen: _Seen, cap: int) -> ArchiveItem:
    headers = record.rec_headers
    rtype = record.rec_type or headers.get_header("WARC-Type")
    rid = "" if seen.arc else (headers.get_header("WARC-Record-ID") or "").strip("<>")
    rid = rid or f"offset-{offset}"
    source = f"{path}#{rid}"
    url = headers.get_header("WARC-Target-URI")
    if not rtype:
        raise ValueError("record without WARC-Type")
    if rtype == "revisit":
        return _revisit(record, source, url, seen)
    if rtype != "response":
        return Skipped(source, f"{rtype} record", rtype, url)
    seen.records[rid] = source  # a revisit may name any response as its original
    http = record.http_headers
    if http is None or not http.protocol.upper().startswith("HTTP"):
        return Skipped(source, "not an HTTP response", rtype, url)
    status = http.get_statuscode() or ""
    if not status.startswith("2"):
        return Skipped(source, f"HTTP status: {http.statusline}", rtype, url)
    media, charset = _media_type(http.get_header("Content-Type"))
    body = record.content_stream().read(cap + 1)
    if media is None and body[:512].lstrip().lower().startswith(_SNIFF):
        media = "text/html"
    if media not in DOCUMENT_TYPES:
        return Skipped(source, f"payload type: {media or 'none declared'}", rtype, url)
    if len(body) > cap:
        return Rejection(
            source,
            sha256_hex(f"warc-oversize:{source}".encode()),
            "read",
            [f"input too large: over {cap:,} bytes (limit {cap:,}); record skipped"],
            {"url": url, "archive": str(path), "offset": offset},
        )
    digest = headers.get_header("WARC-Payload-Digest") or "sha1:" + hashlib.sha1(body).hexdigest()
    first = seen.digests.setdefault(digest, source)
    if first != source:
        return Skipped(source, f"duplicate payload: same as {first}", rtype, url)
    hints = {
        "captured_at": headers.get_header("WARC-Date"),
        "archive": str(path),
        "warc_record_id": rid,
        "http_status": int(status[:3]) if status[:3].isdigit() else None,
    }
    return RawDocument(
        source=source,
        data=body,
        kind=KIND,
        url=url,
        http_charset=charset,
        hints={k: v for k, v in hints.items() if v},
    )


def _revisit(record: Any, source: str, url: str | None, seen: _Seen) -> Skipped:
    headers = record.rec_headers
    refers = (headers.get_header("WARC-Refers-To") or "").strip("<>")
    digest = headers.get_header("WARC-Payload-Digest")
    original = seen.records.get(refers) or (seen.digests.get(digest) if digest else None)
    if original:
        return Skipped(source, f"revisit: same payload as {original}", "revisit", url)
    named = refers or headers.get_header("WARC-Refers-To-Target-URI") or digest or "unnamed"
    return Skipped(source, f"revisit: original {named} is not in this archive", "revisit", url)


def _unreadable(path: Path, offset: int, reason: str) -> Rejection:
    source = f"{path}@{offset}"
    # No bytes worth keeping: quarantined under a hash of where it was, like an unreadable file.
    return Rejection(
        source,
        sha256_hex(f"unreadable:{source}".encode()),
        "read",
        [f"{reason} (at byte {offset:,}); reading resumed at the next record"],
        {"archive": str(path), "offset": offset},
    )


def _blank_from(fh: IO[bytes], pos: int, size: int) -> bool:
    """Nothing but the blank lines that separate records from `pos` to the end of the file."""
    if size - pos > 4096:
        return False
    fh.seek(pos)
    return not fh.read().strip()


def _resync(fh: IO[bytes], pos: int, gz: bool) -> int | None:
    """The offset of the next plausible record start at or after `pos`, or None at the end of the file."""
    marker = _GZIP if gz else _WARC_MARK
    while True:
        fh.seek(pos)
        chunk = fh.read(_SCAN_CHUNK + 512)
        if len(chunk) <= len(marker):
            return None
        at = chunk.find(marker)
        while 0 <= at < _SCAN_CHUNK:
            candidate = chunk[at : at + 512]
            # Plain WARC: the version line "WARC/1.x" + CRLF, wherever the damaged record left it.
            if looks_like_archive(candidate) if gz else candidate[8:10] == b"\r\n":
                return pos + at
            at = chunk.find(marker, at + 1)
        pos += _SCAN_CHUNK


@dataclass
class ArchiveBatch:
    """A slice of an archive for one pipeline batch: documents, unreadable records, skipped counts."""

    documents: list[RawDocument] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    def __len__(self) -> int:
        return len(self.documents) + len(self.rejections)


def iter_archive_batches(
    path: str | Path, max_input_bytes: int, size: int, max_batch_bytes: int | None = None
) -> Iterator[ArchiveBatch]:
    """`iter_archive` grouped into batches of at most `size` documents + rejections, and of documents
    whose bytes reach `max_batch_bytes` at most by their last one (the last batch may hold only skipped
    counts): what the ingest flow hands to one extract/validate/land round."""
    batch = ArchiveBatch()
    held = 0
    for item in iter_archive(path, max_input_bytes):
        if isinstance(item, RawDocument):
            if max_batch_bytes is not None and batch.documents and held + len(item.data) > max_batch_bytes:
                yield batch
                batch, held = ArchiveBatch(), 0
            batch.documents.append(item)
            held += len(item.data)
        elif isinstance(item, Rejection):
            batch.rejections.append(item)
        else:
            batch.skipped[item.category] += 1
        if len(batch) >= size:
            yield batch
            batch, held = ArchiveBatch(), 0
    if len(batch) or batch.skipped:
        yield batch
