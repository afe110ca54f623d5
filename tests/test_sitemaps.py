"""News sitemaps and JSON Feed as feed kinds: parsing, polling only what is new, and a sitemap-only site
monitored end to end through the ingest flow."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from feedkit import SeedArticle, rss, seed_articles
from loopback import ALLOW_LOOPBACK, LoopbackServer, Reply, etag_handler
from sitekit import HTML, XML, Url, json_feed, sitemap_index, urlset

from flows.feed_tasks import poll_once
from presswatch.ingest.feeds import FeedConfig, FeedPoll, parse_feed
from presswatch.ingest.fetch import Fetcher
from presswatch.ingest.robots import RobotsCache
from presswatch.store import feeds as feedstore

T0 = datetime(2025, 2, 8, 8, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=1)



def poll(con: duckdb.DuckDBPyConnection, fetcher: Fetcher, config: FeedConfig, now: datetime) -> FeedPoll:
    state = feedstore.load_feed_state(con, config.url)
    unseen = lambda links: feedstore.unseen_links(con, links)  # noqa: E731
    result = poll_once(config, state, unseen, fetcher, now, 2, 0.01, RobotsCache())
    feedstore.record_feed_polls(con, [result], "test-run")
    return result


def serve(server: LoopbackServer, art: SeedArticle) -> str:
    return server.route(f"/news/{art.slug}.html", Reply(200, art.page(), HTML))


# --- parsing -----------------------------------------------------------------------------------


def test_news_sitemap_entries_carry_title_date_publication_and_language() -> None:
    body = urlset(
        [
            Url("/a.html", "2025-02-08T09:00:00+08:00", "标题一", "2025-02-08T08:30:00+08:00"),
            Url("http://x.example/b.html", "2025-02-07", publication="环回新闻", language="zh-tw"),
        ]
    )
    parsed = parse_feed(body, "http://x.example/sitemap_news.xml", {"Content-Type": "text/xml"})
    assert parsed.version == "sitemap-news" and not parsed.bozo and parsed.title == "环回新闻"
    a, b = parsed.entries
    assert (a.link, a.title, a.published) == ("http://x.example/a.html", "标题一", "2025-02-08T08:30:00+08:00")
    assert (a.outlet, a.language, b.language) == ("环回新闻", "zh-cn", "zh-tw")
    # <lastmod> says when the URL changed, not when it was published: kept apart, never a publication date.
    assert (b.published, b.updated, b.title) == (None, "2025-02-07T00:00:00", None)


def test_plain_and_gzipped_sitemaps_and_indexes_are_told_apart_by_content() -> None:
    plain = urlset([Url("http://x.example/1", "2025-02-01")], news=False)
    gz = parse_feed(gzip.compress(plain), "http://x.example/s.xml.gz", {"Content-Type": "application/x-gzip"})
    assert gz.version == "sitemap" and [e.link for e in gz.entries] == ["http://x.example/1"]
    index = parse_feed(sitemap_index([("/s1.xml", "2025-02-01"), ("/s2.xml", None)]), "http://x.example/i.xml")
    assert index.version == "sitemapindex" and index.entries == []
    assert [(c.loc, c.lastmod) for c in index.children] == [
        ("http://x.example/s1.xml", "2025-02-01T00:00:00"),
        ("http://x.example/s2.xml", None),
    ]
    assert parse_feed(rss([]), "http://x.example/rss").version == "rss20"


def test_entity_expansion_in_a_sitemap_is_refused_not_expanded() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://x/&b;</loc></url></urlset>'
    )
    parsed = parse_feed(bomb, "http://x.example/s.xml")
    assert parsed.entries == [] and parsed.bozo and "EntitiesForbidden" in (parsed.problem or "")


def test_json_feed_items_become_entries() -> None:
    body = json_feed(
        [
            {
                "id": "1",
                "url": "/p/1.html",
                "title": "杰森",
                "date_published": "2025-02-08T10:00:00+08:00",
                "content_html": "<p>全文</p>",
                "authors": [{"name": "马欢"}],
            },
            {"id": "https://x.example/p/2", "content_text": "第一段\n第二段"},
        ]
    )
    parsed = parse_feed(body, "https://x.example/feed.json", {"Content-Type": "application/feed+json"})
    assert parsed.version == "json11" and parsed.title == "环回 JSON" and parsed.language == "zh-CN"
    a, b = parsed.entries
    assert (a.link, a.title, a.author, a.published) == (
        "https://x.example/p/1.html", "杰森", "马欢", "2025-02-08T10:00:00+08:00"
    )
    assert a.content == "<p>全文</p>" and b.link == "https://x.example/p/2"
    assert b.content == "<p>第一段</p><p>第二段</p>"


# --- polling -------------------------------------------------------------------------------------


def test_sitemap_poll_fetches_pages_with_news_fields_as_hints(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection
) -> None:
    art = seed_articles()[0]
    page = serve(server, art)
    url = server.route("/sitemap_news.xml", Reply(200, urlset([Url(page, None, art.title, "2025-02-08T08:00:00+08:00")]), XML))
    result = poll(con, fetcher, FeedConfig(url, "sm"), T0)
    assert result.status == "ok" and result.kind == "sitemap-news" and result.new_entries == 1
    (doc,) = result.documents
    assert doc.data == art.page() and doc.hints["outlet"] == "环回新闻" and doc.hints["language"] == "zh-cn"
    assert doc.hints["title"] == art.title and doc.hints["published"] == "2025-02-08T08:00:00+08:00"
    assert con.execute("SELECT kind FROM feed_health").fetchall() == [("sitemap-news",)]


def test_index_poll_fetches_only_sitemaps_and_urls_newer_than_the_last_poll(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection
) -> None:
    arts = seed_articles()
    pages = [serve(server, a) for a in arts[:4]]
    day = lambda d: d.isoformat()  # noqa: E731
    first_map = server.route("/sitemaps/a.xml", Reply(200, urlset([Url(p, day(T0 - timedelta(hours=3))) for p in pages[:2]]), XML))
    index = server.route(
        "/sitemap.xml",
        Reply(200, sitemap_index([(first_map, day(T0 - timedelta(hours=3)))]), XML),
        Reply(200, sitemap_index([(first_map, day(T0 - timedelta(hours=3))), ("/sitemaps/b.xml", day(T1))]), XML),
    )
    server.route(
        "/sitemaps/b.xml",
        Reply(200, urlset([Url(pages[2], day(T1 - timedelta(minutes=10))), Url(pages[3], day(T0 - timedelta(days=3)))]), XML),
    )
    config = FeedConfig(index, "idx", min_interval_minutes=0)
    first = poll(con, fetcher, config, T0)
    assert first.kind == "sitemapindex" and first.new_entries == 2
    second = poll(con, fetcher, config, T1)
    assert len(server.hits_for("/sitemaps/a.xml")) == 1  # unchanged since the last poll: not fetched again
    assert [d.url for d in second.documents] == [pages[2]]  # the URL dated before the last poll is left
    assert len(server.hits_for(f"/news/{arts[3].slug}.html")) == 0


def test_broken_child_sitemap_is_recorded_and_the_others_still_count(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection
) -> None:
    page = serve(server, seed_articles()[1])
    good = server.route("/good.xml", Reply(200, urlset([Url(page)]), XML))
    index = server.route("/sitemap.xml", Reply(200, sitemap_index([(good, None), ("/gone.xml", None)]), XML))
    result = poll(con, fetcher, FeedConfig(index, "idx"), T0)
    assert result.status == "ok" and result.new_entries == 1
    assert result.bozo and "gone.xml: HTTP 404" in (result.bozo_reason or "")


def test_sitemap_not_modified_is_a_304_and_fetches_nothing(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection
) -> None:
    page = serve(server, seed_articles()[2])
    url = server.route("/sitemap_news.xml", handler=etag_handler(urlset([Url(page)]), '"s1"', "application/xml"))
    config = FeedConfig(url, "sm", min_interval_minutes=0)
    assert poll(con, fetcher, config, T0).new_entries == 1
    assert poll(con, fetcher, config, T0 + timedelta(hours=1)).status == "not-modified"
    assert server.hits_for("/sitemap_news.xml")[-1].headers["if-none-match"] == '"s1"'


# --- end to end ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("prefect_api")
def test_sitemap_only_site_is_monitored_end_to_end(
    server: LoopbackServer, tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.ingest import ingest_flow

    monkeypatch.setenv("PRESSWATCH_FETCH_ALLOW_NETWORKS", ",".join(ALLOW_LOOPBACK))
    monkeypatch.setenv("PRESSWATCH_FETCH_HOST_INTERVAL", "0")
    arts = seed_articles()[:3]
    now = datetime.now(UTC).isoformat(timespec="seconds")
    urls = [Url(serve(server, a) + "?utm_source=sitemap", now, a.title, now) for a in arts]
    server.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"}))
    sitemap = server.route("/sitemap_news.xml", handler=etag_handler(urlset(urls), '"v1"', "application/xml"))
    empty = tmp_path / "no-seeds"
    empty.mkdir()

    first = ingest_flow(seeds_dir=str(empty), db_path=str(db_path), feeds=[sitemap], include_files=False)
    assert first.counts["landed"] == 3 and first.feeds == [("127.0.0.1", "ok", 3, None)]
    with duckdb.connect(str(db_path), read_only=True) as db:
        rows = db.execute("SELECT url, outlet, title FROM articles ORDER BY url").fetchall()
        health = db.execute("SELECT kind, last_status, poll_interval_minutes FROM feed_health").fetchall()
    assert [r[0] for r in rows] == sorted(u.loc.split("?")[0] for u in urls)
    # news:name fills the outlet where the page names none (a page's own attribution line wins).
    assert "环回新闻" in {r[1] for r in rows} and {r[2] for r in rows} == {a.title for a in arts}
    assert health == [("sitemap-news", "ok", 0.0)]

    second = ingest_flow(seeds_dir=str(empty), db_path=str(db_path), feeds=[sitemap], include_files=False)
    assert second.counts["landed"] == 0 and second.feeds == [("127.0.0.1", "not-modified", 0, None)]


def test_a_big_sitemap_gives_its_newest_urls_first_and_at_most_the_limit() -> None:
    from presswatch.ingest.sitemaps import fresh_entries

    urls = [Url(f"http://x.example/{d}", f"2025-02-{d:02d}", publication=None, language=None) for d in range(1, 10)]
    parsed = parse_feed(urlset(urls, news=False), "http://x.example/sitemap.xml")
    assert [e.link for e in fresh_entries(parsed, None, limit=3)] == [f"http://x.example/{d}" for d in (9, 8, 7)]
    since = datetime(2025, 2, 8, 12, tzinfo=UTC)  # the 8th at midnight is before it, even with the grace
    assert [e.link for e in fresh_entries(parsed, since)] == ["http://x.example/9"]
