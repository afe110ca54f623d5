"""Main text and metadata from one decoded HTML page.

trafilatura (fast, precision mode) runs on a tree cleaned of portal furniture (flows.htmlclean);
readability runs on the same tree as a second opinion. Each fails in its own way: trafilatura keeps
layout-table rows and boilerplate blocks around the article, readability drops lists and embeds
inside it and sometimes picks the wrong block. So the trafilatura text is kept minus its leading and
trailing paragraphs that readability does not have, and readability's text replaces it only when
trafilatura found less than half as much. The second opinion comes first from trafilatura's fast
readability fork; when it would cut or replace much, readability-lxml (better at picking the block,
three times slower) decides. GNE (text density, made for Chinese portals) is the last resort when
all come back empty. Dates and bylines are read around the start of the article.

Measured on the dev sets (bench/extraction.py): F1 0.953 / 0.936 / 0.979 on cwced, magic-html and
article-benchmark against 0.757 / 0.904 / 0.952 for plain trafilatura.extract().
"""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import trafilatura
from htmldate import find_date as htmldate_find_date
from lxml import etree
from lxml.html import HtmlElement
from readability import Document
from trafilatura.metadata import examine_meta, extract_meta_json
from trafilatura.readability_lxml import Document as ForkDocument
from trafilatura.utils import load_html

from flows.htmlclean import (
    clean_page,
    cut_closing_notices,
    drop_repeated_title,
    element_text,
    lenient_parse,
    normal_form,
    page_lines,
    split_table_rows,
    strip_noise,
    text_size,
)
from flows.metadata import ParsedDate, date_span, looks_like_person, parse_date, split_names

LOG = logging.getLogger(__name__)

MIN_CHARS = 40  # non-space characters below which a candidate found no article
SHORTER_THAN_OTHER = 0.5  # trafilatura text below this share of readability's: it missed the article
KEEP_AFTER_TRIM = 0.3  # a trim leaving less than this share of the text is the other candidate's mistake
SUPPORTED = 0.5  # share of a paragraph's pieces found in the other candidate for it to count as shared
BIG_CHANGE = 0.15  # trims or length gaps beyond this share of trafilatura's text are double-checked
PIECE = 8  # characters per piece (punctuation and spaces removed) in that comparison
HEADER_BEFORE, HEADER_AFTER = 500, 300  # characters read around the article start for date and byline

