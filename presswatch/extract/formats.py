"""What kind of document a decoded text is - markdown, html or plain text - judged from its content.

File names and extensions are never consulted: archives save HTML as .txt and markdown as anything.
Pure functions: no I/O, no Prefect, no DuckDB.
"""

from __future__ import annotations

import re
from itertools import islice
from typing import Any

import yaml

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)

# A page, possibly after an archive wrapper, comments or a doctype-less XML prolog.
_PAGE_START = re.compile(r"<!doctype\s+html|<html[\s>]", re.I)
# Tags that carry or structure body text; their presence across the text means the content is HTML.
_HTML_TAG = re.compile(
    r"</?(?:p|div|section|article|main|header|footer|nav|aside|br|hr|span|font|center|table|thead|tbody"
    r"|tr|td|th|ul|ol|li|dl|dt|dd|a|img|figure|figcaption|picture|h[1-6]|address|time|strong|em|b|i|u"
    r"|blockquote|pre|code|iframe|script|style|meta|link|head|body|title|form|input|button|noscript"
    r"|video|audio|source|sup|sub|small)\b[^<>]{0,2000}>",
    re.I,
)
_MIN_TAGS = 3
_HTML_LINE_SHARE = 0.5  # share of the non-space characters that sit on lines carrying tags

_MD_HEADING = re.compile(r"^#{1,6}[ \t]+\S", re.M)
_MD_LINK = re.compile(r"!?\[[^\]\n]{0,500}\]\((?:https?://|/|\.{0,2}/|#)[^)\s]*(?:\s+\"[^\"\n]*\")?\)")
_MD_SETEXT = re.compile(r"^\S[^\n]*\n(?:={3,}|-{3,})[ \t]*$", re.M)
_MD_FENCE = re.compile(r"^(?:```|~~~)", re.M)
_MD_EMPHASIS = re.compile(r"\*\*[^*\n]{1,200}\*\*|__[^_\n]{1,200}__")
_MD_LIST = re.compile(r"^[ \t]{0,3}(?:[-*+]|\d{1,3}[.)])[ \t]+\S", re.M)
_MD_QUOTE = re.compile(r"^>[ \t]?\S", re.M)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """YAML front matter (--- ... ---) at the very start -> (meta, body); ({}, text) if none or invalid."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1) or "")
    except yaml.YAMLError:
        return {}, text
    if not isinstance(meta, dict):
        return {}, text
    return meta, text[match.end() :].lstrip("\n")


def _html_dominates(text: str) -> bool:
    if sum(1 for _ in islice(_HTML_TAG.finditer(text), _MIN_TAGS)) < _MIN_TAGS:  # stops at the third tag
        return False
    total = tagged = 0
    for line in text.splitlines():
        size = len("".join(line.split()))
        total += size
        if _HTML_TAG.search(line):
            tagged += size
    return total > 0 and tagged / total >= _HTML_LINE_SHARE


def _markdown_score(text: str) -> int:
    """Count of strong markdown constructs; lists and quotes alone also occur in plain text."""
    strong = (
        len(_MD_HEADING.findall(text))
        + len(_MD_LINK.findall(text))
        + len(_MD_SETEXT.findall(text))
        + len(_MD_FENCE.findall(text)) // 2
        + len(_MD_EMPHASIS.findall(text))
    )
    weak = len(_MD_LIST.findall(text)) + len(_MD_QUOTE.findall(text))
    return strong + (1 if strong and weak >= 2 else 0)


def detect_format(text: str) -> str:
    """ "markdown" | "html" | "text", decided from the content only."""
    if _FRONT_MATTER.match(text) and split_front_matter(text)[0]:
        return "markdown"
    if _PAGE_START.search(text[:2048]) or _html_dominates(text):
        return "html"
    if _markdown_score(text) >= 2:
        return "markdown"
    return "text"
