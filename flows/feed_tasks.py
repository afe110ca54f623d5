"""Feed polling as Prefect tasks: a few tasks, each polling a group of feeds (never a task per article or
per feed), and the functions they wrap.

In the ingest flow: `poll_feeds(configs, db_path)` -> `documents_from_polls(polls)` go through
extract/validate/land like any other document -> `record_polls(db_path, polls, run_id)` last, so an
entry is only marked as seen once its document is in the warehouse.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from urllib.parse import urlsplit

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

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
from presswatch.ingest.robots import (
    PROCESS_ROBOTS,
    RobotsCache,
    RobotsDisallowed,
    RobotsUnavailable,
    ensure_allowed,
)
from presswatch.ingest.sitemaps import expand_index, fresh_entries
from presswatch.records import RawDocument, Rejection, sha256_hex
from presswatch.settings import Settings
from presswatch.store import db as warehouse
from presswatch.store import feeds as feedstore

# Re-exported: the ingest flow records polls with the connection it lands with.
record_feed_polls = feedstore.record_feed_polls

POLL_TASKS = 8  # Prefect tasks polling feeds at once; each polls its share of the feeds
POLLS_PER_TASK = 8  # feeds one task polls at once (threads)
FEED_ATTEMPTS = 3  # a feed failing transiently (5xx, timeout, connection) is tried this often in all
FEED_BACKOFF_S = 10.0  # wait before the second try, doubled before each later one


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
    except ValueError as exc:  # a link no URL parser accepts (bad port, unclosed IPv6 bracket...)
        failure = PermanentFetchError(raw_link, f"malformed link: {exc}")
    if isinstance(failure, RefusedURLError):
        # A link into a refused address is hostile or broken: not fetched, not replaced by the feed's
        # text; the run quarantines it with the reason (refused_entries).
        return record("refused", error=failure.reason), None
    fallback = content_document(link, entry, {**hints, "page_error": failure.reason})
    if fallback is not None:
        return record("feed-content", doc_sha256=fallback.sha256, error=failure.reason), fallback
    if isinstance(failure, TransientFetchError | RobotsUnavailable):
        outcome = "retry"  # the page, or the site's robots.txt, may answer at a later poll
    else:
        outcome = "disallowed" if isinstance(failure, RobotsDisallowed) else "failed"
    return record(outcome, error=failure.reason), None


def sendable(validator: str | None) -> str | None:
    """An ETag / Last-Modified that can go back in a request header (printable ASCII), else None: a
    validator that cannot be sent would make every later poll of the feed fail."""
    if validator and validator.isascii() and validator.isprintable():
        return validator
    return None


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
            etag=sendable(state.etag) if conditional else None,
            last_modified=sendable(state.last_modified) if conditional else None,
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
            etag=sendable(result.etag) or state.etag,
            last_modified=sendable(result.last_modified) or state.last_modified,
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
        etag=sendable(result.etag),
        last_modified=sendable(result.last_modified),
        title=parsed.title,
        entries_in_feed=len(parsed.entries),
        bozo=parsed.bozo,
        bozo_reason=parsed.bozo_reason,
        kind=parsed.version,
    )
    if not parsed.entries and parsed.bozo and not parsed.version:
        # An answer that is not a feed (an HTML error page, garbage) counts as a failure of the feed; a feed
        # with no items yet, even with a defect feedparser reports (a wrong charset), is a poll that worked.
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


def poll_with_retries(
    config: FeedConfig,
    state: FeedState,
    unseen: Callable[[list[str]], set[str]],
    fetcher: Fetcher,
    attempts: int = FEED_ATTEMPTS,
    backoff_s: float = FEED_BACKOFF_S,
) -> FeedPoll:
    """One feed's poll, never raising: a transient failure of the feed itself is tried again (backoff
    doubling), anything else becomes a failed poll with its reason, so one odd feed never fails the others."""
    started = time.monotonic()
    for attempt in range(attempts):
        try:
            return poll_once(config, state, unseen, fetcher)
        except TransientFetchError as exc:
            if attempt < attempts - 1:
                time.sleep(backoff_s * 2**attempt)
                continue
            error, status = exc.reason, exc.status
        except FetchError as exc:  # permanent, from a sitemap index's child
            error, status = exc.reason, exc.status
        except Exception as exc:  # a parser or a bug meeting hostile input: recorded, not raised
            error, status = f"{type(exc).__name__}: {exc}", None
        break
    return FeedPoll(
        config, datetime.now(UTC), "failed", status, error=error, elapsed_s=time.monotonic() - started
    )


def poll_groups(configs: Sequence[FeedConfig], n_groups: int = POLL_TASKS) -> list[list[int]]:
    """Indexes of `configs` in at most `n_groups` groups of near-equal size, a host's feeds side by side
    (so one site's politeness waits stay within one group)."""
    order = sorted(range(len(configs)), key=lambda i: (urlsplit(configs[i].url).netloc.lower(), i))
    size = -(-len(order) // max(1, min(n_groups, len(order)))) if order else 1
    return [order[k : k + size] for k in range(0, len(order), size)]


def _group_label(configs: Sequence[FeedConfig]) -> str:
    names = list(dict.fromkeys(c.name for c in configs))
    shown = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
    return f"{shown} ({len(configs)} feed{'s' if len(configs) != 1 else ''})"


@task(name="poll-feeds", task_run_name="poll {label}", cache_policy=NO_CACHE)
def poll_group(
    label: str,
    configs: list[FeedConfig],
    settings: Settings,
    policy: FetchPolicy | None = None,
    backoff_s: float = FEED_BACKOFF_S,
) -> list[FeedPoll]:
    """A group of feeds, POLLS_PER_TASK at a time on threads (their network waits overlap)."""
    # Short connections, closed before any network I/O: the warehouse lock is never held while waiting.
    with warehouse.connect(settings) as con:
        states = {c.url: feedstore.load_feed_state(con, c.url) for c in configs}

    def unseen(links: list[str]) -> set[str]:
        with warehouse.connect(settings) as con:
            return feedstore.unseen_links(con, links)

    # One client for the group: httpx clients are thread-safe and the fetch deadline is per thread.
    with (
        Fetcher(policy or FetchPolicy.from_settings(settings)) as fetcher,
        ThreadPoolExecutor(POLLS_PER_TASK, thread_name_prefix="poll-feed") as pool,
    ):
        polls = list(
            pool.map(
                lambda c: poll_with_retries(c, states[c.url], unseen, fetcher, FEED_ATTEMPTS, backoff_s), configs
            )
        )
    failed = sum(1 for p in polls if p.status == "failed")
    get_run_logger().info("polled %s: %d failed", label, failed)
    return polls


def poll_feeds(
    configs: Sequence[FeedConfig],
    settings: Settings,
    policy: FetchPolicy | None = None,
    retry_delay_seconds: float | None = None,
) -> list[FeedPoll]:
    """Inside a flow: every feed polled, in at most POLL_TASKS Prefect tasks running concurrently (the
    per-host limiter keeps each site's pace). Returns one poll per config, in the configs' order.

    A task per feed made the embedded Prefect server the bottleneck (2,107 feeds: 8 minutes of polling
    and a 1,100-thread process); coarse groups keep its load flat at any number of feeds. A feed that
    still fails after its retries becomes a failed poll, so one dead feed never fails the run.
    """
    backoff = FEED_BACKOFF_S if retry_delay_seconds is None else retry_delay_seconds
    groups = poll_groups(configs)
    futures = []
    for group in groups:
        members = [configs[i] for i in group]
        futures.append((group, poll_group.submit(_group_label(members), members, settings, policy, backoff)))
    polls: list[FeedPoll | None] = [None] * len(configs)
    for group, future in futures:
        try:
            results = future.result()
        except Exception as exc:  # the group's own code failed (not a feed): its feeds fail, the run goes on
            now, error = datetime.now(UTC), f"{type(exc).__name__}: {exc}"
            results = [FeedPoll(configs[i], now, "failed", error=error) for i in group]
        for i, poll in zip(group, results, strict=True):
            polls[i] = poll
    return [p for p in polls if p is not None]


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
