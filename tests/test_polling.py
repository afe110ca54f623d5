"""Adaptive polling: a feed's interval between its min and max, shorter while it brings news."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from feedkit import Item, SeedArticle, rss, seed_articles
from loopback import LoopbackServer, Reply
from sitekit import HTML

from flows.feed_tasks import poll_once
from presswatch.ingest.feeds import FeedConfig, FeedConfigError, FeedPoll, adapt_interval, load_feed_configs
from presswatch.ingest.fetch import Fetcher
from presswatch.ingest.robots import RobotsCache
from presswatch.store import feeds as feedstore

RSS = {"Content-Type": "application/rss+xml"}



@pytest.fixture
def articles() -> list[SeedArticle]:
    return seed_articles()


def poll(con: duckdb.DuckDBPyConnection, fetcher: Fetcher, config: FeedConfig, now: datetime) -> FeedPoll:
    state = feedstore.load_feed_state(con, config.url)
    unseen = lambda links: feedstore.unseen_links(con, links)  # noqa: E731
    result = poll_once(config, state, unseen, fetcher, now, 2, 0.01, RobotsCache())
    feedstore.record_feed_polls(con, [result], "test-run")
    return result


def serve_pages(server: LoopbackServer, articles: list[SeedArticle], n: int) -> list[Item]:
    return [
        Item(a.title, server.route(f"/news/{a.slug}.html", Reply(200, a.page(), HTML))) for a in articles[:n]
    ]



def test_interval_halves_on_new_entries_grows_when_quiet_and_stays_in_bounds() -> None:
    config = FeedConfig("http://x.example/f", "x", min_interval_minutes=30, max_interval_minutes=120)
    assert adapt_interval(config, None, "ok", 3) == 30  # from the minimum, halving stays at the minimum
    assert adapt_interval(config, 100, "ok", 1) == 50
    assert adapt_interval(config, 40, "ok", 0) == 60 and adapt_interval(config, 40, "not-modified", 0) == 60
    assert adapt_interval(config, 100, "ok", 0) == 120  # capped at the maximum
    assert adapt_interval(config, 100, "failed", 0) == 100  # a failure says nothing about the pace
    assert adapt_interval(config, 500, "failed", 0) == 120  # bounds changed in feeds.yaml apply at once


def test_max_interval_is_read_from_feeds_yaml_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("feeds:\n  - {url: 'http://a.example/f', min_interval_minutes: 10, max_interval_minutes: 90}\n")
    (config,) = load_feed_configs(path)
    assert (config.min_interval_minutes, config.max_interval_minutes) == (10, 90)
    path.write_text("feeds:\n  - {url: 'http://a.example/f', min_interval_minutes: 60, max_interval_minutes: 30}\n")
    with pytest.raises(FeedConfigError, match="max_interval_minutes"):
        load_feed_configs(path)


def test_polling_interval_grows_while_quiet_and_shrinks_when_news_arrives(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection, articles: list[SeedArticle]
) -> None:
    items = serve_pages(server, articles, 3)
    url = server.route(
        "/feed.xml",
        Reply(200, rss(items[:1]), RSS),  # new entry
        Reply(200, rss(items[:1]), RSS),  # nothing new ...
        Reply(200, rss(items[:1]), RSS),
        Reply(200, rss(items[:1]), RSS),
        Reply(200, rss(items), RSS),  # ... then two new entries
    )
    config = FeedConfig(url, "loop", min_interval_minutes=20, max_interval_minutes=60)
    at = datetime(2025, 2, 8, tzinfo=UTC)
    intervals = []
    for _ in range(5):
        result = poll(con, fetcher, config, at)
        assert result.status == "ok"
        (health,) = feedstore.feed_health(con)
        intervals.append(health["poll_interval_minutes"])
        assert health["next_poll_due_at"] == at + timedelta(minutes=intervals[-1])
        assert poll(con, fetcher, config, at + timedelta(minutes=intervals[-1] - 1)).status == "not-due"
        at += timedelta(minutes=intervals[-1])
    assert intervals == [20, 30, 45, 60, 30]
