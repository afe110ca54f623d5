"""Test material for sources beyond RSS: news sitemaps, sitemap indexes, JSON Feed, robots.txt, home pages."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from loopback import ALLOW_LOOPBACK, LoopbackServer

from presswatch.ingest.fetch import Fetcher, FetchPolicy, HostRateLimiter

FAST = FetchPolicy(
    user_agent="presswatch-test/1.0",
    connect_timeout_s=3.0,
    read_timeout_s=5.0,
    host_interval_s=0.0,
    allow_networks=ALLOW_LOOPBACK,
)
XML = {"Content-Type": "application/xml; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
TEXT = {"Content-Type": "text/plain; charset=utf-8"}


@dataclass(frozen=True)
class Url:
    loc: str
    lastmod: str | None = None
    title: str | None = None  # news:title
    published: str | None = None  # news:publication_date
    publication: str | None = "环回新闻"
    language: str | None = "zh-cn"


def urlset(urls: list[Url], news: bool = True) -> bytes:
    esc = html.escape
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">',
    ]
    for u in urls:
        parts.append(f"<url><loc>{esc(u.loc)}</loc>")
        if u.lastmod:
            parts.append(f"<lastmod>{u.lastmod}</lastmod>")
        if news:
            parts.append(
                "<news:news><news:publication>"
                + (f"<news:name>{esc(u.publication)}</news:name>" if u.publication else "")
                + (f"<news:language>{u.language}</news:language>" if u.language else "")
                + "</news:publication>"
                + (f"<news:publication_date>{u.published}</news:publication_date>" if u.published else "")
                + (f"<news:title>{esc(u.title)}</news:title>" if u.title else "")
                + "</news:news>"
            )
        parts.append("</url>")
    parts.append("</urlset>")
    return "\n".join(parts).encode("utf-8")


def sitemap_index(children: list[tuple[str, str | None]]) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for loc, lastmod in children:
        parts.append(
            f"<sitemap><loc>{html.escape(loc)}</loc>"
            + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "")
            + "</sitemap>"
        )
    parts.append("</sitemapindex>")
    return "\n".join(parts).encode("utf-8")


def json_feed(items: list[dict[str, object]], title: str = "环回 JSON") -> bytes:
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": title, "language": "zh-CN", "items": items}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def home_page(links: list[tuple[str, str, str]], title: str = "环回首页") -> bytes:
    """A home page whose head links (type, href, title) announce feeds."""
    esc = html.escape
    head = "".join(
        f'<link rel="alternate" type="{esc(t)}" href="{esc(h)}" title="{esc(n)}">' for t, h, n in links
    )
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{esc(title)}</title>{head}'
        f"</head><body><h1>{esc(title)}</h1><p>新闻</p></body></html>"
    ).encode()


def migrate_for_feeds(con: duckdb.DuckDBPyConnection) -> None:
    """Every migration, and the one view feed tests read (feed_health): views of other stages are
    re-created by their own tests, so a view being edited elsewhere cannot fail these."""
    from presswatch.settings import SQL_DIR
    from presswatch.store import db as warehouse

    warehouse.migrate(con)
    con.execute((SQL_DIR / "views" / "feed_health.sql").read_text(encoding="utf-8"))


# Fixtures of the feed tests (registered for every test module by conftest.py's pytest_plugins); a module
# that needs another server or fetcher defines its own under the same name.
@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(FAST, HostRateLimiter()) as f:
        yield f


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    from presswatch.store import db as warehouse

    with warehouse.connection(tmp_path / "feeds.duckdb") as c:
        migrate_for_feeds(c)
        yield c
