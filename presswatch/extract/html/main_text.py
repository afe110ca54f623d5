"""Main text and metadata from one decoded HTML page.

Chinese pages (presswatch.extract.html.guard.is_chinese_page): an appended second article is cut first
(presswatch.extract.html.appended), then trafilatura (fast, precision mode) runs on a
tree cleaned of portal furniture (presswatch.extract.html.clean); readability runs on the same tree as a
second opinion. Each fails in its own way: trafilatura keeps layout-table rows and boilerplate blocks
around the article, readability drops lists and embeds inside it and sometimes picks the wrong block.
So the trafilatura text is kept minus its leading and trailing paragraphs that readability does not
have, and readability's text replaces it only when trafilatura found less than half as much. The
second opinion comes first from trafilatura's fast readability fork; when it would cut or replace
much, readability-lxml (better at picking the block, three times slower) decides. GNE (text density,
made for Chinese portals) is the last resort when all come back empty.

Every other page gets trafilatura's own text, changed only where measured better
(presswatch.extract.html.wrapped): no furniture cleaning, no precision mode, authors and dates as
trafilatura finds them first. Metadata (presswatch.extract.html.meta) is read from the page before it
is cleaned; dates, bylines and attribution lines are then weighed by where they sit relative to the
article found.

Measured on the dev sets (bench/extraction.py, document path, against trafilatura.extract with comments
off): F1 0.965 / 0.980 on cwced and magic-html (plain 0.762 / 0.910), 0.976 on article-benchmark
(0.962), 0.926 on the readability-pages set (0.913).
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import lxml.html
from lxml import etree
from lxml.html import HtmlElement
from readability import Document
from trafilatura.readability_lxml import Document as ForkDocument
from trafilatura.utils import HTML_PARSER

from presswatch.extract.html.appended import cut_appended_articles
from presswatch.extract.html.authors import find_authors
from presswatch.extract.html.clean import (
    clean_page,
    cut_closing_notices,
    drop_repeated_title,
    normal_form,
    page_text,
    split_table_rows,
    strip_noise,
    text_size,
)
from presswatch.extract.html.fasttraf import bare_extraction
from presswatch.extract.html.guard import is_chinese_page
from presswatch.extract.html.meta import (
    PageHints,
    article_zone,
    find_date,
    header_text,
    near_attributions,
    page_hints,
    page_metadata,
)
from presswatch.extract.html.parse import lenient_parse, load_tree
from presswatch.extract.html.wrapped import is_shared, page_authors, wrapped_text

LOG = logging.getLogger(__name__)

MIN_CHARS = 40  # non-space characters below which a candidate found no article
SHORTER_THAN_OTHER = 0.5  # trafilatura text below this share of readability's: it missed the article
KEEP_AFTER_TRIM = 0.3  # a trim leaving less than this share of the text is the other candidate's mistake
BIG_CHANGE = 0.15  # trims or length gaps beyond this share of trafilatura's text are double-checked


@dataclass
class HtmlExtraction:
    text: str  # main text, paragraphs joined by "\n"
    title: str | None
    date: str | None  # ISO 8601, local time as printed, time of day when the page gives one
    authors: list[str] | None
    sitename: str | None
    url: str | None
    language: str | None
    provenance: dict[str, str] = field(default_factory=dict)
    method: str = "trafilatura"
    hints: PageHints = field(default_factory=PageHints)  # <address>, <time>, attribution lines near the article
    page_chars: int = 0  # non-space characters of the page's visible text
    chinese_page: bool = False  # most of the page's letters are Han: the Chinese-portal rules apply


def extract_html(html: str, url: str | None = None, now: datetime | None = None) -> HtmlExtraction:
    """`now` (naive or aware) bounds the publication date: none later than a day after it."""
    tree = _parse(html)
    if tree is None:
        return HtmlExtraction("", None, None, None, None, url, None, {}, "none")
    now = naive_utc(now)
    meta = page_metadata(tree, url, now)  # JSON-LD sits in <script>
    hints = page_hints(tree)
    strip_noise(tree)
    page, blocks = page_text(tree)  # before furniture removal, which drops datelines and credits
    chinese = is_chinese_page(page)
    if chinese:
        cut_appended_articles(tree, meta.title)
        clean_page(tree)
        text, method = main_text(tree, html)
    else:  # trafilatura's own answer unless measured better (presswatch.extract.html.wrapped)
        text, method = wrapped_text(tree, html, lambda: _quick_readability_text(tree), lambda: _readability_text(tree))
    text = cut_closing_notices(drop_repeated_title(text, meta.title))
    page_chars = text_size(page)
    header = header_text(page, meta.title, text)
    hints.attributions, hints.attribution_lines = near_attributions(blocks, article_zone(page, text))
    date, date_source = find_date(meta.meta_dates, header, meta.htmldate, now, chinese, meta.script_date)
    if chinese:
        authors, author_source = find_authors(header, text, meta.meta_author, meta.sitename, hints.author_link)
    else:  # as trafilatura finds them first; prunes the tree, which is not needed any more
        authors, author_source = page_authors(tree, header, text, meta.meta_author, meta.sitename)
    provenance = {**meta.provenance, "text": method, "date": date_source, "authors": author_source}
    return HtmlExtraction(
        text, meta.title, date, authors, meta.sitename, meta.url, meta.language,
        {k: v for k, v in provenance.items() if v}, method, hints, page_chars, chinese,
    )


def naive_utc(now: datetime | None) -> datetime:
    """`now` as the naive UTC time page dates are compared with (they rarely carry a zone)."""
    now = now or datetime.now(UTC)
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now


def _parse(html: str) -> HtmlElement | None:
    # trafilatura rejects pages without <html> (crawl dumps, old CMS output): lxml repairs those.
    tree = load_tree(html)
    return tree if tree is not None else lenient_parse(html)


_BLOCK_TAGS = frozenset({"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "tr", "blockquote",
                         "pre", "section", "article", "table", "ul", "ol", "dd", "dt", "figcaption", "br"})
_SKIPPED = frozenset({"script", "style", "noscript", "template"})


def element_text(root: HtmlElement | None) -> str:
    """Visible text with one line per block element, blank lines dropped."""
    if root is None:
        return ""
    parts: list[str] = []

    def walk(el: HtmlElement) -> None:
        if not isinstance(el.tag, str) or el.tag in _SKIPPED:
            return
        block = el.tag in _BLOCK_TAGS
        if block:
            parts.append("\n")
        parts.append(el.text or "")
        for child in el:
            walk(child)
            parts.append(child.tail or "")
        if block:
            parts.append("\n")

    walk(root)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


# ---- main text -----------------------------------------------------------------------------------------

def main_text(tree: HtmlElement, html: str, precise: bool = True) -> tuple[str, str]:
    """The article text of a cleaned Chinese page and the name of the candidate that gave it. `precise`:
    trafilatura in its precision mode (F1 0.966 / 0.936 on cwced and magic-html against 0.945 / 0.897
    without it)."""
    traf = split_table_rows(_trafilatura_text(tree, precise))
    quick = _quick_readability_text(tree)
    text, method = choose(traf, quick)
    n_traf = text_size(traf)
    big_cut = n_traf - text_size(text) > BIG_CHANGE * n_traf
    if method == "readability" or big_cut or text_size(quick) > (1 + BIG_CHANGE) * n_traf:
        # A big cut, a swap or a much longer second opinion rests on readability's choice of block:
        # ask the full readability (as slow as trafilatura, so only here), which chooses better.
        text, method = choose(traf, _readability_text(tree))
    if text_size(text) < MIN_CHARS:
        gne = _gne_text(html)
        if text_size(gne) > text_size(text):
            return gne, "gne"
    return text, method


def choose(traf: str, read: str) -> tuple[str, str]:
    """Combine the trafilatura and readability texts of one page (see the module docstring)."""
    n_traf, n_read = text_size(traf), text_size(read)
    if n_read >= MIN_CHARS and n_traf < SHORTER_THAN_OTHER * n_read:
        return read, "readability"
    if not n_traf or not n_read:
        return traf, "trafilatura"
    paragraphs = traf.split("\n")
    start, end = unshared_edges(paragraphs, read)
    kept = paragraphs[start:end]
    if len(kept) == len(paragraphs) or text_size("".join(kept)) < KEEP_AFTER_TRIM * n_traf:
        return traf, "trafilatura"
    return "\n".join(kept), "trafilatura-trimmed"


def unshared_edges(paragraphs: list[str], other: str) -> tuple[int, int]:
    """Slice bounds dropping the leading and trailing paragraphs that the `other` text does not have.

    Furniture sits around an article (breadcrumbs, navigation rows, notices, related links); content
    only one extractor kept in the middle (a list, an embed) is more likely article than not. A
    paragraph is shared when most of its 8-character pieces occur in the other text.
    """
    other_norm = normal_form(other)

    def unshared(paragraph: str) -> bool:
        return not is_shared(paragraph, other_norm)

    start, end = 0, len(paragraphs)
    while start < end and unshared(paragraphs[start]):
        start += 1
    while end > start and unshared(paragraphs[end - 1]):
        end -= 1
    return start, end


def _trafilatura_text(tree: HtmlElement, precise: bool = True) -> str:
    doc = bare_extraction(tree, fast=True, favor_precision=precise, include_comments=False)
    return str(getattr(doc, "text", "") or "") if doc is not None else ""


def _quick_readability_text(tree: HtmlElement) -> str:
    """trafilatura's readability fork: a third of readability-lxml's time, a weaker choice of block."""
    try:
        summary = ForkDocument(copy.deepcopy(tree), min_text_length=25).summary()
    except Exception as err:  # the fork raises what lxml raises on odd trees
        LOG.debug("readability fork failed: %s", err)
        return ""
    return _summary_text(summary)


def _summary_text(summary: str) -> str:
    """Text of a readability summary: serialised by lxml, so no repair pass (load_html's) is needed."""
    try:
        return element_text(lxml.html.fromstring(f"<html><body>{summary}</body></html>", parser=HTML_PARSER))
    except (etree.ParserError, ValueError):
        return ""


def _readability_text(tree: HtmlElement) -> str:
    try:
        summary = _TreeDocument(tree).summary(html_partial=True)
    except Exception as err:  # readability raises bare Exceptions on odd pages
        LOG.debug("readability failed: %s", err)
        return ""
    return _summary_text(summary)


class _TreeDocument(Document):
    """readability on the parsed, cleaned tree, skipping its own re-parse, HTML cleaner and link
    rewriting (two thirds of its time). It edits its input and may run twice, so each pass gets a copy."""

    def _parse(self, input: Any) -> Any:
        doc = copy.deepcopy(input)
        for el in doc.xpath("//*[@hidden] | //*[contains(translate(@style, ' ', ''), 'display:none')]"):
            el.drop_tree()
        etree.strip_elements(doc, "form", with_tail=False)
        self.encoding = "utf-8"
        return doc


def _gne_text(html: str) -> str:
    from gne import GeneralNewsExtractor

    try:
        return str(GeneralNewsExtractor().extract(html).get("content") or "")
    except Exception as err:  # GNE fails on pages without a body it can score
        LOG.debug("gne failed: %s", err)
        return ""
