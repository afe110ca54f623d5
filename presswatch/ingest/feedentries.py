"""What any feed parser produces: entries and the parsed feed, with the date and link helpers they share.

RSS/Atom (feeds.py, feedparser), JSON Feed (jsonfeed.py) and sitemaps (sitemaps.py) all build these records.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class FeedEntry:
    link: str | None  # absolute, as the feed gives it
    entry_id: str | None
    title: str | None
    published: str | None  # ISO 8601, with the offset the feed stated when it stated one
    author: str | None
    summary: str | None  # as given (may be HTML)
    content: str | None  # full content (content:encoded / atom:content), HTML
    updated: str | None = None  # sitemaps: <lastmod> (when the URL changed, not when it was published)
    outlet: str | None = None  # sitemaps: news:publication/news:name
    language: str | None = None  # sitemaps: news:publication/news:language; JSON Feed: item language


@dataclass(frozen=True)
class ParsedFeed:
    entries: list[FeedEntry]
    bozo: bool
    bozo_reason: str | None
    title: str | None = None
    language: str | None = None
    version: str | None = None  # rss20, atom10... (feedparser), json11, sitemap, sitemap-news, sitemapindex
    encoding: str | None = None
    children: list[Any] = field(default_factory=list)  # a sitemap index's SitemapRefs

    @property
    def problem(self) -> str | None:
        """Why nothing (or not everything) could be read; None for a clean feed with entries."""
        if self.bozo_reason:
            return self.bozo_reason
        return None if self.entries else "no entries"


def _text(value: str | None) -> str | None:
    if not value:
        return None
    text = " ".join(html.unescape(_TAG.sub(" ", value)).split())
    return text or None


def iso_date(raw: str | None, parsed: Any = None) -> str | None:
    """The feed's date string as ISO 8601, keeping its offset; feedparser's UTC tuple as a fallback."""
    if raw:
        for parse in (parsedate_to_datetime, datetime.fromisoformat):
            try:
                return parse(raw.strip()).isoformat()
            except (TypeError, ValueError, IndexError):
                continue
    if parsed:
        try:
            y, mo, d, h, mi, sec = parsed[:6]
            return datetime(y, mo, d, h, mi, sec, tzinfo=UTC).isoformat()
        except (TypeError, ValueError, OverflowError):
            return None  # an impossible date (year 0, 31 February...) is no date, not a failed feed
    return None


def absolute_link(base: str, link: str) -> str:
    """`link` resolved against `base`; one no URL parser accepts (an unclosed IPv6 bracket...) is kept as
    written, so only that entry's fetch fails, not the whole feed's parse."""
    try:
        return urljoin(base, link)
    except ValueError:
        return link
