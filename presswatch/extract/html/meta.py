"""Metadata of one parsed HTML page: title, site, URL, language, date, authors and attribution lines.

Meta tags and JSON-LD give most of it; the text printed around the start of the article (headline,
dateline, byline) is weighed against them once presswatch.extract.html.main_text has found the article. Attribution
lines (来源, 作者, 责编 ...) are read only from blocks near the start or the end of the article:
elsewhere on a page they belong to the related articles listed beside it.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from htmldate import find_date as htmldate_find_date
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.metadata import examine_meta, extract_meta_json

from presswatch.extract.bylines import author_link
from presswatch.extract.dates import printed_dates
from presswatch.extract.furniture import parse_attribution
from presswatch.extract.metadata import ParsedDate, looks_like_person, parse_date, split_names

LOG = logging.getLogger(__name__)

HEADER_BEFORE, HEADER_AFTER = 500, 300  # characters read around the article start for date and byline
CLOSING_AFTER = 500  # characters after the article's last paragraph where attributions are read
NEXT_BYLINE = 40  # a second byline starting this close after the first names more authors of the article

_TITLE_SEPARATORS = re.compile(r"\s+[-–—|｜丨·]\s+|\s*(?:[_|｜丨]|-{2,})\s*")
# Words of byline labels and grammar that end a run of names: '记者 张三 来源：...' names only 张三.
_NOT_A_NAME = re.compile(r"^(?:来源|來源|编辑|編輯|责编|責編|摄影|攝影|报道|報道|记者|記者|通讯员|作者|出处|原标题)$|[的了是在和与及等]")
_SITE_SEGMENT_MAX = 20  # title segments besides the headline at most this long are site/channel names
# A forum handle may join two words with '&' ('放飞&心情').
_HAN_NAME = r"[\u4e00-\u9fff]{2,3}(?:·[\u4e00-\u9fff]{1,6}|[&＆][\u4e00-\u9fff]{1,4})?"
_HAN_NAMES = rf"{_HAN_NAME}(?:[ \u3000、，,]+{_HAN_NAME})*"  # never across lines: names end with their element
_AFTER_NAMES = r"(?=$|[^\u4e00-\u9fff·]|报道|報道|報導|摄|攝|采写|發自|发自)"
# 作者：张三 and 文｜张三 need a separator (文 is too common a character); so does 记者, or a breadcrumb
# like '新华社记者看东北' would name 看东北. The names may sit on the next line, in their own element.
_BYLINE = re.compile(
    rf"(?:(?:作者|撰文|撰稿|执笔人?|執筆人?|文)\s*[:：/｜|]|(?:记者|記者|通讯员|通訊員|实习生|實習生)(?:\s*[:：]|\s))\s*"
    rf"(?P<zh>{_HAN_NAMES}){_AFTER_NAMES}"
    # Taiwan and Hong Kong: '〔記者陳嘉欣／台北報導〕', '記者王小明/綜合報導' (no space after 記者).
    rf"|(?:记者|記者)\s*(?P<slash>{_HAN_NAMES})\s*[／/]\s*[\u4e00-\u9fff]{{1,6}}(?:报道|報道|報導)"
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
_HANDLE = re.compile(r"^[\u4e00-\u9fff]{1,4}[&＆][\u4e00-\u9fff]{1,4}$")  # a forum poster's handle
_COPYRIGHT = re.compile(r"copyright|©|all rights reserved|版权", re.I)
_META_DATES = etree.XPath(
    "//meta[@property='article:published_time' or @name='article:published_time' or @itemprop='datePublished'"
    " or @name='pubdate' or @name='publishdate' or @name='PubDate' or @name='publish_date' or @name='date'"
    " or @property='og:published_time' or @name='og:published_time']/@content"
    " | //time[@itemprop='datePublished' or @pubdate]/@datetime",
    smart_strings=False,
)
# Dates the document path ranks above everything the page text says: <time> stamps and publication meta.
_HINT_META_DATES = etree.XPath(
    "//meta[@property='article:published_time' or @name='pubdate' or @name='publishdate'"
    " or @itemprop='datePublished' or @name='PubDate' or @property='og:published_time']/@content",
    smart_strings=False,
)
_TIME_ATTRS = ("datetime", "pudate", "data-time", "data-date", "content")
_ARTICLE_TIME = etree.XPath("(//article//time)[1]")


@dataclass
class PageMeta:
    title: str | None
    sitename: str | None
    url: str | None
    language: str | None
    provenance: dict[str, str]
    meta_dates: list[str]  # publication dates from meta tags and <time itemprop>, unparsed
    meta_author: str | None
    htmldate: Callable[[], str | None]  # htmldate's guess, computed only when asked (it is slow)


@dataclass
class PageHints:
    """What the page says outside its article text, for the document path to weigh."""

    authors: list[str] | None = None  # from <address>
    dates: list[str] = field(default_factory=list)  # the article's <time> stamps and publication meta
    attributions: list[tuple[str, str]] = field(default_factory=list)  # (kind, value) near the article
    attribution_lines: list[str] = field(default_factory=list)  # the lines those were read from
    author_link: list[str] | None = None  # the one name the page links to as an author (bylines.author_link)


def page_metadata(tree: HtmlElement, url: str | None, now: datetime) -> PageMeta:
    """Title, site name, URL, language, date and author metadata of a page not yet cleaned (JSON-LD
    sits in <script>). `now` is naive UTC."""
    prov: dict[str, str] = {}
    # Meta tags and JSON-LD only: trafilatura's full metadata pass costs as much as its text extraction.
    found = examine_meta(tree)
    try:
        found = extract_meta_json(tree, found)
    except Exception as err:  # trafilatura's JSON-LD reader trips on malformed blocks
        LOG.debug("json-ld failed: %s", err)
    head = _head_fields(tree)
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

    meta_dates = _META_DATES(tree)
    # htmldate, the last resort after the dateline, reads the page as it is now (cleaned by the time the
    # dateline is known): a copy, a quarter of a parse, made when no meta date is usable.
    usable = any((d := parse_date(v)) and d.value.replace(tzinfo=None) <= now + timedelta(days=1) for v in meta_dates)
    pristine = None if usable else copy.deepcopy(tree)

    def guess() -> str | None:
        if pristine is None:
            return None
        # Without htmldate's extensive search: that one runs dateparser on every date-like string (~0.4 s).
        try:
            return htmldate_find_date(  # with the URL, as trafilatura calls it: a date in the path is strong
                pristine, url=page_url or None, extensive_search=False, original_date=True,
                max_date=now.strftime("%Y-%m-%d"),
            )
        except Exception as err:  # a date guess is not worth losing the page over
            LOG.debug("htmldate failed: %s", err)
            return None

    return PageMeta(title, site, page_url, language, prov, meta_dates, found.author, guess)


def page_hints(tree: HtmlElement) -> PageHints:
    """<address> bylines and the article's <time> stamps, which trafilatura leaves out."""
    hints = PageHints()
    for el in tree.iter("address"):
        names = [n for n in split_names(el.text_content()) if len(n) <= 40]
        if names:
            hints.authors = hints.authors or names
    # A <time> is the article's only when marked so, alone on the page, or first in the <article>:
    # related-news lists carry <time> elements of their own.
    times = list(tree.iter("time"))
    chosen = [t for t in times if t.get("itemprop") == "datePublished" or t.get("pubdate") is not None]
    chosen = chosen or (times if len(times) == 1 else _ARTICLE_TIME(tree))
    for el in chosen:
        hints.dates.extend(el.get(a) for a in _TIME_ATTRS if el.get(a))
    hints.dates.extend(str(v) for v in _HINT_META_DATES(tree))
    hints.author_link = author_link(tree)
    return hints


