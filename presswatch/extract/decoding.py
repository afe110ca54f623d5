"""Bytes -> text without mojibake.

Declared charsets (HTTP header, XML declaration, <meta>, archive wrapper) are only candidates: each is
verified by a strict decode, and valid multi-byte UTF-8 beats a declared legacy charset, because legacy
CJK text is almost never valid UTF-8 by accident while mislabelled UTF-8 pages are common.
Pure functions: no I/O, no Prefect, no DuckDB.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

SNIFF_BYTES = 4096  # declarations live in the head of a document
DETECTOR_SAMPLE_BYTES = 64 * 1024  # the detector is slow; a bounded sample is enough to name a charset
MAX_REPLACEMENT_SHARE = 0.01


class DecodeError(ValueError):
    """The bytes are not text we can decode faithfully (binary, empty, or undecodable)."""


@dataclass(frozen=True)
class Decoded:
    text: str  # BOM removed, line endings normalised to \n
    encoding: str  # codec actually used, normalised ("utf-8", "gb18030", "big5", "utf-16-le", ...)
    method: str  # "bom" | "http" | "xml-declaration" | "meta" | "wrapper" | "utf-8" | "detector"
    declared: str | None = None  # what the document or HTTP header claimed, even when it lied


_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its LE BOM starts with the UTF-16 LE BOM.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"BZh", "bzip2 data"),
    (b"\xfd7zXZ\x00", "xz data"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"\x7fELF", "ELF executable"),
)

_XML_DECL = re.compile(rb"""\A\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']\s*([A-Za-z0-9._:\-]+)""", re.I)
# Covers <meta charset="x"> and <meta http-equiv="Content-Type" content="text/html; charset=x">.
_META = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.I)
# CleanEval-style archive wrapper: <text id=URL title="..." encoding="gb2312"> before the page itself.
_WRAPPER = re.compile(rb"""\A\s*<text\b[^>]*?\bencoding\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.I)

# Legacy Chinese labels: read as the superset, since pages labelled gb2312 routinely use GBK/GB18030 chars.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "big5hkscs": "big5"}
_ALIASES = {
    "x-gbk": "gbk",
    "gb_2312-80": "gb2312",
    "gb_2312": "gb2312",
    "x-euc-cn": "gb2312",
    "x-big5": "big5",
    "big5-hkscs": "big5hkscs",
    "x-sjis": "shift_jis",
    "unicode": "utf-16",
}
_CHINESE_CODECS = {"gb18030", "big5", "big5hkscs"}
# Private use, C1 controls, Cyrillic, box drawing, kana, bopomofo, hangul syllables.
_UNLIKELY_IN_CHINESE = re.compile(
    "[\ue000-\uf8ff\x80-\x9f\u0400-\u04ff\u2500-\u257f\u3040-\u30ff\u3100-\u312f\uac00-\ud7af]"
)
_MAX_UNLIKELY_SHARE = 0.2  # real Chinese pages measured at most 4% (a page about a Korean name)
# HTML treats these as windows-1252 (WHATWG Encoding Standard); 0x80-0x9F are punctuation, not controls.
_WINDOWS_1252_LABELS = {"ascii", "iso8859-1"}


def normalise_charset(label: str | None) -> str | None:
    """Map a declared label to the Python codec we decode with, or None if unknown."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    if codec in _WINDOWS_1252_LABELS:
        return "cp1252"
    return _SUPERSETS.get(codec, codec)


def _plausible(text: str, encoding: str) -> bool:
    """Reject a Chinese codec whose result is full of characters Chinese text hardly uses.

    Strict decoding cannot tell Big5 from GBK (both accept almost any byte pair): Big5 read as GB18030
    comes out as private-use, kana and Cyrillic characters in roughly half the places.
    """
    if encoding not in _CHINESE_CODECS:
        return True
    suspicious = len(_UNLIKELY_IN_CHINESE.findall(text))
    return suspicious < 10 or suspicious <= _MAX_UNLIKELY_SHARE * _non_ascii(text)


def _strict_with_name(data: bytes, encoding: str) -> tuple[str, str] | None:
    for name in [encoding, *({"big5": ["big5hkscs"], "cp1252": ["latin-1"]}.get(encoding, []))]:
        try:
            text = data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        codec = codecs.lookup(name).name
        return (text, codec) if _plausible(text, codec) else None
    return None


def _finish(text: str, encoding: str, method: str, declared: str | None) -> Decoded:
    # A BOM can also appear after an archive wrapper, in the middle; as text it is always noise.
    text = text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")
    return Decoded(text=text, encoding=encoding, method=method, declared=declared)


def _magic_kind(data: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP image"
    return None


def _wide_unicode(data: bytes) -> tuple[str, str] | None:
    """UTF-16/32 without a BOM, recognised by where the NUL bytes fall, verified by a clean decode.

    Code points below U+0100 (ASCII markup, digits, newlines) put a NUL in the high byte, so the parity
    of the NUL offsets gives the byte order; UTF-32 leaves its top byte NUL for every character.
    """
    head = data[: SNIFF_BYTES - SNIFF_BYTES % 4]
    nuls = [head[i::4].count(0) for i in range(4)]
    quads = len(head) // 4
    order: list[str] = []
    if quads and len(data) % 4 == 0:
        if nuls[3] == quads:
            order.append("utf-32-le")
        if nuls[0] == quads:
            order.append("utf-32-be")
    odd, even = nuls[1] + nuls[3], nuls[0] + nuls[2]
    if len(data) % 2 == 0 and max(odd, even) > 0 and min(odd, even) <= 0.1 * max(odd, even):
        order.append("utf-16-le" if odd > even else "utf-16-be")
    for enc in order:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            continue  # e.g. UTF-32 read as UTF-16: NUL code units betray the wrong width
        sample = text[:SNIFF_BYTES]
        controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
        if controls <= 0.01 * max(1, len(sample)):
            return text, enc
    return None


def looks_binary(data: bytes) -> bool:
    """True for known binary formats and for NUL-laden bytes that are not UTF-16/32 text."""
    if _magic_kind(data) is not None:
        return True
    if data.startswith(tuple(bom for bom, _ in _BOMS)):
        return False
    head = data[:SNIFF_BYTES]
    return head.count(0) > 0 and _wide_unicode(data) is None


def _declarations(data: bytes, http_charset: str | None) -> list[tuple[str, str]]:
    head = data[:SNIFF_BYTES]
    found: list[tuple[str, str]] = []
    if http_charset:
        found.append(("http", http_charset.strip().strip("\"'")))
    for method, pattern in (("xml-declaration", _XML_DECL), ("meta", _META), ("wrapper", _WRAPPER)):
        match = pattern.search(head)
        if match:
            found.append((method, match.group(1).decode("ascii")))
    return found


def _non_ascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))


