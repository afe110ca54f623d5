"""Batch validation of documents and articles against the Great Expectations suites in `expectations/`.

Plain Python computes the derived columns (body length in characters, Han share, line shapes, parsed
dates); GX evaluates the suites over the whole batch frame in one run per suite, and its own per-row
results (`unexpected_index_list`) decide which rows are blocked (quarantine) or only warned about.
No Prefect, no DuckDB here; GX itself is imported lazily by `presswatch.validate.suites`.
"""

from __future__ import annotations

import codecs
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import fields
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from presswatch import dates
from presswatch.limits import over_size_cap
from presswatch.records import Article
from presswatch.settings import EXPECTATIONS_DIR
from presswatch.text import HAN_RANGES, script_marker_sets
from presswatch.validate.results import ValidationOutcome
from presswatch.validate.suites import load_suite, run_suite

ARTICLES_SUITE = "articles"
DOCUMENTS_SUITE = "documents"

# Shares over fewer letters than this say nothing about the language: left null, so GX skips them.
MIN_LETTERS_FOR_SHARE = 20
# Same for Hans/Hant: only characters that exist in one script count, and a few of them are not evidence.
MIN_SCRIPT_MARKERS = 5
# A line this short (non-space characters) is a menu item, a label or a byline, not a paragraph.
SHORT_LINE_CHARS = 8
# A line this long (non-space characters) without a link is prose: headlines and teasers stay shorter.
LONG_LINE_CHARS = 40

_ELLIPSIS_ENDS = ("...", "…", "⋯")
_LINK_MARKERS = ("http://", "https://", "www.", "](", "<a href")
_CJK_SENTENCE_ENDS = "。！？!?"
_URL = re.compile(r"https?://\S+|www\.\S+|\]\([^)]*\)|<a href[^>]*>")
# A Latin full stop ends a sentence before a space, a closing quote or the end; "..." does not.
_LATIN_PERIOD = re.compile(r"\.(?<!\.\.)(?=[\s\"”’)」』]|$)")
_ATTRIBUTION = re.compile(r"\s*([^:|]+?)\s*[:|]\s*(\S.*)")
# Labels of attribution lines that name the outlet ("来源：新华社", "Source: Reuters").
_OUTLET_LABELS = frozenset(
    [
        "来源",
        "來源",
        "稿源",
        "出处",
        "出處",
        "本文来源",
        "文章来源",
        "本文來源",
        "文章來源",
        "source",
        "outlet",
        "via",
    ]
)


# ---------------------------------------------------------------------------------------------- text stats


# Character classes for counting: each code point maps to one class, looked up for a whole text at once.
OTHER, SPACE, LETTER, HAN, HAN_TRAD, HAN_SIMP, KANA, HANGUL = range(8)
_HAN_BLOCKS = HAN_RANGES
_KANA_BLOCKS = ((0x3040, 0x30FF), (0x31F0, 0x31FF))
_HANGUL_BLOCKS = ((0xAC00, 0xD7A3), (0x1100, 0x11FF), (0x3130, 0x318F))


@lru_cache(maxsize=1)
def char_classes() -> np.ndarray:
    """Class of every Unicode code point (built once, ~0.3 s): a Python loop per character of every body
    would cost seconds per 10k articles, a table lookup over the code point array costs microseconds."""
    table = np.zeros(0x110000, dtype=np.uint8)
    alpha = np.fromiter((chr(cp).isalpha() for cp in range(0x110000)), dtype=bool, count=0x110000)
    space = np.fromiter((chr(cp).isspace() for cp in range(0x110000)), dtype=bool, count=0x110000)
    table[alpha] = LETTER
    table[space] = SPACE
    for blocks, cls in ((_HAN_BLOCKS, HAN), (_KANA_BLOCKS, KANA), (_HANGUL_BLOCKS, HANGUL)):
        for lo, hi in blocks:
            table[lo : hi + 1] = np.where(alpha[lo : hi + 1], cls, table[lo : hi + 1])
    trad_only, simp_only = script_marker_sets()
    table[[ord(c) for c in trad_only if len(c) == 1]] = HAN_TRAD
    table[[ord(c) for c in simp_only if len(c) == 1]] = HAN_SIMP
    return table


def class_counts(text: str) -> np.ndarray:
    codepoints = np.frombuffer(text.encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)
    return np.bincount(char_classes()[codepoints], minlength=8)


