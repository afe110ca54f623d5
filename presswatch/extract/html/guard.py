"""Which rules a page gets, and trafilatura's own byline search for pages that are not Chinese.

The furniture rules (class names such as "comment" or "share", promotion words, tail cuts) were made
for Chinese portals. On other pages - forum threads, live tickers whose entries carry "share" or
"comment" class names, blogs - they left fragments where trafilatura keeps the article: on a held-back
European suite presswatch kept 162 of the 1,923 characters trafilatura kept (a sports page), 190 of
9,225 (a live-sport page), 373 of 13,391 (a forum thread). So `is_chinese_page` decides, and pages
that are not Chinese take presswatch.extract.html.wrapped (trafilatura's text unless measured better).
- `trafilatura_author`: trafilatura's own byline XPaths, for pages that are not Chinese.
"""

from __future__ import annotations

import logging
import re

from lxml.html import HtmlElement
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.json_metadata import normalize_authors
from trafilatura.metadata import extract_metainfo
from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS

from presswatch.extract.html.trafpaths import MATCHERS
from presswatch.extract.metadata import count_chars

LOG = logging.getLogger(__name__)
# The same elements as trafilatura's XPaths, found at a third of the CPU (presswatch.extract.html.trafpaths).
_NOT_AUTHORS = MATCHERS.get("AUTHOR_DISCARD_XPATHS", AUTHOR_DISCARD_XPATHS)
_AUTHORS = MATCHERS.get("AUTHOR_XPATHS", AUTHOR_XPATHS)

CHINESE_PAGE = 0.3  # Han share of the page's letters from which the Chinese-portal rules apply
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")  # runs: see metadata.count_chars
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]+")
_LETTER = re.compile(r"[^\W\d_]+")
KANA_SHARE = 0.2  # kana (or hangul) at this share of the Han characters: Japanese (Korean) text, not Chinese
PAGE_SAMPLE = 5000  # characters of the page's visible text that decide (navigation first, then the article)


def is_chinese_page(page: str) -> bool:
    """Most letters of the page's visible text are Han, and kana and hangul are rare: Japanese writes
    a third or more of its text in kana (a Japanese fable page of the readability set: 2.1 kana per Han
    character), Chinese pages carry a stray 'の' in a brand name at most."""
    sample = page[:PAGE_SAMPLE]
    letters = count_chars(_LETTER, sample)  # Han characters, kana and hangul are letters too
    han = count_chars(_HAN, sample)
    if not letters or han < CHINESE_PAGE * letters:
        return False
    return count_chars(_KANA_HANGUL, sample) < KANA_SHARE * han


def trafilatura_author(tree: HtmlElement) -> list[str] | None:
    """trafilatura's byline search, as trafilatura runs it: its author XPaths after pruning the
    comment, related and share blocks it discards for authors. The pruning is done in place (trafilatura
    prunes a copy, a third of an extraction): call it last, when the tree is no longer needed."""
    try:
        prune_unwanted_nodes(tree, _NOT_AUTHORS)
        found = extract_metainfo(tree, _AUTHORS, len_limit=120)
        found = normalize_authors(None, found) if found else None
    except Exception as err:  # a byline guess is not worth losing the page over
        LOG.debug("trafilatura author failed: %s", err)
        return None
    names = [n.strip() for n in (found or "").split(";") if n.strip()]
    return names or None
