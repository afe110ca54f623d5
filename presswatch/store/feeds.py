"""Feed state in the warehouse (tables from warehouse/migrations/003_feeds.sql and 009_sources.sql).

Functions take an open DuckDB connection; every value is a bound parameter.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from presswatch.ingest.feeds import FeedPoll, FeedState, adapt_interval
from presswatch.store.db import transaction

# A page that failed transiently is tried again on later polls, this many times in all.
MAX_ENTRY_ATTEMPTS = 3
SUCCESS_STATUSES = ("ok", "not-modified")
FAILED_OUTCOMES = ("failed", "retry", "disallowed", "refused")


def load_feed_state(
    con: duckdb.DuckDBPyConnection, url: str, max_attempts: int = MAX_ENTRY_ATTEMPTS
) -> FeedState:
    row = con.execute(
        "SELECT etag, last_modified, last_polled_at, consecutive_failures, last_success_at,"
        " poll_interval_minutes FROM feeds WHERE url = ?",
        [url],
    ).fetchone()
    pending = con.execute(
        "SELECT count(*) FROM feed_entries WHERE first_feed = ? AND outcome = 'retry' AND attempts < ?",
        [url, max_attempts],
    ).fetchone()
    retries = int(pending[0]) if pending else 0
    if row is None:
        return FeedState(url=url, pending_retries=retries)
    etag, last_modified, polled, failures, success, interval = row
    return FeedState(url, etag, last_modified, polled, int(failures or 0), retries, success, interval)


def unseen_links(
    con: duckdb.DuckDBPyConnection, links: Sequence[str], max_attempts: int = MAX_ENTRY_ATTEMPTS
) -> set[str]:
    """The links not yet in feed_entries, plus those whose page is due another try."""
    if not links:
        return set()
    done = con.execute(
        "SELECT link FROM feed_entries WHERE link IN (SELECT unnest(?))"
        " AND NOT (outcome = 'retry' AND attempts < ?)",
        [list(links), max_attempts],
    ).fetchall()
    return set(links) - {r[0] for r in done}


def _feed_row(con: duckdb.DuckDBPyConnection, url: str) -> dict[str, object]:
    cur = con.execute("SELECT * FROM feeds WHERE url = ?", [url])
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else {}


def _record_feed(con: duckdb.DuckDBPyConnection, poll: FeedPoll) -> None:
    old = _feed_row(con, poll.config.url)
    ok = poll.status in SUCCESS_STATUSES
    failures = 0 if ok else int(old.get("consecutive_failures") or 0) + 1  # type: ignore[call-overload]
    cfg = poll.config
    values = {
        "url": cfg.url,
        "name": cfg.name,
        "outlet": cfg.outlet,
        "language": cfg.language,
        "title": poll.title or old.get("title"),
        # A failed poll tells nothing about the feed's validators: keep the last good ones.
        "etag": poll.etag if ok else old.get("etag"),
        "last_modified": poll.last_modified if ok else old.get("last_modified"),
        "last_polled_at": poll.polled_at,
        "last_success_at": poll.polled_at if ok else old.get("last_success_at"),
        "last_new_entry_at": poll.polled_at if poll.new_entries else old.get("last_new_entry_at"),
        "last_status": poll.status,
        "last_error": poll.error if poll.error else old.get("last_error"),
        "last_error_at": poll.polled_at if poll.error else old.get("last_error_at"),
        "consecutive_failures": failures,
        "entries_last_poll": poll.entries_in_feed,
        "new_entries_last_poll": poll.new_entries,
        "kind": poll.kind or old.get("kind"),
        "poll_interval_minutes": adapt_interval(
            cfg, old.get("poll_interval_minutes"), poll.status, poll.new_entries  # type: ignore[arg-type]
        ),
    }
    cols = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    updates = ", ".join(f"{c} = excluded.{c}" for c in values if c != "url")
    # Column names are this module's constants; only values are bound from input.
    con.execute(
        f"INSERT INTO feeds ({cols}) VALUES ({marks}) ON CONFLICT (url) DO UPDATE SET {updates}",
        list(values.values()),
    )


def _record_entries(con: duckdb.DuckDBPyConnection, poll: FeedPoll, flow_run_id: str | None) -> None:
    for e in poll.entries:
        # First feed wins; a row is only rewritten while its page is still due another try.
        con.execute(
            "INSERT INTO feed_entries (link, first_feed, first_seen, raw_link, final_url, title, published_at,"
            " outcome, doc_sha256, error, attempts, last_attempt_at, flow_run_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)"
            " ON CONFLICT (link) DO UPDATE SET outcome = excluded.outcome, final_url = excluded.final_url,"
            " doc_sha256 = excluded.doc_sha256, error = excluded.error,"
            " attempts = feed_entries.attempts + 1, last_attempt_at = excluded.last_attempt_at,"
            " flow_run_id = excluded.flow_run_id"
            " WHERE feed_entries.outcome = 'retry'",
            [
                e.link,
                poll.config.url,
                poll.polled_at,
                e.raw_link,
                e.final_url,
                e.title,
                e.published_at,
                e.outcome,
                e.doc_sha256,
                e.error,
                poll.polled_at,
                flow_run_id,
            ],
        )


def record_feed_polls(
    con: duckdb.DuckDBPyConnection, polls: Sequence[FeedPoll], flow_run_id: str | None = None
) -> int:
    """Store the feeds' new state, their entries and the poll log in one transaction.

    Polls that did not happen (not due yet) leave no trace. Returns the number of polls recorded.
    """
    done = [p for p in polls if p.status != "not-due"]
    with transaction(con):
        for poll in done:
            _record_feed(con, poll)
            _record_entries(con, poll, flow_run_id)
            con.execute(
                "INSERT INTO feed_polls (feed_url, polled_at, status, http_status, entries_in_feed, new_entries,"
                " failed_entries, bozo, bozo_reason, error, elapsed_s, flow_run_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    poll.config.url,
                    poll.polled_at,
                    poll.status,
                    poll.http_status,
                    poll.entries_in_feed,
                    poll.new_entries,
                    sum(1 for e in poll.entries if e.outcome in FAILED_OUTCOMES),
                    poll.bozo,
                    poll.bozo_reason,
                    poll.error,
                    poll.elapsed_s,
                    flow_run_id,
                ],
            )
    return len(done)


def feed_health(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    cur = con.execute("SELECT * FROM feed_health ORDER BY name")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