def text_stats(text: str) -> dict[str, Any]:
    """Language- and shape-level measurements of one body, counted in characters, never in words."""
    counts = class_counts(text)
    trad, simp = int(counts[HAN_TRAD]), int(counts[HAN_SIMP])
    han = trad + simp + int(counts[HAN])
    kana, hangul = int(counts[KANA]), int(counts[HANGUL])
    letters = han + kana + hangul + int(counts[LETTER])
    lines = [stripped for ln in text.splitlines() if (stripped := ln.strip())]
    n_lines = len(lines)

    def share(count: int) -> float | None:
        return count / n_lines if n_lines else None

    def letter_share(count: int) -> float | None:
        return count / letters if letters >= MIN_LETTERS_FOR_SHARE else None

    chars = len(text) - int(counts[SPACE])
    sentence_ends = sum(text.count(mark) for mark in _CJK_SENTENCE_ENDS) + len(_LATIN_PERIOD.findall(text))
    # One pass over the lines (each line's measures were several passes: ~a third of a batch's frame).
    n_short = n_ellipsis = link_chars = all_chars = 0
    for ln in lines:
        compact = len("".join(ln.split()))
        link = _is_link_line(ln)
        ellipsis = ln.endswith(_ELLIPSIS_ENDS)
        # Characters of text, the addresses themselves left out (a long URL is not more of a link list).
        # Every address _URL matches contains a link marker, so a line without one has nothing to remove.
        size = max(len(_URL.sub("", ln)) if link else len(ln), 1)
        all_chars += size
        link_chars += size if link else 0
        n_short += compact < SHORT_LINE_CHARS
        n_ellipsis += ellipsis
        # A long line of prose ends a sentence where it ends, written mark or not (forum and BBS posts, old
        # portals drop the final 。); headlines, teasers (…) and link lines are not such lines.
        sentence_ends += _unmarked_sentence_end(ln, compact, ellipsis, link)
    return {
        "text_chars": chars,
        "line_count": n_lines,
        "han_share": letter_share(han),
        "kana_share": letter_share(kana),
        "hangul_share": letter_share(hangul),
        "hant_share": trad / (trad + simp) if trad + simp >= MIN_SCRIPT_MARKERS else None,
        "short_line_share": share(n_short),
        "ellipsis_line_share": share(n_ellipsis),
        # Weighted by characters without the addresses: two credit lines ('原文链接：https://...') under a
        # short article are not a link list; a list of linked headlines still is.
        "link_line_share": (link_chars / max(all_chars, 1)) if n_lines else None,
        # Sentence ends per 100 non-space characters; ellipses are not sentence ends (teasers use them).
        "sentence_density": 100 * sentence_ends / chars if chars else None,
    }


def _is_link_line(line: str) -> bool:
    lowered = line.lower()
    return any(m in lowered for m in _LINK_MARKERS)


def _unmarked_sentence_end(line: str, compact: int, ellipsis: bool, link: bool) -> bool:
    """A long line without a final mark (`compact`: its non-space characters), neither teaser nor link."""
    return (
        compact >= LONG_LINE_CHARS
        and not ellipsis
        and line[-1] not in _CJK_SENTENCE_ENDS
        and not _LATIN_PERIOD.search(line[-1:])
        and not link
    )


# ------------------------------------------------------------------------------------------- dates, outlet


def published_fields(published_at: str | None, now: datetime) -> dict[str, Any]:
    parsed = dates.parse_iso(published_at)
    if parsed is None or published_at is None:
        return {
            "published_parsed": published_at is None,
            "published_utc": pd.NaT,
            "published_year": None,
            "is_future": False,
        }
    # the instant is unknown without an offset
    utc = pd.NaT if parsed.tzinfo is None else pd.Timestamp(parsed.astimezone(UTC))
    future = dates.is_future(parsed, now, has_time=dates.iso_has_time(published_at))
    return {
        "published_parsed": True,
        "published_utc": utc,
        "published_year": parsed.year,
        "is_future": future,
    }


def outlet_named_in(attributions: Iterable[str]) -> str | None:
    """The outlet an attribution line names ("来源: 观察者网"), if any."""
    for line in attributions:
        m = _ATTRIBUTION.match(unicodedata.normalize("NFKC", line or ""))
        if m and m.group(1).strip().lower() in _OUTLET_LABELS:
            return m.group(2).strip()
    return None


# An address that names one item: a numeric id of 5+ digits, or a year and month, in its path or query
# (/article/details/129474149, /2024/05/13/..., /20240513/..., ?id=48213). Section and home pages name none.
_ITEM_ADDRESS = re.compile(r"\d{5,}|(?:19|20)\d{2}[/_-]?(?:0[1-9]|1[0-2])(?!\d)")


