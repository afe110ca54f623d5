"""Content-Encoding decoding with a bound on the output: pure, fed the raw bytes as they arrive.

httpx decodes gzip/deflate per network read without a bound, so one 64 KiB read of a gzip bomb becomes
~64 MiB before a caller's cap sees it. Here every zlib call is given `max_length` = what is left of the
cap (+1, to notice the overflow), so memory stays within the cap plus one network chunk.
Only encodings that can be bounded this way are accepted; the fetcher advertises exactly these.
"""

from __future__ import annotations

import zlib

ACCEPT_ENCODING = "gzip, deflate"
_IDENTITY = {"", "identity"}
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class UnsupportedEncoding(ValueError):
    """A Content-Encoding this module cannot decode within a bound."""


class OverCap(ValueError):
    """The decoded body grew past the cap."""


class CorruptEncoding(ValueError):
    """The bytes are not valid for their declared encoding."""


def encodings_of(header: str | None) -> list[str]:
    return [e.strip().lower() for e in (header or "").split(",") if e.strip().lower() not in _IDENTITY]


class BoundedDecoder:
    """Feed raw chunks, get decoded bytes; raises OverCap as soon as the output passes `cap`."""

    def __init__(self, content_encoding: str | None, cap: int) -> None:
        found = encodings_of(content_encoding)
        if len(found) > 1:
            raise UnsupportedEncoding(f"stacked content encodings {', '.join(found)} are not decoded")
        if found and found[0] not in _WBITS:
            raise UnsupportedEncoding(
                f"unsupported content encoding {found[0]!r}: only gzip and deflate are decoded"
            )
        self.encoding = found[0] if found else None
        self.cap = cap
        self.total = 0
        self._raw_deflate = False  # some servers send raw deflate without the zlib header
        self._d = self._new() if self.encoding else None

    def _new(self) -> zlib._Decompress:
        assert self.encoding is not None
        return zlib.decompressobj(-zlib.MAX_WBITS if self._raw_deflate else _WBITS[self.encoding])

    def _count(self, piece: bytes) -> bytes:
        self.total += len(piece)
        if self.total > self.cap:
            raise OverCap(f"over the cap of {self.cap} bytes after {self.encoding} decoding")
        return piece

    def feed(self, data: bytes) -> bytes:
        if self._d is None:
            return self._count(data)
        out: list[bytes] = []
        while data:
            try:
                piece = self._d.decompress(data, self.cap - self.total + 1)
            except zlib.error as exc:
                if self.encoding == "deflate" and not self._raw_deflate and self.total == 0 and not out:
                    self._raw_deflate = True
                    self._d = self._new()
                    continue
                raise CorruptEncoding(f"invalid {self.encoding} data: {exc}") from exc
            out.append(self._count(piece))
            data = self._d.unconsumed_tail
            if self._d.eof:
                # gzip may hold several members one after another; anything after deflate's end is junk.
                rest = self._d.unused_data
                data = rest if self.encoding != "deflate" and rest[:2] == b"\x1f\x8b" else b""
                if data:
                    self._d = self._new()
        return b"".join(out)

    def flush(self) -> bytes:
        if self._d is None:
            return b""
        try:
            return self._count(self._d.flush())
        except zlib.error as exc:
            raise CorruptEncoding(f"invalid {self.encoding} data: {exc}") from exc
