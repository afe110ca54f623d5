"""Main text and metadata from one decoded HTML page.

trafilatura (fast, precision mode) runs on a tree cleaned of portal furniture (flows.htmlclean);
readability runs on the same tree as a second opinion. Each fails in its own way: trafilatura keeps
whole layout-table rows and boilerplate blocks around the article, readability drops lists and
embeds inside it and sometimes picks the wrong block. So the trafilatura text is kept, minus its
leading and trailing paragraphs that readability does not have; readability's text replaces it
only when trafilatura found less than half of it. GNE (text density, made for Chinese portals) is
the last resort when both come back nearly empty. Metadata comes from the untouched page.
"""

from __future__ import annotations

import copy
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import lxml.html
import trafilatura
from htmldate import find_date as htmldate_find_date
from lxml import etree
from lxml.html import HtmlElement
from readability import Document
from trafilatura.metadata import examine_meta, extract_meta_json
from trafilatura.utils import load_html

from flows.htmlclean import clean_page
from flows.metadata import parse_date

LOG = logging.getLogger(__name__)

READABILITY_FORK = False
MIN_CHARS = 40  # below this (non-space characters) a candidate found no article
SHORTER_THAN_OTHER = 0.5  # trafilatura text below this share of readability's: it missed the article
KEEP_AFTER_TRIM = 0.3  # a trim that would leave less than this share of the text is wrong, not the text
SUPPORTED = 0.5  # share of a paragraph's pieces found in the other candidate for it to count as shared
PIECE = 8
HEADER_SCAN_CHARS = 600  # dates and bylines sit just after the headline
HEADER_NODES = 60  # text nodes read after the headline (a dateline is rarely further down)
_VISIBLE = "not(ancestor::script) and not(ancestor::style)"

_NOT_WORD = re.compile(r"[\W_]+")
_BLOCK_TAGS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "tr", "blockquote", "pre",
               "section", "article", "table", "ul", "ol", "dd", "dt", "figcaption"}
_TITLE_SEPARATORS = re.compile(r"\s+[-–—|｜丨·]\s+|\s*[_|｜丨]\s*")
_SITE_SEGMENT_MAX = 20  # title segments after the headline at most this long are site/channel names
_BYLINE = re.compile(
    r"(?:作者|记者|記者|撰文|文)\s*[:：/｜|]\s*(?P<zh>[\u4e00-\u9fff·]{2,8}(?:[ 、，,][\u4e00-\u9fff·]{2,8}){0,3})"
    r"|(?:^|\s)(?:by|By|BY)\s+(?P<en>[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3})"
)
_META_DATE_XPATH = (
    "//meta[@property='article:published_time' or @name='article:published_time' or @itemprop='datePublished'"
    " or @name='pubdate' or @name='publishdate' or @name='PubDate' or @name='publish_date' or @name='date'"
    " or @property='og:published_time' or @name='og:published_time']/@content"
    " | //time[@itemprop='datePublished' or @pubdate]/@datetime"
)


@dataclass
class HtmlExtraction:
    text: str  # main text, paragraphs joined by "\n"
    title: str | None
    date: str | None
    authors: list[str] | None
    sitename: str | None
    url: str | None
    language: str | None
    provenance: dict[str, str] = field(default_factory=dict)
    method: str = "trafilatura"


def extract_html(html: str, url: str | None = None, now: datetime | None = None) -> HtmlExtraction:
    tree = load_html(html)
    if tree is None:
        tree = _lenient_parse(html)  # trafilatura rejects fragments without <html> (old CMS pages, crawl dumps)
    if tree is None:
        return HtmlExtraction("", None, None, None, None, url, None, {}, "none")
    meta = page_metadata(tree, url, now or datetime.now())
    clean_page(tree)
    text, method = main_text(tree, html)
    meta.provenance["text"] = method
    meta.text, meta.method = text, method
    return meta


# ---- main text -----------------------------------------------------------------------------------------

def main_text(tree: HtmlElement, html: str) -> tuple[str, str]:
    """The article text of a cleaned tree and the name of the candidate that gave it."""
    traf = _trafilatura_text(tree)  # before readability, which edits the tree it is given
    read = _readability_text(tree)
    text, method = choose(traf, read)
    if _size(text) < MIN_CHARS:
        gne = _gne_text(html)
        if _size(gne) > _size(text):
            return gne, "gne"
    return text, method


