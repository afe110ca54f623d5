"""feedparser's corpus of odd feeds (2,107 files) through the whole ingest flow, served over real HTTP.

Every file is served from a loopback server with the response headers its opening comment asks for
(`Header:` lines: content types with odd charsets, Content-Location, ETag, Last-Modified...), and one
real ingest flow polls them all as ad-hoc feeds into a temp warehouse. Entry links mostly point at public
hosts that cannot be reached here (example.com...): they must end quickly as refused, failed or
feed-content entries, never hold the run up or fail it. Every feed must end with exactly one recorded poll.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest
from feedkit import rss, seed_articles
from loopback import ALLOW_LOOPBACK, LoopbackServer, Reply

from flows.feed_tasks import poll_with_retries
from flows.ingest import ingest_flow
from presswatch.ingest.feeds import FeedConfig, FeedState, ParsedFeed, parse_feed
from presswatch.ingest.fetch import Fetcher, FetchPolicy
from presswatch.ingest.fetchtypes import KEPT_HEADERS
from presswatch.records import RunSummary

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900), pytest.mark.usefixtures("prefect_api")]

CORPUS = Path(__file__).resolve().parent / "fixtures" / "feeds" / "feedparser"
HEADER = re.compile(r"^Header:\s*([\w-]+):\s*(.*?)\s*$", re.M)
N_FILES = 2107


def served_headers(path: Path, data: bytes) -> dict[str, str]:
    """The HTTP headers the file's comment asks for; a Content-Type a plain web server would send
    otherwise, except for the files whose point is that there is none."""
    # The comment is ASCII in every file; in UTF-16/32 files dropping NULs makes it readable.
    headers = dict(HEADER.findall(data.replace(b"\x00", b"").decode("latin-1")))
    if not any(k.lower() == "content-type" for k in headers) and not path.name.startswith("no_content_type"):
        headers["Content-Type"] = "application/feed+json" if path.suffix == ".json" else "application/xml"
    return headers


@pytest.fixture(scope="module")
def corpus_server() -> Iterator[tuple[LoopbackServer, list[str]]]:
    with LoopbackServer() as server:
        urls = []
        for path in sorted(p for p in CORPUS.rglob("*") if p.suffix in (".xml", ".json")):
            data = path.read_bytes()
            urls.append(server.route("/" + path.relative_to(CORPUS).as_posix(), Reply(200, data, served_headers(path, data))))
        yield server, urls


@pytest.fixture(scope="module")
def corpus_run(
    corpus_server: tuple[LoopbackServer, list[str]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunSummary, Path, list[str]]]:
    _, urls = corpus_server
    tmp = tmp_path_factory.mktemp("corpus-run")
    db = tmp / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PRESSWATCH_FETCH_ALLOW_NETWORKS", ",".join(ALLOW_LOOPBACK))
        mp.setenv("PRESSWATCH_FETCH_HOST_INTERVAL", "0")  # 2,107 feeds on one host: no politeness pause
        mp.setenv("PRESSWATCH_FEEDS", str(tmp / "no-feeds.yaml"))  # only the corpus, not the project's feeds
        mp.setenv("PRESSWATCH_DATA_DOCS", str(tmp / "data-docs"))
        summary = ingest_flow(db_path=str(db), feeds=urls, include_files=False)
    yield summary, db, urls


def _rows(db: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def _parsed_as_served(url: str) -> ParsedFeed:
    """The file parsed from disk with the headers the fetcher keeps of what the server sends."""
    path = CORPUS / urlsplit(url).path.lstrip("/")
    data = path.read_bytes()
    kept = {k.lower(): v for k, v in served_headers(path, data).items() if k.lower() in KEPT_HEADERS}
    kept["content-length"] = str(len(data))
    return parse_feed(data, url, kept)


def test_every_corpus_feed_is_fetched_once_and_ends_with_one_recorded_poll(
    corpus_server: tuple[LoopbackServer, list[str]], corpus_run: tuple[RunSummary, Path, list[str]]
) -> None:
    server, _ = corpus_server
    summary, db, urls = corpus_run
    assert len(urls) == N_FILES
    # Every feed answered 200 at once: one GET each, no retry of the feed itself.
    feed_paths = {urlsplit(u).path for u in urls}
    gets = Counter(urlsplit(h.path).path for h in server.hits if urlsplit(h.path).path in feed_paths)
    assert set(gets) == feed_paths and set(gets.values()) == {1}
    polls = Counter(
        url for (url,) in _rows(db, "SELECT feed_url FROM feed_polls WHERE flow_run_id = ?", summary.flow_run_id)
    )
    assert set(polls) == set(urls) and set(polls.values()) == {1}
    health = dict(_rows(db, "SELECT url, last_status FROM feed_health"))
    assert set(health) == set(urls) and None not in health.values()
    print("poll outcomes:", dict(Counter(health.values())))


def test_polls_over_http_read_what_the_parser_reads_from_disk(
    corpus_run: tuple[RunSummary, Path, list[str]],
) -> None:
    summary, db, urls = corpus_run
    rows = _rows(
        db,
        "SELECT feed_url, status, entries_in_feed, error FROM feed_polls WHERE flow_run_id = ?",
        summary.flow_run_id,
    )
    got = {url: (status, n) for url, status, n, _ in rows}
    expected = {}
    for url in urls:
        parsed = _parsed_as_served(url)
        # Not a feed at all (no entries, no recognised format) is a failed poll; an empty feed is not.
        failed = parsed.bozo and not parsed.entries and not parsed.version
        expected[url] = ("failed" if failed else "ok", len(parsed.entries))
    assert {u: v for u, v in got.items() if v != expected[u]} == {}
    # Every failure is the feed's own (ill-formed, no entries): none is an exception that escaped a poll.
    errors = Counter(str(error).split(":")[0] for _, status, _, error in rows if status == "failed")
    assert set(errors) <= {"unreadable feed"}, errors


def test_corpus_entries_end_quickly_as_documents_or_recorded_failures(
    corpus_run: tuple[RunSummary, Path, list[str]],
) -> None:
    _, db, _ = corpus_run
    outcomes = Counter(o for (o,) in _rows(db, "SELECT outcome FROM feed_entries"))
    print("entry outcomes:", dict(outcomes))
    # Their links point at hosts that cannot be resolved here: each entry ends this run with a recorded
    # outcome. A site whose robots.txt could not be asked waits for a later poll (a bounded number of
    # times), and says why.
    assert set(outcomes) <= {"page", "feed-content", "failed", "disallowed", "refused", "retry"}
    waiting = _rows(db, "SELECT error FROM feed_entries WHERE outcome = 'retry'")
    assert all("unreachable" in error or "resolve" in error for (error,) in waiting), waiting[:3]
    # The feeds' own content stands in for the unreachable pages, and each such document was dealt with.
    from_feed = _rows(
        db,
        "SELECT e.link, a.article_id IS NOT NULL OR q.source IS NOT NULL FROM feed_entries e"
        " LEFT JOIN articles a ON a.source = e.link LEFT JOIN quarantine q ON q.source = e.link"
        " WHERE e.outcome = 'feed-content'",
    )
    assert from_feed and all(done for _, done in from_feed)


def test_the_corpus_run_completes_and_balances(corpus_run: tuple[RunSummary, Path, list[str]]) -> None:
    summary, db, _ = corpus_run
    ((status, balanced, discovered),) = _rows(
        db,
        "SELECT status, balanced, inputs_discovered FROM run_reconciliation WHERE flow_run_id = ?",
        summary.flow_run_id,
    )
    assert (status, balanced) == ("completed", True) and summary.balanced
    assert discovered == summary.counts["inputs_discovered"] > 0
    print("run counts:", {k: v for k, v in summary.counts.items() if v})


# Kinds of oddity the corpus has no file for, met by the poller itself (no Prefect needed).

FAST = FetchPolicy(user_agent="presswatch-test", host_interval_s=0.0, allow_networks=ALLOW_LOOPBACK)
RSS = {"Content-Type": "application/rss+xml"}


def test_a_feed_whose_validators_cannot_be_sent_back_is_still_polled() -> None:
    odd = {**RSS, "ETag": '"café"', "Last-Modified": "Mon, 03 Apr 2023 01:02:03 GMT é"}
    with LoopbackServer() as server, Fetcher(FAST) as fetcher:
        url = server.route("/odd-validators.xml", Reply(200, rss([]), odd))
        config = FeedConfig.for_url(url)
        first = poll_with_retries(config, FeedState(url), lambda links: set(), fetcher, backoff_s=0)
        assert first.status == "ok" and (first.etag, first.last_modified) == (None, None)
        # As stored by a version that kept them: not sent back, so the feed is not stuck failing.
        stored = FeedState(url, etag='"café"', last_modified="Mon, 03 Apr 2023 01:02:03 GMT é")
        second = poll_with_retries(config, stored, lambda links: set(), fetcher, backoff_s=0)
        assert second.status == "ok", second.error
        last = server.hits_for("/odd-validators.xml")[-1].headers
        assert "if-none-match" not in last and "if-modified-since" not in last


def test_malformed_entry_links_fail_alone_and_the_rest_of_the_feed_is_read() -> None:
    article = seed_articles()[0]
    with LoopbackServer() as server, Fetcher(FAST) as fetcher:
        page = server.route("/good.html", Reply(200, article.page(), {"Content-Type": "text/html; charset=utf-8"}))
        # A JSON Feed, as feedparser itself drops links it cannot parse; sitemaps take the same path.
        items = [{"id": "1", "url": "http://[broken/x"}, {"id": "2", "url": "http://example.com:99999/a"}]
        items.append({"id": "3", "url": page, "title": article.title})
        feed = {"version": "https://jsonfeed.org/version/1.1", "title": "odd links", "items": items}
        url = server.route("/feed.json", Reply(200, json.dumps(feed).encode(), {"Content-Type": "application/feed+json"}))
        poll = poll_with_retries(FeedConfig.for_url(url), FeedState(url), set, fetcher, backoff_s=0)
    assert poll.status == "ok" and poll.entries_in_feed == 3
    outcomes = {e.raw_link: (e.outcome, (e.error or "").split(":")[0]) for e in poll.entries}
    assert outcomes == {
        "http://[broken/x": ("failed", "malformed link"),
        "http://example.com:99999/a": ("failed", "malformed link"),
        page: ("page", ""),
    }
    assert [d.url for d in poll.documents] == [page]
