"""robots.txt on loopback sites: disallowed pages and feeds are not fetched and are recorded as such."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
from feedkit import Item, rss, seed_articles
from loopback import LoopbackServer, Reply
from sitekit import HTML, TEXT

from flows.feed_tasks import poll_once
from presswatch.ingest.feeds import FeedConfig, FeedPoll
from presswatch.ingest.fetch import Fetcher
from presswatch.ingest.robots import RobotsCache, origin_of, parse_robots
from presswatch.store import feeds as feedstore

RSS = {"Content-Type": "application/rss+xml"}
NOW = datetime(2025, 2, 8, 8, 0, tzinfo=UTC)



def poll(con: duckdb.DuckDBPyConnection, fetcher: Fetcher, config: FeedConfig, robots: RobotsCache) -> FeedPoll:
    state = feedstore.load_feed_state(con, config.url)
    result = poll_once(config, state, lambda ls: feedstore.unseen_links(con, ls), fetcher, NOW, 2, 0.01, robots)
    feedstore.record_feed_polls(con, [result], "test-run")
    return result


def site(server: LoopbackServer, robots_txt: Reply, with_content: bool = False) -> str:
    """A feed linking one public and one private page; returns the feed URL."""
    arts = seed_articles()
    server.route("/robots.txt", robots_txt)
    public = server.route("/news/public.html", Reply(200, arts[0].page(), HTML))
    private = server.route("/private/secret.html", Reply(200, arts[1].page(), HTML))
    content = "<p>深度求索发布新模型。</p><p>第二段。</p>" if with_content else ""
    items = [Item("公开", public), Item("私有", private, content=content)]
    return server.route("/feed.xml", Reply(200, rss(items), RSS))


def test_rules_for_our_user_agent_apply_and_sitemap_lines_are_read() -> None:
    rules = parse_robots(
        "http://x.example",
        b"User-agent: *\nDisallow: /tmp/\n\nUser-agent: presswatch\nDisallow: /private/\n"
        b"Sitemap: http://x.example/sitemap_news.xml\n",
    )
    agent = "presswatch/0.1 (+https://github.com/presswatch/presswatch; media monitoring)"
    assert not rules.allows("http://x.example/private/a.html", agent)
    assert rules.allows("http://x.example/tmp/a.html", agent)  # our own group replaces the * group
    assert not rules.allows("http://x.example/tmp/a.html", "otherbot/1.0")
    assert rules.sitemaps == ("http://x.example/sitemap_news.xml",)
    assert origin_of("HTTP://News.Example.CN:8080/a?b") == "http://news.example.cn:8080"


def test_disallowed_page_is_not_fetched_and_is_recorded_as_disallowed(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection
) -> None:
    url = site(server, Reply(200, b"User-agent: presswatch-test\nDisallow: /private/\n", TEXT))
    result = poll(con, fetcher, FeedConfig(url, "loop"), RobotsCache())
    assert [d.url for d in result.documents] == [server.url("/news/public.html")]
    assert server.hits_for("/private/secret.html") == []
    rows = con.execute("SELECT outcome, error FROM feed_entries WHERE raw_link LIKE '%private%'").fetchall()
    assert rows == [("disallowed", "robots.txt disallows /private/secret.html for presswatch-test")]
    assert con.execute("SELECT failed_entries FROM feed_polls").fetchall() == [(1,)]


def test_disallowed_page_with_full_content_in_the_feed_uses_the_feed_content(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection
) -> None:
    url = site(server, Reply(200, b"User-agent: *\nDisallow: /private/\n", TEXT), with_content=True)
    result = poll(con, fetcher, FeedConfig(url, "loop"), RobotsCache())
    (from_feed,) = [d for d in result.documents if d.hints.get("content_from_feed")]
    assert "robots.txt disallows" in from_feed.hints["page_error"] and server.hits_for("/private/secret.html") == []


def test_disallowed_feed_is_a_failed_poll_and_never_requested(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection
) -> None:
    url = site(server, Reply(200, b"User-agent: *\nDisallow: /feed.xml\n", TEXT))
    result = poll(con, fetcher, FeedConfig(url, "loop"), RobotsCache())
    assert result.status == "failed" and result.error == "robots.txt disallows /feed.xml for presswatch-test"
    assert server.hits_for("/feed.xml") == []
    assert feedstore.feed_health(con)[0]["last_error"] == result.error


def test_missing_robots_txt_allows_all_and_is_asked_once_per_site(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection
) -> None:
    url = site(server, Reply(404))
    result = poll(con, fetcher, FeedConfig(url, "loop"), RobotsCache())
    assert result.new_entries == 2 and len(server.hits_for("/robots.txt")) == 1  # feed + 2 pages, one ask


def test_robots_txt_server_error_disallows_all_for_now(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection
) -> None:
    url = site(server, Reply(503))
    result = poll(con, fetcher, FeedConfig(url, "loop"), RobotsCache())
    assert result.status == "failed" and "robots.txt unreachable (HTTP 503" in (result.error or "")
    assert server.hits_for("/feed.xml") == []


def test_a_page_whose_site_robots_txt_is_down_is_retried_at_the_next_poll(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection
) -> None:
    with LoopbackServer() as pages:  # another origin: its own robots.txt, down at the first poll
        pages.route("/robots.txt", Reply(503), Reply(404))
        link = pages.route("/news/a.html", Reply(200, seed_articles()[0].page(), HTML))
        server.route("/robots.txt", Reply(404))
        url = server.route("/feed.xml", Reply(200, rss([Item("甲", link)]), RSS))
        config = FeedConfig(url, "loop", min_interval_minutes=0.0)
        first = poll(con, fetcher, config, RobotsCache())
        assert first.documents == [] and pages.hits_for("/news/a.html") == []
        assert con.execute("SELECT outcome, error FROM feed_entries").fetchall() == [
            ("retry", "robots.txt: robots.txt unreachable (HTTP 503 Service Unavailable): disallow all")
        ]
        second = poll(con, fetcher, config, RobotsCache())
        assert [d.url for d in second.documents] == [link]
        assert con.execute("SELECT outcome FROM feed_entries").fetchall() == [("page",)]


def test_cached_rules_expire(server: LoopbackServer, fetcher: Fetcher) -> None:
    server.route(
        "/robots.txt",
        Reply(200, b"User-agent: *\nDisallow: /\n", TEXT),
        Reply(200, b"User-agent: *\nAllow: /\n", TEXT),
    )
    page = server.url("/a.html")
    kept, expiring = RobotsCache(), RobotsCache(ttl_s=0.0)
    assert not kept.check(fetcher, page).allowed and not kept.check(fetcher, page).allowed
    assert len(server.hits_for("/robots.txt")) == 1
    assert expiring.check(fetcher, page).allowed and expiring.check(fetcher, page).allowed
    assert len(server.hits_for("/robots.txt")) == 3  # expired at once: asked again on each check
    assert not expiring.check(fetcher, "file:///etc/passwd").reason  # left to the fetcher's own refusal