def choose(traf: str, read: str) -> tuple[str, str]:
    """Combine the trafilatura and readability texts of one page (see the module docstring)."""
    n_traf, n_read = _size(traf), _size(read)
    if n_read >= MIN_CHARS and n_traf < SHORTER_THAN_OTHER * n_read:
        return read, "readability"
    if not n_traf or not n_read:
        return traf, "trafilatura"
    paragraphs = traf.split("\n")
    start, end = unshared_edges(paragraphs, read)
    if (start, end) == (0, len(paragraphs)):
        return traf, "trafilatura"
    kept = paragraphs[start:end]
    if _size("".join(kept)) < KEEP_AFTER_TRIM * n_traf:
        return traf, "trafilatura"
    return "\n".join(kept), "trafilatura-trimmed"


def unshared_edges(paragraphs: list[str], other: str) -> tuple[int, int]:
    """Slice bounds that drop the leading and trailing paragraphs the `other` text does not have.

    Furniture sits around an article (breadcrumbs, navigation rows, notices, related links); content
    that only one extractor kept in the middle (a list, an embed) is more likely article than not.
    A paragraph counts as shared when most of its 8-character pieces (punctuation and spaces
    removed) occur in the other text: substring search, fast even on book-length pages.
    """
    other_norm = _normal(other)

    def unshared(paragraph: str) -> bool:
        text = _normal(paragraph)
        if len(text) < 2 * PIECE:
            return not text or text not in other_norm
        pieces = [text[i : i + PIECE] for i in range(0, len(text) - PIECE + 1, PIECE)]
        return sum(1 for piece in pieces if piece in other_norm) < SUPPORTED * len(pieces)

    start, end = 0, len(paragraphs)
    while start < end and unshared(paragraphs[start]):
        start += 1
    while end > start and unshared(paragraphs[end - 1]):
        end -= 1
    return start, end


def _normal(text: str) -> str:
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text))


def _size(text: str) -> int:
    return len("".join(text.split()))


def _trafilatura_text(tree: HtmlElement) -> str:
    doc = trafilatura.bare_extraction(
        tree, fast=True, favor_precision=True, include_comments=False, with_metadata=False
    )
    return (getattr(doc, "text", None) or "") if doc is not None else ""


def _readability_text(tree: HtmlElement) -> str:
    if READABILITY_FORK:
        try:
            from trafilatura.readability_lxml import Document as ForkDocument
            summary = ForkDocument(copy.deepcopy(tree), min_text_length=25).summary()
            return element_text(load_html(f"<html><body>{summary}</body></html>"))
        except Exception as err:
            LOG.debug("readability failed: %s", err)
            return ""
    try:
        summary = _TreeDocument(tree).summary(html_partial=True)
        return element_text(load_html(f"<html><body>{summary}</body></html>"))
    except Exception as err:  # readability raises bare Exceptions on odd pages
        LOG.debug("readability failed: %s", err)
        return ""


class _TreeDocument(Document):  # type: ignore[misc]
    """readability on an already parsed tree, without its costly link rewriting and HTML cleaner.

    readability re-reads its input on every pass (it retries less ruthlessly when the first pass finds
    too little) and edits it, so each pass gets a fresh copy. The tree arrives decoded and parsed;
    dropping scripts, styles, comments and hidden blocks is all of the cleaning the text needs.
    """

    def _parse(self, input: Any) -> Any:
        doc = copy.deepcopy(input)
        for el in doc.xpath("//*[@hidden] | //*[contains(translate(@style, ' ', ''), 'display:none')]"):
            el.drop_tree()
        etree.strip_elements(doc, "script", "style", "noscript", "iframe", "form", etree.Comment, with_tail=False)
        self.encoding = "utf-8"
        return doc


def _gne_text(html: str) -> str:
    from gne import GeneralNewsExtractor

    try:
        return str(GeneralNewsExtractor().extract(html).get("content") or "")
    except Exception as err:  # GNE fails on pages without a body it can score
        LOG.debug("gne failed: %s", err)
        return ""


def _lenient_parse(html: str) -> HtmlElement | None:
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def element_text(root: HtmlElement | None) -> str:
    """Visible text with one line per block element, blank lines dropped."""
    if root is None:
        return ""
    parts: list[str] = []

    def walk(el: Any) -> None:
        if not isinstance(el.tag, str) or el.tag in ("script", "style"):
            return
        block = el.tag in _BLOCK_TAGS or el.tag == "br"
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


# ---- metadata ------------------------------------------------------------------------------------------