_TITLE_SEPARATORS = re.compile(r"\s+[-–—|｜丨·]\s+|\s*(?:[_|｜丨]|-{2,})\s*")
# Words of byline labels and grammar that end a run of names: '记者 张三 来源：...' names only 张三.
_NOT_A_NAME = re.compile(r"^(?:来源|來源|编辑|編輯|责编|責編|摄影|攝影|报道|報道|记者|記者|通讯员|作者|出处|原标题)$|[的了是在和与及等]")
_SITE_SEGMENT_MAX = 20  # title segments besides the headline at most this long are site/channel names
_HAN_NAME = r"[\u4e00-\u9fff]{2,3}(?:·[\u4e00-\u9fff]{1,6})?"
_HAN_NAMES = rf"{_HAN_NAME}(?:[ \u3000、，,]+{_HAN_NAME})*"  # never across lines: names end with their element
_AFTER_NAMES = r"(?=$|[^\u4e00-\u9fff·]|报道|報道|摄|攝|采写|发自)"
# 作者：张三 and 文｜张三 need a separator (文 is too common a character); so does 记者, or a breadcrumb
# like '新华社记者看东北' would name 看东北. The names may sit on the next line, in their own element.
_BYLINE = re.compile(
    rf"(?:(?:作者|撰文|撰稿|文)\s*[:：/｜|]|(?:记者|記者|通讯员|通訊員|实习生|實習生)(?:\s*[:：]|\s))\s*"
    rf"(?P<zh>{_HAN_NAMES}){_AFTER_NAMES}"
    rf"|\d:\d\d(?::\d\d)?\s*[\[【]\s*(?P<bracket>{_HAN_NAMES})\s*[\]】]"  # '2004年7月16日08:19 [ 黄宇 ]'
    r"|^\s*(?:by|By|BY)\s+(?P<en>[A-Z][\w.'-]+(?:[ \t]+[A-Z][\w.'-]+){0,3})",  # 'By ...' opens its line
    re.M,
)
_CLOSING_BYLINE = re.compile(  # （记者 张三 李四） / （张三 北京报道） closing the article
    rf"[（(]\s*(?:[\u4e00-\u9fff]{{0,8}}(?:记者|記者)\s*)?(?P<zh>{_HAN_NAMES})\s*"
    r"(?:[\u4e00-\u9fff]{1,6}(?:报道|報道))?\s*[）)]$"
)
_NOT_A_PERSON = re.compile(
    r"[社报報网網台部局院会會委厅廳办辦处處]$|中心$|www|\.(?:com|cn|net|org)|\b(?:Team|Inc|Ltd|Publish\w*|Press|Media|"
    r"News|Group|Staff|Admin\w*|Editors?)\b",
    re.I,
)
_COPYRIGHT = re.compile(r"copyright|©|all rights reserved|版权", re.I)
_META_DATES = etree.XPath(
    "//meta[@property='article:published_time' or @name='article:published_time' or @itemprop='datePublished'"
    " or @name='pubdate' or @name='publishdate' or @name='PubDate' or @name='publish_date' or @name='date'"
    " or @property='og:published_time' or @name='og:published_time']/@content"
    " | //time[@itemprop='datePublished' or @pubdate]/@datetime",
    smart_strings=False,
)


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


def extract_html(html: str, url: str | None = None, now: datetime | None = None) -> HtmlExtraction:
    tree = load_html(html)
    if tree is None:
        tree = lenient_parse(html)  # trafilatura rejects pages without <html> (crawl dumps, old CMS output)
    if tree is None:
        return HtmlExtraction("", None, None, None, None, url, None, {}, "none")
    now = now or datetime.now()
    result, meta_dates, stamp, meta_author = page_metadata(tree, url, now)  # JSON-LD sits in <script>
    strip_noise(tree)
    lines = page_lines(tree)  # before furniture removal: datelines often sit in blocks it drops
    clean_page(tree)
    result.text, result.method = main_text(tree, html)
    result.text = cut_closing_notices(drop_repeated_title(result.text, result.title))
    header = header_text(lines, result.title, result.text)
    result.date, date_source = find_date(meta_dates, header, stamp, now)
    result.authors, author_source = find_authors(header, result.text, meta_author, result.sitename)
    result.provenance.update(text=result.method, date=date_source, authors=author_source)
    result.provenance = {k: v for k, v in result.provenance.items() if v}
    return result


# ---- main text -----------------------------------------------------------------------------------------

def main_text(tree: HtmlElement, html: str) -> tuple[str, str]:
    """The article text of a cleaned tree and the name of the candidate that gave it."""
    traf = split_table_rows(_trafilatura_text(tree))
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
        text = normal_form(paragraph)
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


def _trafilatura_text(tree: HtmlElement) -> str:
    doc = trafilatura.bare_extraction(tree, fast=True, favor_precision=True, include_comments=False)
    return str(getattr(doc, "text", "") or "") if doc is not None else ""


def _quick_readability_text(tree: HtmlElement) -> str:
    """trafilatura's readability fork: a third of readability-lxml's time, a weaker choice of block."""
    try:
        summary = ForkDocument(copy.deepcopy(tree), min_text_length=25).summary()
    except Exception as err:  # the fork raises what lxml raises on odd trees
        LOG.debug("readability fork failed: %s", err)
        return ""
    return element_text(load_html(f"<html><body>{summary}</body></html>"))


