"""Feeds without I/O: configuration, parsing, polling intervals, link normalisation, entries -> documents.

A feed URL may serve RSS/Atom (feedparser: RSS 0.9x-2.0, RDF, Atom, with its encoding detection and
sanitising), a JSON Feed (jsonfeed.py) or a sitemap / sitemap index (sitemaps.py), told apart by content.
courlan normalises links so one article reached under different tracking parameters is one entry.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import courlan
import feedparser
import yaml

from presswatch.ingest.feedentries import FeedEntry, ParsedFeed, _text, absolute_link, iso_date
from presswatch.ingest.jsonfeed import looks_like_json_feed, parse_json_feed
from presswatch.ingest.sitemaps import looks_like_sitemap, parse_sitemap
from presswatch.records import RawDocument

__all__ = ["FeedEntry", "ParsedFeed", "absolute_link", "iso_date"]  # re-exported: the feed records' old home

CONFIG_KEYS = {"name", "url", "outlet", "language", "enabled", "min_interval_minutes", "max_interval_minutes"}
DEFAULT_MIN_INTERVAL_MINUTES = 30.0
DEFAULT_MAX_INTERVAL_MINUTES = 24 * 60.0
# Adaptive polling, as Media Cloud's rss-fetcher: a poll that brings new entries halves the interval
# (toward min_interval_minutes), one that brings nothing new stretches it (toward max_interval_minutes).
SHRINK_ON_NEW = 0.5
GROW_ON_NOTHING = 1.5


class FeedConfigError(ValueError):
    pass


@dataclass(frozen=True)
class FeedConfig:
    url: str
    name: str
    outlet: str | None = None
    language: str | None = None
    enabled: bool = True
    min_interval_minutes: float = DEFAULT_MIN_INTERVAL_MINUTES
    max_interval_minutes: float = DEFAULT_MAX_INTERVAL_MINUTES

    @classmethod
    def for_url(cls, url: str) -> FeedConfig:
        """A feed asked for by URL alone: polled whenever asked (the caller chose to)."""
        return cls(url=url, name=urlsplit(url).hostname or url, min_interval_minutes=0.0)


def load_feed_configs(path: str | Path) -> list[FeedConfig]:
    """Every feed in the YAML file (enabled or not); a missing file means no feeds."""
    path = Path(path)
    if not path.exists():
        return []
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    items = doc.get("feeds") if isinstance(doc, dict) else None
    if items is None:
        return []
    if not isinstance(items, list):
        raise FeedConfigError(f"{path}: 'feeds' must be a list")
    configs: list[FeedConfig] = []
    seen: set[str] = set()
    for i, item in enumerate(items, 1):
        where = f"{path}: feed #{i}"
        if not isinstance(item, dict):
            raise FeedConfigError(f"{where}: expected a mapping, got {type(item).__name__}")
        unknown = set(item) - CONFIG_KEYS
        if unknown:
            # A typo such as `enable: false` must not silently leave a feed on.
            raise FeedConfigError(
                f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(CONFIG_KEYS)}"
            )
        url = str(item.get("url") or "").strip()
        if urlsplit(url).scheme.lower() not in ("http", "https") or not urlsplit(url).hostname:
            raise FeedConfigError(f"{where}: url must be an http(s) URL, got {url!r}")
        if url in seen:
            raise FeedConfigError(f"{where}: duplicate url {url}")
        seen.add(url)
        interval = item.get("min_interval_minutes", DEFAULT_MIN_INTERVAL_MINUTES)
        if not isinstance(interval, int | float) or isinstance(interval, bool) or interval < 0:
            raise FeedConfigError(f"{where}: min_interval_minutes must be a number >= 0, got {interval!r}")
        longest = item.get("max_interval_minutes", max(DEFAULT_MAX_INTERVAL_MINUTES, interval))
        if not isinstance(longest, int | float) or isinstance(longest, bool) or longest < interval:
            raise FeedConfigError(
                f"{where}: max_interval_minutes must be a number >= min_interval_minutes, got {longest!r}"
            )
        enabled = item.get("enabled", True)
        if not isinstance(enabled, bool):
            raise FeedConfigError(f"{where}: enabled must be true or false, got {enabled!r}")
        configs.append(
            FeedConfig(
                url=url,
                name=str(item.get("name") or urlsplit(url).hostname),
                outlet=item.get("outlet"),
                language=item.get("language"),
                enabled=enabled,
                min_interval_minutes=float(interval),
                max_interval_minutes=float(longest),
            )
        )
    return configs


def select_feeds(configs: list[FeedConfig], urls: list[str] | None = None) -> list[FeedConfig]:
    """Enabled feeds plus those asked for by URL (a configured one keeps its name and outlet)."""
    by_url = {c.url: c for c in configs}
    chosen = {c.url: c for c in configs if c.enabled}
    for url in urls or []:
        known = by_url.get(url)
        chosen[url] = (
            replace(known, enabled=True, min_interval_minutes=0.0) if known else FeedConfig.for_url(url)
        )
    return list(chosen.values())


@dataclass(frozen=True)
class FeedState:
    """What the warehouse remembers about one feed between polls."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    last_polled_at: datetime | None = None
    consecutive_failures: int = 0
    pending_retries: int = 0  # entries whose page failed transiently and will be tried again
    last_success_at: datetime | None = None  # sitemaps: only URLs dated after it are fetched
    interval_minutes: float | None = None  # the adapted polling interval (None: never adapted yet)


