"""The one "publication date in the future" rule, used by extraction (to skip a bad guess) and validation.

Both judge the value as it is stored (`Article.published_at`, ISO 8601): an explicit offset is compared
with our clock allowing CLOCK_SKEW; a time without an offset may be local time in any zone up to UTC+14,
so it is only in the future once it is ahead of the latest local time anywhere on earth (plus the skew);
a bare date is the whole day, in the future only when that day has not started anywhere yet.
Extraction stores an assumed zone as an explicit offset, so judging the stored value keeps the two stages
agreeing: a date extraction accepts is never quarantined as "future" by validation.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# The one slack: our clock and the publisher's may disagree by a few minutes.
CLOCK_SKEW = timedelta(minutes=10)
# Not a slack but a fact: the latest local time on earth (Line Islands) is UTC+14.
LATEST_UTC_OFFSET = timedelta(hours=14)


def parse_iso(value: str | None) -> datetime | None:
    """A stored ISO 8601 date or date-time; None when empty or not ISO."""
    if not value or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def iso_has_time(value: str) -> bool:
    """Does a stored ISO value carry a time ("2025-03-01" is a bare date)?"""
    return len(value.strip()) > 10


def is_future(value: datetime, now: datetime, *, has_time: bool = True) -> bool:
    """Is `value` (aware, or naive = local time in an unknown zone) later than `now` can explain?"""
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    if value.tzinfo is None:
        latest_local = now.astimezone(UTC).replace(tzinfo=None) + LATEST_UTC_OFFSET
        if not has_time:
            return value.date() > latest_local.date()
        return value > latest_local + CLOCK_SKEW
    if not has_time:
        return value.date() > now.astimezone(value.tzinfo).date()
    return value > now + CLOCK_SKEW