def is_article_page(article: Article) -> bool:
    """Whether the page presents one article: a title of its own (not derived from the body), a publication
    date, and an address naming one item. Lets a short post land where a short teaser or menu would not."""
    if article.title_derived or not (article.title or "").strip() or not article.published_at:
        return False
    parts = urlsplit(article.url or "")
    return bool(parts.netloc) and bool(_ITEM_ADDRESS.search(f"{parts.path}?{parts.query}"))


# ------------------------------------------------------------------------------------------------- frames

ARTICLE_FIELDS = tuple(f.name for f in fields(Article))
# Nullable numbers stay float (None -> NaN), so GX skips them instead of failing them.
_NULLABLE_FLOATS: tuple[str, ...] = (
    "han_share",
    "kana_share",
    "hangul_share",
    "hant_share",
    "sentence_density",
)
_NULLABLE_FLOATS += ("published_year", "short_line_share", "ellipsis_line_share", "link_line_share")


def articles_frame(articles: list[Article], now: datetime) -> pd.DataFrame:
    """One row per article: row_id (= doc_sha256), every Article field and the derived columns."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    rows: list[dict[str, Any]] = []
    for a in articles:
        row: dict[str, Any] = {"row_id": a.doc_sha256}
        row.update({name: getattr(a, name) for name in ARTICLE_FIELDS})
        row["title_chars"] = sum(1 for ch in (a.title or "") if not ch.isspace())
        row.update(text_stats(a.text or ""))
        row.update(published_fields(a.published_at, now))
        row["outlet_named_as"] = outlet_named_in(a.attributions or [])
        row["article_page"] = is_article_page(a)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=_article_columns())
    for col in _NULLABLE_FLOATS:
        frame[col] = frame[col].astype("float64")
    frame["published_utc"] = pd.to_datetime(frame["published_utc"], utc=True)
    return frame


@lru_cache(maxsize=1)
def _article_columns() -> list[str]:
    derived = list(text_stats("").keys()) + list(published_fields(None, datetime.now(UTC)).keys())
    return ["row_id", *ARTICLE_FIELDS, "title_chars", *derived, "outlet_named_as", "article_page"]


def documents_frame(frame: pd.DataFrame, max_input_bytes: int) -> pd.DataFrame:
    """The pipeline's document frame plus what the document suite checks beyond the raw columns."""
    out = frame.copy()
    out["within_size_cap"] = [over_size_cap(int(n), max_input_bytes) is None for n in out["byte_size"]]
    out["encoding_known"] = [_codec_known(e) for e in out["encoding"]]
    return out


def _codec_known(name: Any) -> bool | None:
    if name is None or (isinstance(name, float) and pd.isna(name)):
        return None
    try:
        codecs.lookup(str(name))
    except LookupError:
        return False
    return True


# --------------------------------------------------------------------------------------------- validation


def validate_articles(
    articles: list[Article], now: datetime | None = None, expectations_dir: Path = EXPECTATIONS_DIR
) -> ValidationOutcome:
    now = now or datetime.now(UTC)
    if not articles:
        return ValidationOutcome()
    return run_suite(ARTICLES_SUITE, articles_frame(articles, now), directory=expectations_dir)


def validate_documents(
    frame: pd.DataFrame, max_input_bytes: int, expectations_dir: Path = EXPECTATIONS_DIR
) -> ValidationOutcome:
    if frame.empty:
        return ValidationOutcome()
    return run_suite(DOCUMENTS_SUITE, documents_frame(frame, max_input_bytes), directory=expectations_dir)


_preparing: dict[Path, threading.Thread] = {}


def prepare_in_background(expectations_dir: Path = EXPECTATIONS_DIR) -> threading.Thread:
    """Import GX and load both suites in a thread (seconds of CPU, once per process), so that cost falls
    while the first batch is read and extracted instead of after it. A failure here is left for the first
    validation to raise, with its own traceback. Once per folder: the CLI starts it before the flow does."""
    started = _preparing.get(expectations_dir)
    if started is not None:
        return started

    def load() -> None:
        try:
            for name in (DOCUMENTS_SUITE, ARTICLES_SUITE):
                load_suite(name, expectations_dir)
        except Exception:
            return

    thread = _preparing[expectations_dir] = threading.Thread(target=load, name="gx-suites", daemon=True)
    thread.start()
    return thread