def _readability_text(tree: HtmlElement) -> str:
    try:
        summary = _TreeDocument(tree).summary(html_partial=True)
    except Exception as err:  # readability raises bare Exceptions on odd pages
        LOG.debug("readability failed: %s", err)
        return ""
    return element_text(load_html(f"<html><body>{summary}</body></html>"))


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


# ---- metadata ------------------------------------------------------------------------------------------

def page_metadata(
    tree: HtmlElement, url: str | None, now: datetime
) -> tuple[HtmlExtraction, list[str], str | None, str | None]:
    """Title, site name, URL and language; with the date metadata, htmldate's date and the author
    metadata, which are weighed against the page text once the article is found."""
    prov: dict[str, str] = {}
    # Meta tags and JSON-LD only: trafilatura's full metadata pass costs as much as its text extraction.
    found = examine_meta(tree)
    try:
        found = extract_meta_json(tree, found)
    except Exception as err:  # trafilatura's JSON-LD reader trips on malformed blocks
        LOG.debug("json-ld failed: %s", err)
    head = _head_fields(tree)
    meta_dates = _META_DATES(tree)
    stamp = None
    if not any((d := parse_date(v)) and d.value.replace(tzinfo=None) <= now + timedelta(days=1) for v in meta_dates):
        # htmldate as a fallback, without its extensive search: that one runs dateparser on every
        # date-like string of the page (~0.4 s).
        try:
            stamp = htmldate_find_date(
                tree, extensive_search=False, original_date=True, max_date=now.strftime("%Y-%m-%d")
            )
        except Exception as err:  # a date guess is not worth losing the page over
            LOG.debug("htmldate failed: %s", err)
    heading, page_title, og_title = head.get("h1", ""), head.get("title", ""), head.get("og:title", "")
    site = clean_sitename(head.get("og:site_name") or found.sitename)
    title: str | None
    if heading and len(heading) >= 4 and heading in page_title:
        title, prov["title"] = heading, "h1"  # the headline the page shows, repeated in its <title>
    elif og_title and og_title != site:
        title, prov["title"] = clean_title(og_title, heading), "meta:og:title"
    else:
        title, prov["title"] = clean_title(page_title, heading) or heading or None, "html:title"
    prov["sitename"] = "meta" if site else ""
    canonical = head.get("canonical") or head.get("og:url") or ""
    page_url = canonical if canonical.startswith("http") else url or found.url
    prov["url"] = "canonical" if page_url == canonical else "given" if page_url == url else "meta"
    language = head.get("lang") or head.get("content-language") or None
    prov["language"] = "html:lang" if language else ""
    result = HtmlExtraction("", title, None, None, site, page_url, language, prov, "")
    return result, meta_dates, stamp, found.author


def clean_title(title: str | None, heading: str | None = None) -> str | None:
    """'标题_新浪财经' -> '标题'; 'Headline - Site | Section' -> 'Headline'; the h1 when the title holds it."""
    if not title:
        return None
    title = " ".join(title.split())
    if heading and len(heading) >= 4 and heading in title:
        return heading
    segments = [s.strip() for s in _TITLE_SEPARATORS.split(title) if s and s.strip()]
    if len(segments) < 2:
        return title
    if heading:  # the segment the page's headline shows ('雄安新区' for an h1 of '雄安新区[编辑]')
        shown = [s for s in segments if len(s) >= 2 and s in heading]
        if shown:
            return max(shown, key=len)
    # The headline is the longest segment; site and channel names around it are short ('新浪财经').
    longest = max(segments, key=len)
    if all(len(s) <= _SITE_SEGMENT_MAX for s in segments if s is not longest):
        return longest
    return title


def clean_sitename(name: str | None) -> str | None:
    """'网易版权所有' -> '网易'; a copyright line or a Twitter handle's '@' is not part of a name."""
    name = (name or "").strip().lstrip("@").removesuffix("版权所有").strip()
    return None if not name or _COPYRIGHT.search(name) else name


