"""Feed polling as Prefect tasks: one task per feed (never one per article), and the function it wraps.

In the ingest flow: `poll_feeds(configs, db_path)` -> `documents_from_polls(polls)` go through
extract/validate/land like any other document -> `record_polls(db_path, polls, run_id)` last, so an
entry is only marked as seen once its document is in the warehouse.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from presswatch.ingest.feeds import (
    EntryRecord,
    FeedConfig,
    FeedEntry,
    FeedPoll,
    FeedState,
    ParsedFeed,
    content_document,
    entry_to_hints,
    is_due,
    normalize_link,
    page_document,
    parse_feed,
)
from presswatch.ingest.fetch import (
    Fetcher,
    FetchError,
    FetchPolicy,
    PermanentFetchError,
    RefusedURLError,
    TransientFetchError,
    fetch_with_retries,
)
from presswatch.ingest.robots import PROCESS_ROBOTS, RobotsCache, RobotsDisallowed, ensure_allowed
from presswatch.ingest.sitemaps import expand_index, fresh_entries
from presswatch.records import RawDocument, Rejection, sha256_hex
from presswatch.settings import Settings
from presswatch.store import db as warehouse
from presswatch.store import feeds as feedstore

# Re-exported: the ingest flow records polls with the connection it lands with.
record_feed_polls = feedstore.record_feed_polls


def fetch_entry(
    fetcher: Fetcher,
    link: str,
    entry: FeedEntry,
    config: FeedConfig,
    feed: ParsedFeed,
    page_attempts: int = 3,
    page_backoff_s: float = 1.0,
    robots: RobotsCache | None = None,
) -> tuple[EntryRecord, RawDocument | None]:
    """The entry's page as a RawDocument; the feed's own full content when the page can't be had."""
    hints = entry_to_hints(entry, config, feed)
    raw_link = entry.link or link

    def record(outcome: str, **rest: str | None) -> EntryRecord:
        return EntryRecord(link, raw_link, entry.title, entry.published, outcome, **rest)

    try:
        # The link as the publisher wrote it is the one known to work; `link` (normalised) is the key.
        ensure_allowed(fetcher, raw_link, robots)
        page = fetch_with_retries(fetcher, raw_link, attempts=page_attempts, backoff_s=page_backoff_s)
        if page.body:
            # Stored URL without tracking parameters: it keys article versions (story_key) downstream.
            doc = page_document(link, page.body, normalize_link(page.final_url), page.charset, hints)
            return record("page", final_url=page.final_url, doc_sha256=doc.sha256), doc
        failure: FetchError = PermanentFetchError(raw_link, "empty body", page.status)
    except FetchError as exc:
        failure = exc
    if isinstance(failure, RefusedURLError):
        # A link into a refused address is hostile or broken: not fetched, not replaced by the feed's
        # text; the run quarantines it with the reason (refused_entries).
        return record("refused", error=failure.reason), None
    fallback = content_document(link, entry, {**hints, "page_error": failure.reason})
    if fallback is not None:
        return record("feed-content", doc_sha256=fallback.sha256, error=failure.reason), fallback
    outcome = "retry" if isinstance(failure, TransientFetchError) else "failed"
    outcome = "disallowed" if isinstance(failure, RobotsDisallowed) else outcome
    return record(outcome, error=failure.reason), None


