"""Feeds through real Prefect runs: task retries on the feed itself, and the ingest flow landing articles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from feedkit import Item, rss, seed_articles
from loopback import ALLOW_LOOPBACK, LoopbackServer, Reply, etag_handler
from prefect import flow

from flows.feed_tasks import poll_feeds, record_polls
from flows.ingest import ingest_flow  # a broken import fails the module, it is never skipped
from presswatch.ingest.feeds import FeedConfig, FeedPoll
from presswatch.ingest.fetch import FetchPolicy
from presswatch.settings import load_settings
from presswatch.store import db as warehouse

pytestmark = pytest.mark.usefixtures("prefect_api")

FAST = FetchPolicy(
    user_agent="presswatch-test", connect_timeout_s=3.0, read_timeout_s=5.0, host_interval_s=0.05,
    allow_networks=ALLOW_LOOPBACK,
)
HTML = {"Content-Type": "text/html; charset=utf-8"}


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


@flow(name="poll-feeds-test")
def poll_and_record(configs: list[FeedConfig], db_path: str) -> list[FeedPoll]:
    settings = load_settings(db_path=db_path)
    polls = poll_feeds(configs, settings, FAST, retry_delay_seconds=0)
    record_polls(settings, polls, "test-run")
    return polls


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_feed_task_retries_a_transient_failure_but_not_a_permanent_one(
    server: LoopbackServer, db_path: Path
) -> None:
    article = seed_articles()[0]
    page = server.route("/p.html", Reply(200, article.page(), HTML))
    flaky = server.route(
        "/flaky.xml",
        Reply(503),
        Reply(200, rss([Item(article.title, page)]), {"Content-Type": "application/rss+xml"}),
    )
    gone = server.route("/gone.xml", Reply(404))
    down = server.route("/down.xml", Reply(503))
    warehouse.prepare(db_path)
    configs = [FeedConfig(flaky, "flaky"), FeedConfig(gone, "gone"), FeedConfig(down, "down")]
    polls = poll_and_record(configs, str(db_path))
    by_name = {p.config.name: p for p in polls}
    assert by_name["flaky"].status == "ok" and len(by_name["flaky"].documents) == 1
    assert len(server.hits_for("/flaky.xml")) == 2  # the 503, then the retry
    assert by_name["gone"].status == "failed" and by_name["gone"].error == "HTTP 404 Not Found"
    assert len(server.hits_for("/gone.xml")) == 1  # permanent: never retried
    # Still failing after its retries: a failed poll with the reason, not a failed run.
    assert by_name["down"].status == "failed" and by_name["down"].error == "HTTP 503 Service Unavailable"
    assert len(server.hits_for("/down.xml")) == 3
    failures = _rows(db_path, "SELECT name, consecutive_failures, last_error FROM feeds ORDER BY name")
    assert failures == [
        ("down", 1, "HTTP 503 Service Unavailable"),
        ("flaky", 0, None),
        ("gone", 1, "HTTP 404 Not Found"),
    ]


def test_ingest_flow_lands_feed_articles_and_a_second_poll_adds_nothing(
    server: LoopbackServer, tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The flow builds its fetch policy from the environment: the test server's address is allowed there.
    monkeypatch.setenv("PRESSWATCH_FETCH_ALLOW_NETWORKS", ",".join(ALLOW_LOOPBACK))
    items = []
    for art in seed_articles()[:3]:
        url = server.route(f"/news/{art.slug}.html", Reply(200, art.page(), HTML))
        items.append(Item(art.title, url + "?utm_source=rss", author="记者"))
    feed = server.route("/feed.xml", handler=etag_handler(rss(items), '"v1"'))
    empty = tmp_path / "no-seeds"
    empty.mkdir()

    first = ingest_flow(seeds_dir=str(empty), db_path=str(db_path), feeds=[feed])
    assert first.counts["landed"] == 3
    sources = _rows(db_path, "SELECT source, url FROM articles ORDER BY source")
    assert [s for s, _ in sources] == [u for _, u in sources] == sorted(i.link.split("?")[0] for i in items)
    assert _rows(db_path, "SELECT count(*), count(doc_sha256) FROM feed_entries") == [(3, 3)]
    page_hits = len(server.hits) - len(server.hits_for("/feed.xml"))

    tables = ("documents", "articles", "duplicates", "quarantine", "feed_entries")
    before = {t: _rows(db_path, f"SELECT count(*) FROM {t}") for t in tables}
    ingest_flow(seeds_dir=str(empty), db_path=str(db_path), feeds=[feed])
    assert {t: _rows(db_path, f"SELECT count(*) FROM {t}") for t in tables} == before
    assert len(server.hits) - len(server.hits_for("/feed.xml")) == page_hits  # no page fetched again
    assert _rows(db_path, "SELECT status FROM feed_polls ORDER BY polled_at") == [("ok",), ("not-modified",)]
