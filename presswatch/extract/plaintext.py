"""Text and markdown documents into paragraphs, and the header block that opens many saved pages.

A saved news page often starts with a header - title line, a stray label, the date line, a view counter -
before the body. `split_header` recognises it by the shape of its lines, not by their words.
Pure functions: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from presswatch.extract.furniture import is_date_or_number_only, parse_attribution
from presswatch.extract.metadata import date_span, normalise_for_compare

MAX_HEADER_LINES = 8
TITLE_MIN, TITLE_MAX = 4, 64
BODY_LINE = 60  # a line this long is prose, not a header
STRAY_LABEL_MAX = 12
DATE_LINE_EXTRA = 12  # a date line may carry a short label such as 发布时间：
_SENTENCE_FINAL = tuple("。！!；;…”」』\"'")
_NOT_TITLE_END = tuple("。，,：:；;、")
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")
# A markdown link on the first line, optionally underlined (setext), as archives prepend to saved pages.
_LINK_HEADER = re.compile(r"\A\s*\[(?P<title>[^\]\n]{2,300})\]\((?P<url>https?://[^)\s]+)\)[ \t]*\n(?:[-=]{3,}[ \t]*\n)?")
_LEADING_COMMENTS = re.compile(r"\A(?:\s*<!--.*?-->)+", re.S)


@dataclass
class Header:
    title: str | None = None
    date_line: str | None = None
    dropped: list[str] = field(default_factory=list)


def _join_lines(lines: list[str]) -> str:
    """Join a hard-wrapped paragraph: no space between CJK characters, one space between words."""
    out = ""
    for line in (ln.strip() for ln in lines):
        if not line:
            continue
        if out and not (_CJK.match(out[-1]) or _CJK.match(line[0])):
            out += " "
        out += line
    return out


def _hard_wrapped(blocks: list[list[str]]) -> bool:
    """True when lines inside blocks are wrapped at a fixed width rather than one paragraph per line."""
    inner = [ln for block in blocks if len(block) > 1 for ln in block[:-1]]
    if len(inner) < 3:
        return False
    wrapped = sum(1 for ln in inner if 50 <= len(ln.rstrip()) <= 100 and not ln.rstrip().endswith(_SENTENCE_FINAL))
    return wrapped >= 0.7 * len(inner)


def split_paragraphs(text: str) -> list[str]:
    """Plain text into paragraphs: one per line (Chinese pages), or per block when the text is hard-wrapped."""
    blocks: list[list[str]] = [[]]
    for line in text.split("\n"):
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    if _hard_wrapped(blocks):
        return [_join_lines(b) for b in blocks]
    return [ln.strip() for b in blocks for ln in b]


@lru_cache(maxsize=1)
def _md() -> MarkdownIt:
    return MarkdownIt("commonmark")


def markdown_blocks(body: str) -> list[str]:
    """Block-level pieces of a markdown body, each still in markdown (images and links stay visible)."""
    out: list[str] = []
    for token in _md().parse(body):
        if token.type == "inline" and _one_per_line(token):
            out.extend(ln for ln in token.content.split("\n") if ln.strip())
        elif token.type == "inline":
            out.append(token.content)
        elif token.type in ("html_block", "fence", "code_block") and token.content.strip():
            out.append(token.content.strip())
    return out


def _one_per_line(token: Token) -> bool:
    """Soft line breaks in Chinese markdown usually separate paragraphs the writer forgot to space."""
    lines = [ln for ln in token.content.split("\n") if ln.strip()]
    return len(lines) > 1 and sum(ln.rstrip().endswith(_SENTENCE_FINAL) for ln in lines) >= len(lines) - 1


def markdown_inline_text(source: str) -> str:
    """Inline markdown to plain text: link text kept, images, markup and inline HTML dropped."""
    tokens = _md().parseInline(source)
    parts: list[str] = []
    children = tokens[0].children if tokens and tokens[0].children else []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return _join_lines("".join(parts).split("\n")).strip()


def strip_link_header(text: str) -> tuple[str | None, str | None, str]:
    """'<!--...-->[Title](url)\\n------' before a page -> (title, url, rest); (None, None, text) if absent."""
    rest = _LEADING_COMMENTS.sub("", text, count=1)
    match = _LINK_HEADER.match(rest)
    if not match:
        return None, None, text
    return match.group("title").strip(), match.group("url"), rest[match.end() :]


def _is_date_line(line: str) -> bool:
    span = date_span(line)
    if span is None or len(line) > 40:
        return False
    extra = re.sub(r"[\s\d:：]", "", line[: span[0]] + line[span[1] :])
    return len(extra) <= DATE_LINE_EXTRA


def _body_like(line: str) -> bool:
    return len(line) >= BODY_LINE or line.endswith(_SENTENCE_FINAL)


def split_header(paragraphs: list[str], known_title: str | None, allow_title: bool) -> tuple[Header, list[str]]:
    """Take the header block off the top: title line, date line, counters, stray labels, title repeats.

    Attribution lines stay in place for the furniture rules to record. Short labels are only dropped when
    the block also holds a date or a counter, i.e. when it clearly is page metadata and not a subheading.
    """
    header = Header()
    known = normalise_for_compare(known_title) if known_title else None
    labels: list[int] = []
    kept: list[str] = []
    metadata_seen = False
    index = 0
    for index, para in enumerate(paragraphs[:MAX_HEADER_LINES]):  # noqa: B007 - index used after the loop
        line = para.strip()
        if _body_like(line) and not _is_date_line(line):
            break
        norm = normalise_for_compare(line)
        if parse_attribution(line):
            kept.append(line)
        elif known and norm == known:
            header.dropped.append(line)
        elif _is_date_line(line):
            metadata_seen = True
            if header.date_line is None:
                header.date_line = line
            header.dropped.append(line)
        elif is_date_or_number_only(line):
            metadata_seen = True
            header.dropped.append(line)
        elif allow_title and header.title is None and known is None and _title_shaped(line):
            header.title = line
            known = norm
            header.dropped.append(line)
        elif len(line) <= STRAY_LABEL_MAX:
            labels.append(len(kept))
            kept.append(line)
        else:
            break
    else:
        index = min(len(paragraphs), MAX_HEADER_LINES)
    if metadata_seen:
        header.dropped.extend(kept[i] for i in labels)
        kept = [line for i, line in enumerate(kept) if i not in set(labels)]
    rest = kept + paragraphs[index:]
    # A body that opens by repeating the title (often in 《》) repeats metadata, not content.
    while rest and known and normalise_for_compare(rest[0]) == known:
        header.dropped.append(rest.pop(0))
    return header, rest


def _title_shaped(line: str) -> bool:
    return TITLE_MIN <= len(line) <= TITLE_MAX and not line.endswith(_NOT_TITLE_END) and "http" not in line
