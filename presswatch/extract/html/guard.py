"""Never less than the trafilatura presswatch wraps, on pages the Chinese-portal rules were not made for.

The furniture rules (class names such as "comment" or "share", promotion words, tail cuts) were made
for Chinese portals. On other pages - forum threads, live tickers whose entries carry "share" or
"comment" class names, blogs - they can leave a fragment where trafilatura keeps the article: on a held-back
European suite presswatch kept 162 of the 1,923 characters trafilatura kept (a sports page), 190 of
9,225 (a live-sport page), 373 of 13,391 (a forum thread). So on a page that is not Chinese:
- `fragment_guard`: when the text is under FRAGMENT_OF_PAGE of the page's visible text, plain
  trafilatura (comments off, tables on, no fallback pass) runs on the page, and its text wins when ours
  is under GUARD_SHARE of it (texts of FRAGMENT_MAX_CHARS or more are not checked). On the English
  dev set our text is never under 0.61 of that reference where the guard looks (and is right there),
  so the guard changes none of its 61 pages; it runs on 1 of them, which is what it costs.
- `trafilatura_author`: trafilatura's own byline XPaths when no byline or author metadata named anyone.
The callers also switch off the class-name furniture rule and the line rules for such pages.
"""

from __future__ import annotations

import logging
import re

import trafilatura
from lxml.html import HtmlElement
from trafilatura.json_metadata import normalize_authors
from trafilatura.metadata import extract_metainfo
from trafilatura.utils import load_html
from trafilatura.xpaths import AUTHOR_XPATHS

from presswatch.extract.html.clean import strip_noise, text_size

LOG = logging.getLogger(__name__)

FRAGMENT_OF_PAGE = 0.1  # a text under this share of the page's visible text may be a fragment ...
GUARD_SHARE = 0.5  # ... and is one when under this share of plain trafilatura's text
FRAGMENT_MAX_CHARS = 1000  # the fragments seen were 162-373 characters; 1,000 is an article on its own
CHINESE_PAGE = 0.3  # Han share of the page's letters from which the Chinese-portal rules apply
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
PAGE_SAMPLE = 5000  # characters of the page's visible text that decide (navigation first, then the article)


def is_chinese_page(page: str) -> bool:
    """Most letters of the page's visible text are Han (kana and hangul pages are not Chinese)."""
    sample = page[:PAGE_SAMPLE]
    letters = sum(1 for ch in sample if ch.isalpha())  # Han characters are letters too
    return bool(letters) and len(_HAN.findall(sample)) >= CHINESE_PAGE * letters


def fragment_guard(text: str, html: str, page_chars: int, chinese: bool) -> str | None:
    """Plain trafilatura's text of a page that is not Chinese when `text` is small next to the page
    (the caller keeps that text when `text` is under GUARD_SHARE of it); None when no check is due."""
    if chinese or text_size(text) >= min(FRAGMENT_OF_PAGE * page_chars, FRAGMENT_MAX_CHARS):
        return None
    return plain_trafilatura_text(html)


def plain_trafilatura_text(html: str) -> str:
    """trafilatura as it is used on its own (comments off, tables on), on the page without scripts."""
    tree = load_html(html)
    if tree is None:
        return ""
    strip_noise(tree)
    # Without trafilatura's fallback pass (fast): three times cheaper, and readability, its fallback,
    # has already had its say in main_text.
    doc = trafilatura.bare_extraction(tree, fast=True, include_comments=False)
    return str(getattr(doc, "text", "") or "") if doc is not None else ""


def trafilatura_author(tree: HtmlElement) -> list[str] | None:
    """trafilatura's byline search (its author XPaths). On the cleaned tree: furniture removal has
    already dropped the comment, related and share blocks trafilatura prunes on a copy of the page
    first (that copy cost a third of an extraction)."""
    try:
        found = extract_metainfo(tree, AUTHOR_XPATHS, len_limit=120)
        found = normalize_authors(None, found) if found else None
    except Exception as err:  # a byline guess is not worth losing the page over
        LOG.debug("trafilatura author failed: %s", err)
        return None
    names = [n.strip() for n in (found or "").split(";") if n.strip()]
    return names or None
