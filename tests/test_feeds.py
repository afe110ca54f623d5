"""Feeds end to end below Prefect: parse, normalise, poll on a loopback server, store state in DuckDB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from feedkit import Item, SeedArticle, atom, rss, seed_articles
from loopback import LoopbackServer, Reply, etag_handler

from flows.feed_tasks import documents_from_polls, poll_once
from presswatch.ingest.feeds import (
    EntryRecord,
    FeedConfig,
    FeedConfigError,
    FeedPoll,
    load_feed_configs,
    normalize_link,
    parse_feed,
    select_feeds,
)
from presswatch.ingest.fetch import Fetcher
from presswatch.store import feeds as feedstore

PROJECT = Path(__file__).resolve().parent.parent
HTML = {"Content-Type": "text/html; charset=utf-8"}
RSS = {"Content-Type": "application/rss+xml"}



@pytest.fixture
def articles() -> list[SeedArticle]:
    return seed_articles()


def poll(
    con: duckdb.DuckDBPyConnection, fetcher: Fetcher, config: FeedConfig, now: datetime | None = None
) -> FeedPoll:
    """One poll as the task runs it, recorded as the ingest flow records it."""
    state = feedstore.load_feed_state(con, config.url)
    result = poll_once(config, state, lambda links: feedstore.unseen_links(con, links), fetcher, now, 2, 0.01)
    feedstore.record_feed_polls(con, [result], "test-run")
    return result


def site_hits(server: LoopbackServer) -> int:
    """Requests other than robots.txt (asked once per site and run: see test_robots.py)."""
    return len(server.hits) - len(server.hits_for("/robots.txt"))


def count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def serve_pages(server: LoopbackServer, articles: list[SeedArticle], n: int = 2) -> list[Item]:
    items = []
    for art in articles[:n]:
        url = server.route(f"/news/{art.slug}.html", Reply(200, art.page(), HTML))
        items.append(Item(art.title, url, summary=art.paragraphs[0], author="记者"))
    return items


# --- parsing -----------------------------------------------------------------------------------


def test_rss_feed_gives_links_titles_dates_and_content() -> None:
    body = rss([Item("标题一", "/a.html", "Sat, 08 Feb 2025 16:52:15 +0800", "摘要", "<p>全文</p>", "马欢")])
    parsed = parse_feed(body, "http://news.example.cn/feed.xml", RSS)
    assert not parsed.bozo and parsed.version == "rss20" and parsed.title == "测试频道"
    (entry,) = parsed.entries
    assert entry.link == "http://news.example.cn/a.html"  # resolved against the feed's URL
    assert entry.title == "标题一" and entry.author == "马欢"
    assert entry.published == "2025-02-08T16:52:15+08:00"  # the feed's own offset kept
    assert entry.content == "<p>全文</p>" and entry.summary == "摘要"


def test_atom_feed_gives_links_titles_dates_and_content() -> None:
    body = atom(
        [Item("原子", "http://x.example/p/1", "2025-02-09T10:00:00+08:00", "摘要", "<p>正文</p>", "作者")]
    )
    parsed = parse_feed(body, "http://x.example/atom.xml")
    assert not parsed.bozo and parsed.version == "atom10"
    (entry,) = parsed.entries
    assert (entry.link, entry.title, entry.author) == ("http://x.example/p/1", "原子", "作者")
    assert entry.published == "2025-02-09T10:00:00+08:00"
    assert entry.content == "<p>正文</p>"


@pytest.mark.parametrize("content_type", ["application/rss+xml", "text/xml"])
def test_gb2312_feed_decodes_without_mojibake(articles: list[SeedArticle], content_type: str) -> None:
    titles = [a.title for a in articles[:3]]
    body = rss(
        [Item(t, f"http://x.example/{i}") for i, t in enumerate(titles)], title="新闻中心", encoding="gb2312"
    )
    assert "新闻中心".encode("gb2312") in body
    parsed = parse_feed(body, "http://x.example/feed", {"Content-Type": content_type})
    assert parsed.title == "新闻中心" and parsed.encoding == "gb18030"
    assert [e.title for e in parsed.entries] == titles
    # text/xml without a charset means us-ascii by RFC 3023: read right all the same, but noted.
    assert parsed.bozo == (content_type == "text/xml")


def test_malformed_feed_still_yields_entries_and_records_why() -> None:
    body = (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Broken & co</title>'
        b"<item><title>One</title><link>http://x.example/1</link></item>"
        b"<item><title>Two</title><link>http://x.example/2?a=1&b=2</link></item>"
    )  # bare ampersands, never closed
    parsed = parse_feed(body, "http://x.example/feed")
    assert parsed.bozo and parsed.bozo_reason and "SAXParseException" in parsed.bozo_reason
    assert [e.link for e in parsed.entries] == ["http://x.example/1", "http://x.example/2?a=1&b=2"]


def test_garbage_is_reported_as_a_problem_not_a_crash() -> None:
    parsed = parse_feed(b"\x00\xff<html><body>Service unavailable</body></html>", "http://x.example/feed")
    assert parsed.entries == [] and parsed.problem


# --- links ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        (
            "https://News.Example.CN/a/1.html?utm_source=rss&utm_medium=feed&utm_campaign=x",
            "https://news.example.cn/a/1.html",
        ),
        (
            "http://news.example.cn/a/1.html?id=7&fbclid=IwAR0abc&gclid=xyz",
            "http://news.example.cn/a/1.html?id=7",
        ),
        ("http://news.example.cn:80/a/1.html#comments", "http://news.example.cn/a/1.html"),
        ("https://news.example.cn/a?b=2&a=1", "https://news.example.cn/a?a=1&b=2"),
        ("https://app.example.cn/#!/story/42", "https://app.example.cn/#!/story/42"),
    ],
)
def test_normalize_link_drops_tracking_and_fragment(raw: str, normal: str) -> None:
    assert normalize_link(raw) == normal


# --- configuration ------------------------------------------------------------------------------


def test_shipped_feeds_yaml_loads_with_every_example_disabled() -> None:
    configs = load_feed_configs(PROJECT / "seeds" / "feeds.yaml")
    assert len(configs) >= 2 and not any(c.enabled for c in configs)
    assert all(c.url.startswith("https://") and c.outlet and c.language for c in configs)
    assert select_feeds(configs) == []


def test_feed_given_by_url_is_polled_alongside_enabled_ones(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(
        "feeds:\n  - {name: on, url: 'http://a.example/f', outlet: A}\n  - {url: 'http://b.example/f', enabled: false}\n"
    )
    chosen = select_feeds(load_feed_configs(path), ["http://b.example/f", "http://c.example/rss"])
    assert [c.url for c in chosen] == ["http://a.example/f", "http://b.example/f", "http://c.example/rss"]
    assert chosen[0].min_interval_minutes == 30 and chosen[2].min_interval_minutes == 0


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("feeds:\n  - {url: 'http://a.example/f', enable: false}\n", "unknown key"),
        ("feeds:\n  - {url: 'file:///etc/feed.xml'}\n", "http(s) URL"),
        ("feeds:\n  - {url: 'http://a.example/f'}\n  - {url: 'http://a.example/f'}\n", "duplicate url"),
        ("feeds:\n  - {url: 'http://a.example/f', min_interval_minutes: -5}\n", "min_interval_minutes"),
    ],
)
def test_bad_feed_config_is_refused_with_reason(tmp_path: Path, yaml_text: str, message: str) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(yaml_text)
    with pytest.raises(FeedConfigError, match="feed #"):
        load_feed_configs(path)
    with pytest.raises(FeedConfigError) as err:
        load_feed_configs(path)
    assert message in str(err.value)


# --- polling -------------------------------------------------------------------------------------


def test_poll_turns_new_entries_into_page_documents(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection, articles: list[SeedArticle]
) -> None:
    items = serve_pages(server, articles, 3)
    url = server.route("/feed.xml", Reply(200, rss(items), RSS))
    config = FeedConfig(url, "loop", outlet="环回日报", language="zh-CN")
    result = poll(con, fetcher, config)
    assert result.status == "ok" and result.entries_in_feed == 3 and result.new_entries == 3
    doc = result.documents[0]
    assert doc.kind == "feed-entry" and doc.data == articles[0].page()
    assert doc.url == items[0].link and doc.http_charset == "utf-8"
    assert doc.hints["title"] == articles[0].title and doc.hints["outlet"] == "环回日报"
    assert doc.hints["published"] == "2025-02-08T16:52:15+08:00" and doc.hints["language"] == "zh-CN"
    assert count(con, "feed_entries") == 3 and count(con, "feed_polls") == 1
    assert con.execute(
        "SELECT doc_sha256 FROM feed_entries WHERE raw_link = ?", [items[0].link]
    ).fetchone() == (doc.sha256,)


def test_same_article_in_two_feeds_with_other_tracking_params_is_one_entry(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection, articles: list[SeedArticle]
) -> None:
    page = server.route("/story.html", Reply(200, articles[0].page(), HTML))
    feed_a = server.route(
        "/a.xml", Reply(200, rss([Item("同一篇", page + "?utm_source=a&utm_medium=rss")]), RSS)
    )
    feed_b = server.route("/b.xml", Reply(200, atom([Item("同一篇", page + "?fbclid=XYZ&utm_source=b#top")])))
    first = poll(con, fetcher, FeedConfig(feed_a, "a"))
    second = poll(con, fetcher, FeedConfig(feed_b, "b"))
    assert first.new_entries == 1 and second.new_entries == 0 and second.entries_in_feed == 1
    assert (
        first.documents[0].url == page and first.entries[0].final_url == page + "?utm_source=a&utm_medium=rss"
    )
    assert len(server.hits_for("/story.html")) == 1
    assert con.execute("SELECT link, first_feed FROM feed_entries").fetchall() == [(page, feed_a)]


def test_polls_in_one_run_give_one_document_per_link(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection, articles: list[SeedArticle]
) -> None:
    # Feeds polled concurrently both see the article as new before either is recorded.
    page = server.route("/story.html", Reply(200, articles[1].page(), HTML))
    polls = []
    for name, link in (("a", page + "?utm_source=a"), ("b", page + "?utm_campaign=b")):
        url = server.route(f"/{name}.xml", Reply(200, rss([Item("同一篇", link)]), RSS))
        state = feedstore.load_feed_state(con, url)
        polls.append(
            poll_once(FeedConfig(url, name), state, lambda ls: feedstore.unseen_links(con, ls), fetcher)
        )
    assert len(documents_from_polls(polls)) == 1
    feedstore.record_feed_polls(con, polls)
    assert count(con, "feed_entries") == 1


def test_second_poll_answered_304_fetches_nothing_and_adds_no_rows(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection, articles: list[SeedArticle]
) -> None:
    items = serve_pages(server, articles, 2)
    url = server.route("/feed.xml", handler=etag_handler(rss(items), '"feed-v1"'))
    config = FeedConfig(url, "loop", min_interval_minutes=0)
    first = poll(con, fetcher, config)
    hits_after_first = len(server.hits)
    entries_after_first = count(con, "feed_entries")
    second = poll(con, fetcher, config)
    assert first.new_entries == 2 and second.status == "not-modified" and second.documents == []
    assert server.hits_for("/feed.xml")[-1].headers["if-none-match"] == '"feed-v1"'
    assert len(server.hits) == hits_after_first + 1  # the feed only, no page
    assert count(con, "feed_entries") == entries_after_first == 2
    state = feedstore.load_feed_state(con, url)
    assert state.etag == '"feed-v1"' and state.consecutive_failures == 0


def test_page_404_with_full_content_in_feed_uses_the_feed_content(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection
) -> None:
    full = "<p>深度求索发布新模型。</p><p>第二段。</p>"
    url = server.route(
        "/feed.xml", Reply(200, rss([Item("只在源里", server.url("/missing.html"), content=full)]), RSS)
    )
    result = poll(con, fetcher, FeedConfig(url, "loop", language="zh-CN"))
    (doc,) = result.documents
    assert doc.hints["content_from_feed"] is True and "HTTP 404" in doc.hints["page_error"]
    assert full in doc.data.decode("utf-8") and doc.http_charset == "utf-8"
    assert doc.url == server.url("/missing.html")
    assert con.execute("SELECT outcome, error FROM feed_entries").fetchall() == [
        ("feed-content", "HTTP 404 Not Found")
    ]


def test_page_404_without_feed_content_is_a_failed_entry(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection
) -> None:
    url = server.route(
        "/feed.xml", Reply(200, rss([Item("没有了", server.url("/missing.html"), summary="短")]), RSS)
    )
    result = poll(con, fetcher, FeedConfig(url, "loop"))
    assert result.documents == [] and result.new_entries == 0
    assert con.execute("SELECT outcome, error FROM feed_entries").fetchall() == [
        ("failed", "HTTP 404 Not Found")
    ]


def test_page_500_once_then_200_is_retried_within_the_poll(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection, articles: list[SeedArticle]
) -> None:
    page = server.route("/flaky.html", Reply(500), Reply(200, articles[2].page(), HTML))
    url = server.route("/feed.xml", Reply(200, rss([Item("重试", page)]), RSS))
    result = poll(con, fetcher, FeedConfig(url, "loop"))
    assert [e.outcome for e in result.entries] == ["page"]
    assert len(server.hits_for("/flaky.html")) == 2


def test_page_still_failing_transiently_is_tried_again_next_poll(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection, articles: list[SeedArticle]
) -> None:
    page = server.route("/down.html", Reply(503), Reply(503), Reply(200, articles[3].page(), HTML))
    url = server.route("/feed.xml", handler=etag_handler(rss([Item("稍后", page)]), '"v"'))
    first = poll(con, fetcher, FeedConfig(url, "loop", min_interval_minutes=0))
    assert [e.outcome for e in first.entries] == ["retry"] and first.documents == []
    second = poll(con, fetcher, FeedConfig(url, "loop", min_interval_minutes=0))
    # The feed did not change, but the entry is pending: asked for unconditionally, page fetched again.
    assert "if-none-match" not in server.hits_for("/feed.xml")[-1].headers
    assert [e.outcome for e in second.entries] == ["page"] and len(second.documents) == 1
    assert con.execute("SELECT outcome, attempts FROM feed_entries").fetchall() == [("page", 2)]


def test_file_and_ftp_links_in_a_feed_are_refused_with_reason(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection
) -> None:
    items = [Item("本地文件", "file:///etc/passwd"), Item("FTP", "ftp://127.0.0.1/pub/a.html")]
    url = server.route("/feed.xml", Reply(200, rss(items), RSS))
    result = poll(con, fetcher, FeedConfig(url, "loop"))
    assert site_hits(server) == 1 and result.documents == []
    rows = con.execute(
        "SELECT raw_link, error FROM feed_entries WHERE outcome = 'failed' ORDER BY raw_link"
    ).fetchall()
    assert [(link.split(":")[0], error.split(":")[0]) for link, error in rows] == [
        ("file", "refused scheme file"),
        ("ftp", "refused scheme ftp"),
    ]
    assert all("only http and https are fetched" in error for _, error in rows)


def test_feed_failures_are_counted_until_it_recovers(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection
) -> None:
    url = server.route(
        "/feed.xml", Reply(404), Reply(200, b"<html>moved</html>", HTML), Reply(200, rss([]), RSS)
    )
    config = FeedConfig(url, "loop", min_interval_minutes=0)
    assert poll(con, fetcher, config).error == "HTTP 404 Not Found"
    assert poll(con, fetcher, config).error.startswith("unreadable feed:")  # type: ignore[union-attr]
    assert feedstore.load_feed_state(con, url).consecutive_failures == 2
    assert poll(con, fetcher, config).status == "ok"
    (health,) = feedstore.feed_health(con)
    assert health["consecutive_failures"] == 0 and health["last_status"] == "ok"
    assert health["last_error"].startswith("unreadable feed:") and health["polls"] == 3


def test_a_feed_with_no_items_and_a_defect_is_a_poll_that_worked(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection
) -> None:
    empty = (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        b"<title>AI&nbsp;news</title><link>http://x.example/</link></channel></rss>"  # undefined entity
    )
    url = server.route("/feed.xml", Reply(200, empty, RSS))
    result = poll(con, fetcher, FeedConfig(url, "loop"))
    assert result.status == "ok" and result.bozo and result.entries_in_feed == 0
    assert feedstore.load_feed_state(con, url).consecutive_failures == 0


def test_feed_not_due_is_not_requested(
    server: LoopbackServer, fetcher: Fetcher, con: duckdb.DuckDBPyConnection
) -> None:
    url = server.route("/feed.xml", Reply(200, rss([]), RSS))
    config = FeedConfig(url, "loop", min_interval_minutes=60)
    now = datetime.now(UTC)
    poll(con, fetcher, config, now)
    later = poll(con, fetcher, config, now + timedelta(minutes=10))
    assert later.status == "not-due" and site_hits(server) == 1 and count(con, "feed_polls") == 1


def test_feed_health_flags_a_feed_silent_for_much_longer_than_usual(con: duckdb.DuckDBPyConnection) -> None:
    start = datetime(2025, 2, 1, tzinfo=UTC)

    polls: list[FeedPoll] = []

    def record(config: FeedConfig, hours: float, new: bool) -> None:
        entry = EntryRecord(
            f"{config.url}/{hours}", f"{config.url}/{hours}", None, None, "page", doc_sha256="x"
        )
        polls.append(
            FeedPoll(config, start + timedelta(hours=hours), "ok", 200, entries=[entry] if new else [])
        )

    quiet, lively, young = (FeedConfig(f"http://{n}.example/f", n) for n in ("quiet", "lively", "young"))
    for h in range(5):  # new entries every hour ...
        record(quiet, h, True)
        record(lively, h, True)
    for h in range(5, 30):  # ... then one of them keeps answering with nothing new for 25 h
        record(quiet, h, False)
        record(lively, h, h % 2 == 0)
    record(young, 0, True)
    record(young, 1, True)
    record(young, 40, False)  # only one gap seen: too little history to judge
    feedstore.record_feed_polls(con, sorted(polls, key=lambda p: p.polled_at))
    health = {r["name"]: r for r in feedstore.feed_health(con)}
    assert health["quiet"]["silent"] and health["quiet"]["median_gap_hours"] == 1.0
    assert health["quiet"]["hours_without_new"] == 25.0
    assert not health["lively"]["silent"] and not health["young"]["silent"]