def page_metadata(tree: HtmlElement, url: str | None, now: datetime) -> HtmlExtraction:
    """Title, date, authors, site name, canonical URL and language of the untouched page."""
    prov: dict[str, str] = {}
    # Meta tags and JSON-LD only: trafilatura's full metadata pass costs as much as its text extraction.
    found = examine_meta(tree)
    try:
        found = extract_meta_json(tree, found)
    except Exception as err:  # trafilatura's JSON-LD reader trips on malformed blocks
        LOG.debug("json-ld failed: %s", err)
    # htmldate without its extensive search: that one runs dateparser on every date-like string (~0.4 s).
    stamp = htmldate_find_date(tree, extensive_search=False, original_date=True, max_date=now.strftime("%Y-%m-%d"))
    heading = _first_text(tree, "//h1")
    title = _first_text(tree, "//meta[@property='og:title']/@content")
    prov["title"] = "meta:og:title"
    if not title:
        title, prov["title"] = clean_title(_first_text(tree, "//title"), heading), "html:title"
    if not title:
        title, prov["title"] = heading or found.title, "h1" if heading else "trafilatura"
    sitename = _first_text(tree, "//meta[@property='og:site_name']/@content") or found.sitename
    prov["sitename"] = "meta:og:site_name" if sitename and sitename != found.sitename else "meta"
    canonical = _first_text(tree, "//link[@rel='canonical']/@href|//meta[@property='og:url']/@content")
    page_url = canonical if canonical and canonical.startswith("http") else url or found.url
    prov["url"] = "canonical" if page_url == canonical else "given" if page_url == url else "trafilatura"
    language = _first_text(tree, "/html/@lang|//meta[@http-equiv='content-language']/@content") or None
    header = header_text(tree, title or heading)
    date, prov["date"] = find_date(tree, header, stamp, now)
    authors, prov["authors"] = find_authors(header, found.author)
    prov["language"] = "html:lang"
    return HtmlExtraction("", title or None, date, authors, sitename or None, page_url, language,
                          {k: v for k, v in prov.items() if v}, "")


def clean_title(title: str | None, heading: str | None = None) -> str | None:
    """'标题_新浪财经' -> '标题'; 'Headline - Site | Section' -> 'Headline'. Keeps the page's h1 when it is part of it."""
    if not title:
        return None
    title = " ".join(title.split())
    if heading and len(heading) >= 4 and heading in title:
        return heading
    segments = [s.strip() for s in _TITLE_SEPARATORS.split(title) if s and s.strip()]
    if len(segments) < 2:
        return title
    # The headline is the longest segment; a site prefix or suffix is short ('新浪财经', '网易新闻').
    longest = max(segments, key=len)
    if all(len(s) <= _SITE_SEGMENT_MAX for s in segments if s is not longest):
        return longest
    return title


def header_text(tree: HtmlElement, title: str | None) -> str:
    """The page text from the headline on, where datelines and bylines are printed."""
    anchor = None
    probe = title[:8] if title else ""
    for el in tree.iter("h1", "h2"):
        if not probe or probe in el.text_content():
            anchor = el
            break
    if anchor is not None:
        nodes = anchor.xpath(f"(.//text() | following::text())[{_VISIBLE}][position() <= {HEADER_NODES}]")
    else:
        nodes = tree.xpath(f"//body//text()[{_VISIBLE}][position() <= {HEADER_NODES * 4}]")
    text = " ".join(" ".join(nodes).split())
    start = text.find(probe) if probe else -1
    return text[max(start, 0) : max(start, 0) + HEADER_SCAN_CHARS]


def find_date(tree: HtmlElement, header: str, htmldate: str | None, now: datetime) -> tuple[str | None, str]:
    """Publication date as ISO 8601 (with time when printed); never after `now`."""
    latest = now + timedelta(days=1)
    candidates = [(v, "meta") for v in tree.xpath(_META_DATE_XPATH)]
    candidates.append((header, "header-text"))
    candidates.append((htmldate or "", "htmldate"))
    for value, source in candidates:
        parsed = parse_date(str(value))
        if parsed is None or parsed.value.replace(tzinfo=None) > latest:
            continue
        if source == "meta":
            return str(value).strip(), source
        return parsed.value.isoformat() if parsed.has_time else parsed.date_key, source
    return None, ""


def find_authors(header: str, meta_author: str | None) -> tuple[list[str] | None, str]:
    """Byline after the headline (作者：/记者/文/By), else the page's author metadata."""
    match = _BYLINE.search(header)
    if match:
        names = re.split(r"[ 、，,]+", match.group("zh") or match.group("en") or "")
        names = [n for n in names if n] if match.group("zh") else [match.group("en")]
        if names:
            return names, "byline"
    if meta_author:
        names = [n.strip() for n in re.split(r"[;；]", meta_author) if n.strip()]
        return names or None, "trafilatura"
    return None, ""


def _first_text(tree: HtmlElement, xpath: str) -> str:
    try:
        hits = tree.xpath(xpath)
    except etree.XPathError:
        return ""
    for hit in hits:
        value = hit if isinstance(hit, str) else hit.text_content()
        value = " ".join(str(value).split())
        if value:
            return value
    return ""