def near_attributions(blocks: list[tuple[str, str]], zone: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Attribution lines among `blocks` printed in the `zone` of page text: (kind, value) pairs, and
    the lines they were read from."""
    found: list[tuple[str, str]] = []
    lines_found: list[str] = []
    seen: set[str] = set()
    for lines, text in blocks:
        if text in seen or lines not in zone:
            continue
        seen.add(text)  # nested blocks (p > span) often hold the same text
        if parsed := parse_attribution(text):
            found.extend(parsed)
            lines_found.append(text)
    return found, lines_found


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


def header_text(page: str, title: str | None, text: str) -> str:
    """Page text (one line per text node) around the start of the article: where the headline,
    dateline and byline are printed. From the last headline before the article when it is near."""
    first = next((p for p in text.split("\n") if len(p.strip(" |")) >= 10), "").strip(" |")
    body = page.find(first[:12]) if first else -1
    probe = (title or "")[:10]
    if body < 0:
        start = max(page.find(probe), 0) if probe else 0
        return page[start : start + HEADER_BEFORE + HEADER_AFTER]
    start = max(body - HEADER_BEFORE, 0)
    headline = page.rfind(probe, start, body) if probe else -1
    return page[max(headline, start) : body + HEADER_AFTER]


def article_zone(page: str, text: str) -> str:
    """Page text (one line per text node) from a little before the article to a little after it:
    where its attribution lines are printed. The whole page when the article cannot be placed."""
    paragraphs = [p for p in (p.strip(" |") for p in text.split("\n")) if len(p) >= 10]
    start = page.find(paragraphs[0][:12]) if paragraphs else -1
    if start < 0:
        return page
    last = page.find(paragraphs[-1][:12], start)
    end = last + len(paragraphs[-1]) if last >= 0 else start + len(text)
    return page[max(start - HEADER_BEFORE, 0) : end + CLOSING_AFTER]


def find_date(
    meta_dates: list[str], header: str, htmldate: str | Callable[[], str | None] | None, now: datetime
) -> tuple[str | None, str]:
    """Publication date, never after `now`: page metadata, else the dateline, else htmldate's guess
    (a callable is only called when it comes to that). A date without a time takes the time printed
    with the same date in the dateline."""
    latest = now + timedelta(days=1)
    printed = [d for d in printed_dates(header) if d.value.replace(tzinfo=None) <= latest]
    candidates: list[tuple[ParsedDate | Callable[[], ParsedDate | None] | None, str]]
    candidates = [(parse_date(v), "meta") for v in meta_dates]
    guess = (lambda: parse_date(htmldate())) if callable(htmldate) else parse_date(htmldate)
    candidates += [(printed[0] if printed else None, "header-text"), (guess, "htmldate")]
    for candidate, source in candidates:
        parsed = candidate() if callable(candidate) else candidate
        if parsed is None or parsed.value.replace(tzinfo=None) > latest:
            continue
        if not parsed.has_time:
            timed = [d for d in printed if d.has_time and d.date_key == parsed.date_key]
            if timed:
                parsed, source = timed[0], f"{source}+header-text"
        return (parsed.value.isoformat() if parsed.has_time else parsed.date_key), source
    return None, ""


def find_authors(
    header: str, text: str, meta_author: str | None, sitename: str | None = None
) -> tuple[list[str] | None, str]:
    """Byline near the headline (作者：/记者/文/By), else the author metadata (unless it names the
    site), else a byline closing the article ('本报记者 张三', '（张三 北京报道）')."""
    found_names: list[str] = []
    end = -1
    for found in _BYLINE.finditer(header):
        if found_names and found.start() - end > NEXT_BYLINE:
            break  # a byline line right under another ('本报实习生 甲' / '本报记者 乙 丙') adds its names
        if names := _names(found.group("zh") or found.group("slash") or found.group("bracket") or found.group("en")):
            found_names += [n for n in names if n not in found_names]
            end = found.end()
    if found_names:
        return found_names, "byline"
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
    names = [n for n in split_names((value or "").replace("\u3000", " ")) if looks_like_person(n) or _HANDLE.match(n)]
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