def current_interval(config: FeedConfig, stored: float | None) -> float:
    """The feed's polling interval now: the stored adaptive one kept within the configured bounds."""
    value = stored if stored is not None else config.min_interval_minutes
    return min(max(value, config.min_interval_minutes), config.max_interval_minutes)


def adapt_interval(config: FeedConfig, stored: float | None, status: str, new_entries: int) -> float:
    """The interval after a poll: halved when it brought new entries, x1.5 when it answered with nothing
    new, unchanged when it failed (a failure says nothing about how often the feed publishes)."""
    current = current_interval(config, stored)
    if status == "ok" and new_entries > 0:
        current *= SHRINK_ON_NEW
    elif status in ("ok", "not-modified"):
        # From a zero minimum (a feed asked for on the command line) growth needs a starting point.
        current = max(current, 1.0) * GROW_ON_NOTHING
    return round(min(max(current, config.min_interval_minutes), config.max_interval_minutes), 3)


def is_due(config: FeedConfig, state: FeedState, now: datetime) -> bool:
    if state.last_polled_at is None or config.min_interval_minutes <= 0:
        return True
    interval = current_interval(config, state.interval_minutes)
    return now - state.last_polled_at >= timedelta(minutes=interval)


def _entry(raw: Any) -> FeedEntry:
    link = raw.get("link")
    if not link and str(raw.get("id") or "").startswith(("http://", "https://")):
        link = raw.get("id")
    contents = [c.get("value") or "" for c in raw.get("content") or []]
    content = max(contents, key=len) if any(_text(c) for c in contents) else None
    published = iso_date(raw.get("published"), raw.get("published_parsed")) or iso_date(
        raw.get("updated"), raw.get("updated_parsed")
    )
    return FeedEntry(
        link=link.strip() if link else None,
        entry_id=raw.get("id"),
        title=_text(raw.get("title")),
        published=published,
        author=_text(raw.get("author")),
        summary=raw.get("summary") or None,
        content=content,
    )


def parse_feed(body: bytes, url: str, headers: dict[str, str] | None = None) -> ParsedFeed:
    """Parse feed bytes (RSS, Atom, JSON Feed, sitemap, told apart by content). Ill-formed feeds yield
    what could be read, with the problem recorded."""
    try:
        if looks_like_sitemap(body):
            return parse_sitemap(body, url)
        if looks_like_json_feed(body):
            return parse_json_feed(body, url)
    except Exception as exc:  # as for feedparser below: a parser crash is the feed's problem, not the run's
        return ParsedFeed([], True, f"parser crashed: {type(exc).__name__}: {exc}")
    # Bytes without an HTTP answer (headers None) are taken as XML: no transport to blame for a missing type.
    hdrs = (
        {k.lower(): v for k, v in headers.items()}
        if headers is not None
        else {"content-type": "application/xml"}
    )
    hdrs.setdefault("content-location", url)  # base for relative links
    try:
        # A stream, never the bytes: feedparser treats a bytes/str argument as a path or URL to open.
        doc = feedparser.parse(io.BytesIO(body), response_headers=hdrs)
    except Exception as exc:  # feedparser's last-resort crashes on hostile input must not stop a run
        return ParsedFeed([], True, f"parser crashed: {type(exc).__name__}: {exc}")
    problem = doc.get("bozo_exception")
    reason = f"{type(problem).__name__}: {problem}" if doc.get("bozo") and problem is not None else None
    feed = doc.get("feed") or {}
    return ParsedFeed(
        entries=[_entry(e) for e in doc.get("entries") or []],
        bozo=bool(doc.get("bozo")),
        bozo_reason=reason,
        title=_text(feed.get("title")),
        language=feed.get("language") or None,
        version=doc.get("version") or None,
        encoding=doc.get("encoding") or None,
    )


