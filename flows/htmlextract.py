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

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.metadata import extract_metadata
from trafilatura.utils import load_html

from flows.htmlclean import clean_furniture, reveal_hidden_article
from flows.metadata import parse_date
from flows.metric import shingles, tokens

LOG = logging.getLogger(__name__)

MIN_TOKENS = 20  # below this a candidate found no article
SHORTER_THAN_OTHER = 0.5  # trafilatura text below this share of readability's: it missed the article
KEEP_AFTER_TRIM = 0.3  # a trim that would leave less than this share of the text is wrong, not the text
SUPPORTED = 0.5  # share of a paragraph's shingles found in the other candidate for it to count as shared
HEADER_SCAN_CHARS = 600  # dates and bylines sit just after the headline

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
        return HtmlExtraction("", None, None, None, None, url, None, {}, "none")
    meta = page_metadata(tree, url, now or datetime.now())
    reveal_hidden_article(tree)
    clean_furniture(tree)
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
    if len(tokens(text)) < MIN_TOKENS:
        gne = _gne_text(html)
        if len(tokens(gne)) > len(tokens(text)):
            return gne, "gne"
    return text, method


def choose(traf: str, read: str) -> tuple[str, str]:
    """Combine the trafilatura and readability texts of one page (see the module docstring)."""
    n_traf, n_read = len(tokens(traf)), len(tokens(read))
    if n_read >= MIN_TOKENS and n_traf < SHORTER_THAN_OTHER * n_read:
        return read, "readability"
    if not n_traf or not n_read:
        return traf, "trafilatura"
    trimmed = trim_unshared_edges(traf, read)
    if len(tokens(trimmed)) < KEEP_AFTER_TRIM * n_traf:
        return traf, "trafilatura"
    return trimmed, "trafilatura-trimmed" if trimmed != traf else "trafilatura"


def trim_unshared_edges(text: str, other: str) -> str:
    """Drop leading and trailing paragraphs of `text` that `other` does not have.

    Furniture sits around an article (breadcrumbs, navigation rows, notices, related links); content
    that only one extractor kept in the middle (a list, an embed) is more likely article than not.
    """
    other_shingles = shingles(tokens(other))
    other_seq = f" {' '.join(tokens(other))} "

    def unshared(paragraph: str) -> bool:
        toks = tokens(paragraph)
        if not toks:
            return True
        if len(toks) < 4:
            return f" {' '.join(toks)} " not in other_seq
        own = shingles(toks)
        shared = sum((own & other_shingles).values())
        return shared < SUPPORTED * sum(own.values())

    paragraphs = text.split("\n")
    start, end = 0, len(paragraphs)
    while start < end and unshared(paragraphs[start]):
        start += 1
    while end > start and unshared(paragraphs[end - 1]):
        end -= 1
    return "\n".join(paragraphs[start:end])


def _trafilatura_text(tree: HtmlElement) -> str:
    doc = trafilatura.bare_extraction(
        tree, fast=True, favor_precision=True, include_comments=False, with_metadata=False
    )
    return (getattr(doc, "text", None) or "") if doc is not None else ""


def _readability_text(tree: HtmlElement) -> str:
    from readability import Document

    try:
        summary = Document(tree).summary(html_partial=True)
        return element_text(load_html(f"<html><body>{summary}</body></html>"))
    except Exception as err:  # readability raises bare Exceptions on odd pages
        LOG.debug("readability failed: %s", err)
        return ""


def _gne_text(html: str) -> str:
    from gne import GeneralNewsExtractor

    try:
        return str(GeneralNewsExtractor().extract(html).get("content") or "")
    except Exception as err:  # GNE fails on pages without a body it can score
        LOG.debug("gne failed: %s", err)
        return ""


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
    found = extract_metadata(tree, default_url=url, date_config={"extensive_search": False, "original_date": True})
    heading = _first_text(tree, "//h1")
    title = _first_text(tree, "//meta[@property='og:title']/@content")
    prov["title"] = "meta:og:title"
    if not title:
        title, prov["title"] = clean_title(_first_text(tree, "//title"), heading), "html:title"
    if not title:
        title, prov["title"] = heading or found.title, "h1" if heading else "trafilatura"
    sitename = _first_text(tree, "//meta[@property='og:site_name']/@content") or found.sitename
    prov["sitename"] = "meta:og:site_name" if sitename == found.sitename else "trafilatura"
    canonical = _first_text(tree, "//link[@rel='canonical']/@href|//meta[@property='og:url']/@content")
    page_url = canonical if canonical and canonical.startswith("http") else url or found.url
    prov["url"] = "canonical" if page_url == canonical else "given" if page_url == url else "trafilatura"
    language = _first_text(tree, "/html/@lang|//meta[@http-equiv='content-language']/@content") or None
    header = header_text(tree, title or heading)
    date, prov["date"] = find_date(tree, header, found.date, now)
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
    """The page text just after the headline, where datelines and bylines are printed."""
    body = tree.find(".//body")
    root = body if body is not None else tree
    text = " ".join(t for t in root.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]"))
    text = " ".join(text.split())
    start = 0
    if title:
        probe = title[:12]
        start = max(text.find(probe), 0)
    return text[start : start + HEADER_SCAN_CHARS]


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
