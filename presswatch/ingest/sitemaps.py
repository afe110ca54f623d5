"""Sitemaps as feeds, without I/O: urlsets (with the Google News `news:` extension) and sitemap indexes.

Many Chinese portals publish sitemaps, not RSS. A urlset's <url> becomes a FeedEntry like a feed item:
<loc> the link, news:title the title, news:publication_date the date (<lastmod>, when the URL last
changed, only decides whether it is new), and the
publication name and language as the entry's outlet and language. An index lists child sitemaps; the
poller fetches those changed since the last successful poll (`children_to_fetch`) and merges them.

XML is parsed with defusedxml: no entity expansion, no external entities or DTD retrieval, no network.
Gzip-compressed sitemaps (.xml.gz) are inflated with a cap, so a compressed bomb is refused.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from presswatch.ingest.feedentries import FeedEntry, ParsedFeed, absolute_link, iso_date

MAX_INFLATED_BYTES = 50_000_000  # the sitemaps.org limit for one uncompressed sitemap
MAX_CHILD_SITEMAPS = 20  # per poll, newest first: a portal's index can list thousands of archives
MAX_URLS_PER_POLL = 500  # pages fetched per sitemap poll, newest first
# A URL dated a little before the last successful poll may still be new to the sitemap (publishers add
# them with a lag): this much before it still counts as new. Links already seen are skipped anyway.
GRACE = timedelta(hours=2)
_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(urlset|sitemapindex)[\s>]")


@dataclass(frozen=True)
class SitemapRef:
    loc: str
    lastmod: str | None  # ISO 8601


def inflate(body: bytes, cap: int = MAX_INFLATED_BYTES) -> bytes:
    """The body itself, or its gzip content (at most `cap` bytes, else ValueError)."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    out = zlib.decompressobj(wbits=31)
    data = out.decompress(body, cap + 1)
    if len(data) > cap or out.unconsumed_tail:
        raise ValueError(f"compressed sitemap inflates past {cap:,} bytes")
    return data


def looks_like_sitemap(body: bytes) -> bool:
    """A urlset or a sitemap index, judged from the root element near the start (gzip inflated)."""
    try:
        head = inflate(body[:65536], cap=65536) if body.startswith(b"\x1f\x8b") else body[:4096]
    except (ValueError, zlib.error):
        head = b""
    return bool(_ROOT.search(head[:4096]))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(el: Element, name: str) -> Element | None:
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _text(el: Element | None, *path: str) -> str | None:
    for name in path:
        if el is None:
            return None
        el = _child(el, name)
    value = (el.text or "").strip() if el is not None else ""
    return value or None


def _url_entry(el: Element, base: str) -> tuple[FeedEntry | None, str | None, str | None]:
    """(entry, publication name, language) of one <url>."""
    loc = _text(el, "loc")
    if not loc:
        return None, None, None
    news = _child(el, "news")
    entry = FeedEntry(
        link=absolute_link(base, loc),
        entry_id=None,
        title=_text(news, "title") if news is not None else None,
        published=iso_date(_text(news, "publication_date")) if news is not None else None,
        author=None,
        summary=None,
        content=None,
        updated=iso_date(_text(el, "lastmod")),
        outlet=_text(news, "publication", "name") if news is not None else None,
        language=_text(news, "publication", "language") if news is not None else None,
    )
    return entry, entry.outlet, entry.language


def parse_sitemap(body: bytes, url: str) -> ParsedFeed:
    """A urlset as entries, or an index as `children`; problems recorded like a bozo feed's."""
    try:
        root = SafeET.fromstring(inflate(body))
    except (SafeET.ParseError, DefusedXmlException, ValueError, zlib.error) as exc:
        return ParsedFeed([], True, f"unreadable sitemap: {type(exc).__name__}: {exc}", version="sitemap")
    kind = _local(root.tag)
    if kind == "sitemapindex":
        refs = [
            SitemapRef(absolute_link(url, loc), iso_date(_text(s, "lastmod")))
            for s in root
            if _local(s.tag) == "sitemap" and (loc := _text(s, "loc"))
        ]
        problem = None if refs else "sitemap index lists no sitemaps"
        return ParsedFeed([], bool(problem), problem, version="sitemapindex", children=refs)
    if kind != "urlset":
        return ParsedFeed([], True, f"not a sitemap: root element <{kind}>", version="sitemap")
    entries: list[FeedEntry] = []
    names: set[str] = set()
    languages: set[str] = set()
    for el in root:
        if _local(el.tag) != "url":
            continue
        entry, name, language = _url_entry(el, url)
        if entry is not None:
            entries.append(entry)
            names.update([name] if name else [])
            languages.update([language] if language else [])
    return ParsedFeed(
        entries,
        False,
        None,
        title=next(iter(names)) if len(names) == 1 else None,
        language=next(iter(languages)) if len(languages) == 1 else None,
        version="sitemap-news" if names or languages else "sitemap",
        encoding="utf-8",
    )


def _when(iso: str | None) -> datetime | None:
    if not iso:
        return None
    try:
        value = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def is_newer(iso: str | None, since: datetime | None) -> bool:
    """Undated, or dated after `since` less the grace period (always, when there is no `since`)."""
    when = _when(iso)
    return since is None or when is None or when >= since - GRACE


def children_to_fetch(index: ParsedFeed, since: datetime | None) -> list[SitemapRef]:
    """The index's sitemaps changed since the last successful poll, newest first, at most a few."""
    fresh = [r for r in index.children if is_newer(r.lastmod, since)]
    fresh.sort(key=lambda r: _when(r.lastmod) or datetime.max.replace(tzinfo=UTC), reverse=True)
    return fresh[:MAX_CHILD_SITEMAPS]


def expand_index(
    index: ParsedFeed, since: datetime | None, fetch: Callable[[str], tuple[bytes, str]]
) -> ParsedFeed:
    """The entries of the index's fresh child urlsets, merged; `fetch(url) -> (body, final_url)` may raise
    (a child that fails is recorded in bozo_reason, the others still count)."""
    entries: list[FeedEntry] = []
    problems: list[str] = []
    for ref in children_to_fetch(index, since):
        try:
            body, final_url = fetch(ref.loc)
        except Exception as exc:  # one broken child sitemap must not lose the others
            problems.append(f"{ref.loc}: {getattr(exc, 'reason', exc)}")
            continue
        child = parse_sitemap(body, final_url)
        if child.children:
            problems.append(f"{ref.loc}: nested sitemap index not followed")
        elif child.bozo_reason:
            problems.append(f"{ref.loc}: {child.bozo_reason}")
        entries.extend(child.entries)
    return replace(
        index,
        entries=entries,
        bozo=bool(problems),
        bozo_reason="; ".join(problems)[:1000] or None,
        version="sitemapindex",
    )


def fresh_entries(
    parsed: ParsedFeed, since: datetime | None, limit: int = MAX_URLS_PER_POLL
) -> Iterable[FeedEntry]:
    """A sitemap's entries dated after the last successful poll, newest first, at most `limit` (a
    site-wide sitemap's first poll must not fetch its whole archive); feeds keep all theirs."""
    if not (parsed.version or "").startswith("sitemap"):
        return parsed.entries
    fresh = [e for e in parsed.entries if is_newer(e.published or e.updated, since)]
    undated = datetime.min.replace(tzinfo=UTC)
    fresh.sort(key=lambda e: _when(e.published or e.updated) or undated, reverse=True)
    return fresh[:limit]