def header_text(lines: list[str], title: str | None, text: str) -> str:
    """Page text around the start of the article, one line per text node: where the headline,
    dateline and byline are printed. From the last headline before the article when it is near."""
    page = "\n".join(lines)
    first = next((p for p in text.split("\n") if len(p.strip(" |")) >= 10), "").strip(" |")
    body = page.find(first[:12]) if first else -1
    probe = (title or "")[:10]
    if body < 0:
        start = max(page.find(probe), 0) if probe else 0
        return page[start : start + HEADER_BEFORE + HEADER_AFTER]
    start = max(body - HEADER_BEFORE, 0)
    headline = page.rfind(probe, start, body) if probe else -1
    return page[max(headline, start) : body + HEADER_AFTER]


def find_date(
    meta_dates: list[str], header: str, htmldate: str | None, now: datetime
) -> tuple[str | None, str]:
    """Publication date, never after `now`: page metadata, else the dateline, else htmldate's guess.
    A date without a time takes the time printed with the same date in the dateline."""
    latest = now + timedelta(days=1)
    printed = [d for d in _dates_in(header) if d.value.replace(tzinfo=None) <= latest]
    candidates = [(parse_date(v), "meta") for v in meta_dates]
    candidates += [(printed[0] if printed else None, "header-text"), (parse_date(htmldate), "htmldate")]
    for parsed, source in candidates:
        if parsed is None or parsed.value.replace(tzinfo=None) > latest:
            continue
        if not parsed.has_time:
            timed = [d for d in printed if d.has_time and d.date_key == parsed.date_key]
            if timed:
                parsed, source = timed[0], f"{source}+header-text"
        return (parsed.value.isoformat() if parsed.has_time else parsed.date_key), source
    return None, ""


def _dates_in(text: str) -> list[ParsedDate]:
    found: list[ParsedDate] = []
    while (span := date_span(text)) is not None:
        if (parsed := parse_date(text[span[0] : span[1]])) is not None:
            found.append(parsed)
        text = text[span[1] :]
    return found


def find_authors(
    header: str, text: str, meta_author: str | None, sitename: str | None = None
) -> tuple[list[str] | None, str]:
    """Byline near the headline (作者：/记者/文/By), else the author metadata (unless it names the
    site), else a byline closing the article ('本报记者 张三', '（张三 北京报道）')."""
    for found in _BYLINE.finditer(header):
        if names := _names(found.group("zh") or found.group("bracket") or found.group("en")):
            return names, "byline"
    if meta_author and (names := [n for n in _names(meta_author) if n != sitename]):
        return names, "meta"
    for line in reversed(text.rsplit("\n", 3)[-3:]):
        line = line.strip(" |\u3000□■")
        match = _CLOSING_BYLINE.search(line) or _BYLINE.search(line)
        if match and (names := _names(match.group("zh") or match.groupdict().get("en"))):
            return names, "closing-byline"
    return None, ""


def _names(value: str | None) -> list[str]:
    """Person names in a byline; organisations, domains and one-letter noise dropped."""
    names = [n for n in split_names((value or "").replace("\u3000", " ")) if looks_like_person(n)]
    return [n for n in names if len(n) > 1 and not _NOT_A_PERSON.search(n) and not _NOT_A_NAME.search(n)]


def _head_fields(tree: HtmlElement) -> dict[str, str]:
    """First <h1>, <title>, og:title/site_name/url, canonical link and language, in one pass."""
    fields: dict[str, str] = {}
    root = tree.getroottree().getroot()
    if root.get("lang"):
        fields["lang"] = root.get("lang", "").strip()
    for el in tree.iter("title", "meta", "link", "h1"):
        if el.tag in ("title", "h1"):
            key, value = el.tag, el.text_content()
        elif el.tag == "link":
            key, value = ("canonical", el.get("href", "")) if el.get("rel") == "canonical" else ("", "")
        else:
            key = el.get("property") or (el.get("http-equiv") or "").lower()
            value = el.get("content", "")
        value = " ".join((value or "").split())
        if key and value and key not in fields:
            fields[key] = value
    return fields