def _utf8_with_few_errors(data: bytes) -> str | None:
    """UTF-8 that is valid except for a few stray bytes (truncation, one corrupt char) - still UTF-8."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = _non_ascii(text) - bad
    # Legacy CJK bytes read as UTF-8 give replacement chars for nearly every non-ASCII byte.
    if good >= 20 and bad <= MAX_REPLACEMENT_SHARE * good:
        return text
    return None


def _tolerant(data: bytes, encoding: str) -> str | None:
    text = data.decode(encoding, errors="replace")
    bad = text.count("\ufffd")
    if bad > MAX_REPLACEMENT_SHARE * max(1, _non_ascii(text) - bad):
        return None
    return text if _plausible(text, encoding) else None


def _detect(data: bytes) -> str | None:
    from charset_normalizer import from_bytes  # slow import, only needed for the fallback

    best = from_bytes(data[:DETECTOR_SAMPLE_BYTES]).best()
    return normalise_charset(best.encoding) if best is not None else None


def _http_label(http_charset: str | None) -> str | None:
    """Accept a bare charset or a whole Content-Type value ("text/html; charset=GBK")."""
    if not http_charset:
        return None
    match = re.search(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9._:\-]+)", http_charset, re.I)
    label = match.group(1) if match else http_charset.strip().strip("\"'")
    return label if "/" not in label and ";" not in label else None


def _replacement_share(text: str) -> float:
    return text.count("\ufffd") / max(1, len(text))


def decode(data: bytes, http_charset: str | None = None) -> Decoded:
    """Decode document bytes to text, verifying every declared charset before trusting it."""
    if not data or not data.strip(b" \t\r\n\x00"):
        raise DecodeError("empty input")
    kind = _magic_kind(data)
    if kind is not None:
        raise DecodeError(f"binary content ({kind})")

    declarations = _declarations(data, _http_label(http_charset))
    first_declared = declarations[0][1] if declarations else None

    for bom, bom_codec in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            try:
                return _finish(body.decode(bom_codec), bom_codec, "bom", first_declared)
            except UnicodeDecodeError:
                # An explicit BOM outweighs any guess: keep it if only a few bytes are broken.
                text = body.decode(bom_codec, errors="replace")
                if _replacement_share(text) < MAX_REPLACEMENT_SHARE:
                    return _finish(text, bom_codec, "bom", first_declared)
            break

    if data[:SNIFF_BYTES].count(0):
        wide = _wide_unicode(data)
        if wide is None:
            nuls = data[:SNIFF_BYTES].count(0)
            raise DecodeError(f"binary content ({nuls} NUL bytes in the first {SNIFF_BYTES} bytes)")
        text, wide_codec = wide
        inner = next((label for _, label in _declarations(text[:SNIFF_BYTES].encode(), None)), None)
        http = _http_label(http_charset)
        method = "http" if http and normalise_charset(http) == wide_codec else "detector"
        return _finish(text, wide_codec, method, http or inner)

    utf8_text: str | None
    try:
        utf8_text = data.decode("utf-8")
    except UnicodeDecodeError:
        utf8_text = None

    for method, label in declarations:
        enc = normalise_charset(label)
        if enc is None or enc.startswith(("utf-16", "utf-32")):
            continue  # unknown label, or a wide charset claimed by ASCII-compatible bytes: a lie
        if enc != "utf-8" and utf8_text is not None and not data.isascii():
            # Valid multi-byte UTF-8 is a far stronger signal than a legacy label (templates lie).
            return _finish(utf8_text, "utf-8", "utf-8", label)
        decoded = _strict_with_name(data, enc)
        if decoded is not None:
            return _finish(decoded[0], decoded[1], method, label)

    if utf8_text is not None:
        return _finish(utf8_text, "utf-8", "utf-8", first_declared)

    mostly_utf8 = _utf8_with_few_errors(data)
    if mostly_utf8 is not None:
        said_utf8 = [(m, label) for m, label in declarations if normalise_charset(label) == "utf-8"]
        method, declared = said_utf8[0] if said_utf8 else ("utf-8", first_declared)
        return _finish(mostly_utf8, "utf-8", method, declared)

    for method, label in declarations:
        # A declared legacy charset spoilt by a few corrupt bytes is still far better evidence than a guess.
        enc = normalise_charset(label)
        if enc is None or enc == "utf-8" or enc.startswith(("utf-16", "utf-32")):
            continue
        tolerant = _tolerant(data, enc)
        if tolerant is not None:
            return _finish(tolerant, enc, method, label)

    detected = _detect(data)
    if detected is not None:
        decoded = _strict_with_name(data, detected)
        if decoded is not None:
            return _finish(decoded[0], decoded[1], "detector", first_declared)

    text = data.decode("utf-8", errors="replace")
    share = _replacement_share(text)
    if share < MAX_REPLACEMENT_SHARE:
        return _finish(text, "utf-8", "utf-8", first_declared)
    raise DecodeError(
        f"undecodable: no charset decodes cleanly and {share:.1%} of characters are invalid as UTF-8"
    )