def normalize_link(url: str) -> str:
    """One spelling per article: tracking parameters (utm_*, fbclid, gclid...), default ports and the
    fragment dropped, scheme and host lower-cased, query sorted (courlan); a `#!` fragment is kept
    because it names content on single-page sites."""
    try:
        cleaned = courlan.clean_url(url.strip()) or url.strip()
        parts = urlsplit(cleaned)
    except ValueError:
        # Unparseable (an unclosed IPv6 bracket...): kept as written, so its fetch fails for this entry
        # alone and the rest of the feed is still read.
        return url.strip()
    if parts.fragment and not parts.fragment.startswith("!"):
        parts = parts._replace(fragment="")
    return urlunsplit(parts)


def entry_to_hints(entry: FeedEntry, config: FeedConfig, feed: ParsedFeed | None = None) -> dict[str, Any]:
    """Feed fields that can fill gaps in what extraction finds on the page; empty ones left out."""
    hints: dict[str, Any] = {
        "title": entry.title,
        "published": entry.published,
        "author": entry.author,
        "summary": _text(entry.summary),
        "content": entry.content,
        "outlet": config.outlet or entry.outlet,
        "language": config.language or entry.language or (feed.language if feed else None),
        "feed_name": config.name,
        "feed_url": config.url,
    }
    return {k: v for k, v in hints.items() if v}


def page_document(
    link: str, body: bytes, final_url: str, charset: str | None, hints: dict[str, Any]
) -> RawDocument:
    return RawDocument(
        source=link, data=body, kind="feed-entry", url=final_url, http_charset=charset, hints=dict(hints)
    )


def content_document(link: str, entry: FeedEntry, hints: dict[str, Any]) -> RawDocument | None:
    """A page built from the entry's full content, for when the article page itself can't be had."""
    if not entry.content:
        return None
    esc = html.escape
    meta = []
    if entry.published:
        meta.append(f'<meta property="article:published_time" content="{esc(entry.published)}">')
    if entry.author:
        meta.append(f'<meta name="author" content="{esc(entry.author)}">')
    title = esc(entry.title or "")
    lang = f' lang="{esc(hints["language"])}"' if hints.get("language") else ""
    page = (
        f'<!DOCTYPE html>\n<html{lang}><head><meta charset="utf-8"><title>{title}</title>{"".join(meta)}'
        f'<link rel="canonical" href="{esc(link)}"></head>\n'
        f"<body><article><h1>{title}</h1>\n{entry.content}\n</article></body></html>\n"
    )
    return RawDocument(
        source=link,
        data=page.encode("utf-8"),
        kind="feed-entry",
        url=link,
        http_charset="utf-8",
        hints={**hints, "content_from_feed": True},
    )


@dataclass(frozen=True)
class EntryRecord:
    """One entry new to the warehouse, and what became of it in this poll."""

    link: str  # normalised: the key across feeds and runs
    raw_link: str
    title: str | None
    published_at: str | None
    # page | feed-content | failed (permanent) | retry (transient: tried again next poll)
    # | disallowed (robots.txt forbids fetching the page)
    outcome: str
    final_url: str | None = None
    doc_sha256: str | None = None
    error: str | None = None


@dataclass
class FeedPoll:
    """Everything one poll of one feed produced: state to store, entries, documents to ingest."""

    config: FeedConfig
    polled_at: datetime
    status: str  # ok | not-modified | not-due | failed
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    title: str | None = None
    entries_in_feed: int = 0
    entries: list[EntryRecord] = field(default_factory=list)
    documents: list[RawDocument] = field(default_factory=list)
    bozo: bool = False
    bozo_reason: str | None = None
    error: str | None = None
    elapsed_s: float = 0.0
    kind: str | None = None  # the format served: rss20, atom10, json11, sitemap-news, sitemapindex...

    @property
    def new_entries(self) -> int:
        return sum(1 for e in self.entries if e.outcome in ("page", "feed-content"))
