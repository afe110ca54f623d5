"""Feed discovery: a site's feeds and sitemaps from its home page, its robots.txt and common paths.

Like Media Cloud's feed_seeker and newspaper4k: candidates come from <link rel="alternate"> in the home
page's head (and a few <a> links that look like feed links), the `Sitemap:` lines of robots.txt, and
- when those give nothing that works, or when asked - the usual paths (/feed, /rss.xml, /atom.xml,
/sitemap.xml, /sitemap_news.xml ...). Each candidate is fetched through the Fetcher and parsed as the
poller would (kind, title, entry count, newest entry date), so only what really is a feed is offered.
All network I/O goes through the Fetcher; robots.txt is honoured for every request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
import yaml

from presswatch.ingest.feeds import normalize_link, parse_feed
from presswatch.ingest.fetch import Fetcher, FetchError
from presswatch.ingest.robots import RobotsCache, ensure_allowed

COMMON_PATHS = (
    "/feed", "/rss", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml", "/feed.json",
    "/sitemap.xml", "/sitemap_news.xml", "/news-sitemap.xml", "/sitemap_index.xml",
)  # fmt: skip
FEED_TYPES = frozenset(
    {
        "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json",
        "application/json", "application/xml", "text/xml",
    }
)  # fmt: skip
_FEEDISH_HREF = re.compile(r"(?:^|/)(?:rss|feeds?|atom)(?:\.xml|\.json|/)?(?:$|\?)|\.(?:rss|atom)$", re.I)
MAX_ANCHOR_CANDIDATES = 10


@dataclass(frozen=True)
class Candidate:
    url: str
    found_by: str  # "link rel=alternate" | "page link" | "robots.txt Sitemap:" | "common path"
    label: str | None = None  # the link's title attribute or text
    kind: str | None = None  # rss20, atom10, json11, sitemap-news, sitemapindex... once checked
    title: str | None = None
    entries: int = 0  # entries in a feed or urlset; child sitemaps in an index
    newest: str | None = None  # ISO 8601 date of the newest entry (or child sitemap)
    error: str | None = None

    @property
    def works(self) -> bool:
        return self.kind is not None and self.error is None


@dataclass
class Discovery:
    home_url: str
    final_url: str | None = None
    title: str | None = None
    language: str | None = None
    error: str | None = None  # the home page could not be had (candidates may still come from robots.txt)
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def feeds(self) -> list[Candidate]:
        return [c for c in self.candidates if c.works]


def page_candidates(body: bytes, base_url: str) -> tuple[list[Candidate], str | None, str | None]:
    """(candidates, page title, page language) from a home page's links."""
    try:
        doc = lxml.html.document_fromstring(body)
    except (ValueError, lxml.etree.ParserError):
        return [], None, None
    found: list[Candidate] = []
    for link in doc.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        if "alternate" in rels and kind in FEED_TYPES and link.get("href"):
            found.append(Candidate(urljoin(base_url, link.get("href").strip()), "link rel=alternate", link.get("title")))
    anchors = 0
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if href and _FEEDISH_HREF.search(urlsplit(href).path) and anchors < MAX_ANCHOR_CANDIDATES:
            anchors += 1
            found.append(Candidate(urljoin(base_url, href), "page link", (a.text_content() or "").strip() or None))
    title = doc.findtext(".//title")
    return found, (title or "").strip() or None, doc.get("lang") or None


def _newest(dates: list[str | None]) -> str | None:
    parsed = []
    for d in dates:
        if not d:
            continue
        try:
            value = datetime.fromisoformat(d)
        except ValueError:
            continue
        parsed.append((value if value.tzinfo else value.replace(tzinfo=UTC), d))
    return max(parsed)[1] if parsed else None


def check(fetcher: Fetcher, candidate: Candidate, robots: RobotsCache | None) -> Candidate:
    """The candidate fetched and parsed as the poller would: what it is, or why it is not a feed."""
    try:
        ensure_allowed(fetcher, candidate.url, robots)
        result = fetcher.fetch(candidate.url)
    except FetchError as exc:
        return Candidate(candidate.url, candidate.found_by, candidate.label, error=exc.reason)
    parsed = parse_feed(result.body, result.final_url, result.headers)
    if parsed.children:
        count, newest = len(parsed.children), _newest([c.lastmod for c in parsed.children])
    else:
        count, newest = len(parsed.entries), _newest([e.published or e.updated for e in parsed.entries])
    error = None
    if not count and parsed.bozo:
        error = f"not a feed or sitemap: {parsed.bozo_reason}"
    return Candidate(
        result.final_url if result.final_url != candidate.url else candidate.url,
        candidate.found_by,
        candidate.label,
        kind=parsed.version if error is None else None,
        title=parsed.title,
        entries=count,
        newest=newest,
        error=error,
    )


def discover(
    fetcher: Fetcher, home_url: str, robots: RobotsCache | None = None, all_paths: bool = False
) -> Discovery:
    """Candidates of the site at `home_url`, each checked; common paths tried when nothing else works
    (or always, with `all_paths`). Paths tried that do not answer a feed are left out of the list."""
    robots = robots if robots is not None else RobotsCache()
    found = Discovery(home_url)
    listed: list[Candidate] = []
    try:
        ensure_allowed(fetcher, home_url, robots)
        home = fetcher.fetch(home_url)
        found.final_url = home.final_url
        listed, found.title, found.language = page_candidates(home.body, home.final_url)
    except FetchError as exc:
        found.error = exc.reason
    rules = robots.rules(fetcher, found.final_url or home_url)
    listed += [Candidate(url, "robots.txt Sitemap:") for url in rules.sitemaps]
    seen: set[str] = set()
    for cand in listed:
        if normalize_link(cand.url) not in seen:
            seen.add(normalize_link(cand.url))
            checked = check(fetcher, cand, robots)
            seen.add(normalize_link(checked.url))
            found.candidates.append(checked)
    if all_paths or not found.feeds:
        root = found.final_url or home_url
        for path in COMMON_PATHS:
            url = urljoin(root, path)
            if normalize_link(url) in seen:
                continue
            checked = check(fetcher, Candidate(url, "common path"), robots)
            if checked.works and normalize_link(checked.url) not in seen:
                found.candidates.append(checked)
            seen.update({normalize_link(url), normalize_link(checked.url)})
    return found


def yaml_snippet(found: Discovery) -> str:
    """The working candidates as feeds.yaml entries, ready to paste under `feeds:`."""
    host = urlsplit(found.final_url or found.home_url).hostname or "site"
    entries: list[dict[str, Any]] = []
    for cand in found.feeds:
        path = urlsplit(cand.url).path.strip("/").replace("/", "-") or "feed"
        item: dict[str, Any] = {"name": f"{host}-{path}"[:60], "url": cand.url}
        if found.title or cand.title:
            item["outlet"] = found.title or cand.title
        if found.language:
            item["language"] = found.language
        item |= {"enabled": True, "min_interval_minutes": 30}
        entries.append(item)
    if not entries:
        return "# no feed or sitemap found\n"
    return yaml.safe_dump({"feeds": entries}, allow_unicode=True, sort_keys=False, width=1000)
