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
from datetime import UTC, datetime, timedelta, timezone

from htmldate import find_date as htmldate_find_date
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.metadata import examine_meta, extract_meta_json

from presswatch.extract.bylines import author_link
from presswatch.extract.dates import printed_dates
from presswatch.extract.furniture import parse_attribution
from presswatch.extract.metadata import ParsedDate, parse_date, split_names

LOG = logging.getLogger(__name__)

HEADER_BEFORE, HEADER_AFTER = 500, 300  # characters read around the article start for date and byline
CLOSING_AFTER = 500  # characters after the article's last paragraph where attributions are read

_TITLE_SEPARATORS = re.compile(r"\s+[-–—|｜丨·]\s+|\s*(?:[_|｜丨]|-{2,})\s*")
_SITE_SEGMENT_MAX = 20  # title segments besides the headline at most this long are site/channel names
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
    script_date: str | None = None  # a publication time an inline script sets (WeChat's `var ct`)


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

    return PageMeta(title, site, page_url, language, prov, meta_dates, found.author, guess, script_date(tree))


# Platforms that render the dateline by script (WeChat: `var ct = "1659274471"`, `publish_time`) leave the
# page's dateline element empty: the first such assignment in an inline script is the publication time.
_SCRIPT_KEYS = ("var ct", "publish_time", "publishtime", "pub_time", "pubtime", "create_time", "createtime")
_SCRIPT_DATE = re.compile(
    r"""\s*[=:]\s*["'](\d{10}|(?:19|20)\d\d-\d{1,2}-\d{1,2}(?:[ t]\d{1,2}:\d{2}(?::\d{2})?)?)["']"""
)
_CHINA = timezone(timedelta(hours=8))  # epoch seconds are shown in China time on Chinese platforms
_INLINE_SCRIPTS = etree.XPath("//script[not(@src)]/text()", smart_strings=False)


def script_date(tree: HtmlElement) -> str | None:
    """The publication time an inline script assigns, as ISO text (epoch seconds in China time)."""
    for code in _INLINE_SCRIPTS(tree):
        # str.find per key, the pattern only where a key stands as a name: a regex search for the
        # keys themselves has no literal prefix to skip by, and scripts run to hundreds of kilobytes.
        lowered = code.lower()
        for key in _SCRIPT_KEYS:
            at = lowered.find(key)
            while at >= 0:
                end = at + len(key)
                if (at == 0 or not (lowered[at - 1].isalnum() or lowered[at - 1] in "_$")) and (
                    match := _SCRIPT_DATE.match(lowered, end)
                ):
                    value = match.group(1)
                    if value.isdigit():
                        return datetime.fromtimestamp(int(value), UTC).astimezone(_CHINA).isoformat()
                    return value
                at = lowered.find(key, end)
    return None


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
    meta_dates: list[str],
    header: str,
    htmldate: str | Callable[[], str | None] | None,
    now: datetime,
    chinese: bool = True,
    script: str | None = None,
) -> tuple[str | None, str]:
    """Publication date, never after `now`: page metadata, else the dateline, else htmldate's guess
    (a callable is only called when it comes to that). A date without a time takes the time printed
    with the same date in the dateline. On pages that are not Chinese the dateline is read without
    English month names, as before (htmldate reads those)."""
    latest = now + timedelta(days=1)
    printed = [d for d in printed_dates(header, chinese) if d.value.replace(tzinfo=None) <= latest]
    candidates: list[tuple[ParsedDate | Callable[[], ParsedDate | None] | None, str]]
    candidates = [(parse_date(v), "meta") for v in meta_dates]
    guess = (lambda: parse_date(htmldate())) if callable(htmldate) else parse_date(htmldate)
    dateline = (printed[0] if printed else None, "header-text")
    # Chinese portals: the dateline before htmldate (which misses 年月日 datelines). Other pages: htmldate
    # first, as trafilatura reads them - a dateline there may be a clock, or day/month read month/day
    # ('05/07/2019' is 5 July in Europe); on the English dev set the order changed 6 of 61 dates, one
    # better, one worse, three lost their time of day (added back below from the dateline's same day).
    # A time set by script (WeChat) comes after the printed dateline, which may name a different day.
    scripted = (parse_date(script) if chinese else None, "script")
    candidates += [dateline, scripted, (guess, "htmldate")] if chinese else [(guess, "htmldate"), dateline]
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