def poll_once(
    config: FeedConfig,
    state: FeedState,
    unseen: Callable[[list[str]], set[str]],
    fetcher: Fetcher,
    now: datetime | None = None,
    page_attempts: int = 3,
    page_backoff_s: float = 1.0,
    robots: RobotsCache | None = PROCESS_ROBOTS,
) -> FeedPoll:
    """Poll one feed: conditional GET, parse, keep entries `unseen` reports new, fetch their pages.

    A TransientFetchError on the feed itself propagates (the task retries it); anything permanent
    becomes a failed poll.
    """
    polled_at = now or datetime.now(UTC)
    started = time.monotonic()
    if not is_due(config, state, polled_at):
        return FeedPoll(config, polled_at, "not-due", etag=state.etag, last_modified=state.last_modified)
    # Pages still due another try need the feed's entries again, changed or not: no conditional GET then.
    conditional = state.pending_retries == 0
    try:
        ensure_allowed(fetcher, config.url, robots)
        result = fetcher.fetch(
            config.url,
            etag=state.etag if conditional else None,
            last_modified=state.last_modified if conditional else None,
        )
    except PermanentFetchError as exc:
        return FeedPoll(
            config, polled_at, "failed", exc.status, error=exc.reason, elapsed_s=time.monotonic() - started
        )
    if result.not_modified:
        return FeedPoll(
            config,
            polled_at,
            "not-modified",
            result.status,
            etag=result.etag or state.etag,
            last_modified=result.last_modified or state.last_modified,
            elapsed_s=time.monotonic() - started,
        )
    parsed = parse_feed(result.body, result.final_url, result.headers)
    if parsed.children:  # a sitemap index: its urlsets changed since the last successful poll

        def fetch_child(url: str) -> tuple[bytes, str]:
            ensure_allowed(fetcher, url, robots)
            child = fetcher.fetch(url)
            return child.body, child.final_url

        parsed = expand_index(parsed, state.last_success_at, fetch_child)
    poll = FeedPoll(
        config,
        polled_at,
        "ok",
        result.status,
        etag=result.etag,
        last_modified=result.last_modified,
        title=parsed.title,
        entries_in_feed=len(parsed.entries),
        bozo=parsed.bozo,
        bozo_reason=parsed.bozo_reason,
        kind=parsed.version,
    )
    if not parsed.entries and parsed.bozo:
        # An answer that is not a feed (an HTML error page, garbage) counts as a failure of the feed.
        poll.status, poll.error = "failed", f"unreadable feed: {parsed.bozo_reason}"
        poll.etag, poll.last_modified = state.etag, state.last_modified
    by_link: dict[str, FeedEntry] = {}
    for entry in fresh_entries(parsed, state.last_success_at):  # sitemaps: URLs dated after the last poll
        if entry.link:
            by_link.setdefault(normalize_link(entry.link), entry)
    fresh = unseen(list(by_link)) if by_link else set()
    for link, entry in by_link.items():
        if link in fresh:
            record, doc = fetch_entry(
                fetcher, link, entry, config, parsed, page_attempts, page_backoff_s, robots
            )
            poll.entries.append(record)
            if doc is not None:
                poll.documents.append(doc)
    poll.elapsed_s = time.monotonic() - started
    return poll


def _transient_only(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect retry condition: only a TransientFetchError is worth another try."""
    try:
        state.result()
    except TransientFetchError:
        return True
    except Exception:
        return False
    return False


@task(
    name="poll-feed",
    task_run_name="poll {config.name}",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=10),
    retry_condition_fn=_transient_only,
)
def poll_feed(config: FeedConfig, settings: Settings, policy: FetchPolicy | None = None) -> FeedPoll:
    # Short connections, closed before any network I/O: the warehouse lock is never held while waiting.
    with warehouse.connect(settings) as con:
        state = feedstore.load_feed_state(con, config.url)

    def unseen(links: list[str]) -> set[str]:
        with warehouse.connect(settings) as con:
            return feedstore.unseen_links(con, links)

    with Fetcher(policy or FetchPolicy.from_settings(settings)) as fetcher:
        return poll_once(config, state, unseen, fetcher)


def poll_feeds(
    configs: Sequence[FeedConfig],
    settings: Settings,
    policy: FetchPolicy | None = None,
    retry_delay_seconds: float | None = None,
) -> list[FeedPoll]:
    """Inside a flow: all feeds polled concurrently (the per-host limiter keeps each site's pace).

    A feed whose task failed after its retries becomes a failed poll, so one dead feed never fails the run.
    """
    runner = (
        poll_feed
        if retry_delay_seconds is None
        else poll_feed.with_options(retry_delay_seconds=retry_delay_seconds)
    )
    futures = [(config, runner.submit(config, settings, policy)) for config in configs]
    polls: list[FeedPoll] = []
    for config, future in futures:
        try:
            polls.append(future.result())
        except FetchError as exc:
            polls.append(FeedPoll(config, datetime.now(UTC), "failed", exc.status, error=exc.reason))
        except Exception as exc:
            polls.append(FeedPoll(config, datetime.now(UTC), "failed", error=f"{type(exc).__name__}: {exc}"))
    return polls


def refused_entries(polls: Sequence[FeedPoll]) -> list[Rejection]:
    """Entries whose link the fetch policy refused, as quarantine records of the run (no bytes kept)."""
    refused: dict[str, Rejection] = {}
    for poll in polls:
        for e in poll.entries:
            if e.outcome == "refused" and e.link not in refused:
                refused[e.link] = Rejection(
                    e.link,
                    sha256_hex(f"refused:{e.link}".encode()),
                    "fetch",
                    [e.error or "refused by the fetch policy"],
                    {"feed": poll.config.url, "raw_link": e.raw_link, "title": e.title},
                )
    return list(refused.values())


def documents_from_polls(polls: Sequence[FeedPoll]) -> list[RawDocument]:
    """The polls' documents, one per link: feeds polled concurrently may both claim a new article."""
    seen: set[str] = set()
    docs: list[RawDocument] = []
    for poll in polls:
        for doc in poll.documents:
            if doc.source not in seen:
                seen.add(doc.source)
                docs.append(doc)
    return docs


@task(name="record-feed-polls", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def record_polls(settings: Settings, polls: list[FeedPoll], flow_run_id: str | None = None) -> int:
    with warehouse.connect(settings) as con:
        return record_feed_polls(con, polls, flow_run_id)
