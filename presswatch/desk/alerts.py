"""Alert handling: list alerts, acknowledge or close them (status in the alerts table).

Alerts are raised by the summaries run (presswatch/summaries/alerts.py) as `open`. An analyst moves them to
`acknowledged` (seen, still relevant) or `closed` (done); either takes them out of summary_open_alerts.
Ids may be given by a unique prefix of at least MIN_PREFIX characters, as git does with commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb

from presswatch.store.db import transaction

STATUSES = ("open", "acknowledged", "closed")
MIN_PREFIX = 6
# status -> the statuses an alert may move to it from
_FROM = {"acknowledged": ("open",), "closed": ("open", "acknowledged"), "open": ("acknowledged", "closed")}
LIST_COLUMNS = ("alert_id", "kind", "search", "status", "day", "count", "ratio", "title", "outlet", "url",
                "created_at")  # fmt: skip


class AlertError(ValueError):
    """Ids that match no alert (or several), a search with no alerts: nothing was changed."""


def list_alerts(
    con: duckdb.DuckDBPyConnection, search: str | None = None, include_all: bool = False, limit: int = 200
) -> list[dict[str, Any]]:
    """Open alerts (every status with include_all), newest first, with their article's title and outlet."""
    cur = con.execute(
        "SELECT al.alert_id, al.kind, al.search, al.status, al.day, al.count, round(al.ratio, 2) AS ratio,"
        " al.title, al.outlet, al.url, al.created_at FROM alerts al"  # the article's, stored when raised
        " WHERE (? OR al.status = 'open') AND (? IS NULL OR al.search = ?)"
        " ORDER BY al.created_at DESC, al.kind, al.search, al.day DESC NULLS LAST, al.alert_id LIMIT ?",
        [include_all, search, search, limit],
    )
    return [dict(zip(LIST_COLUMNS, row, strict=True)) for row in cur.fetchall()]


def resolve_ids(con: duckdb.DuckDBPyConnection, given: Sequence[str]) -> list[str]:
    """Full alert ids for ids or unique prefixes; any unknown or ambiguous one is an error naming it."""
    resolved, problems = [], []
    for raw in given:
        prefix = raw.strip().lower()
        if len(prefix) < MIN_PREFIX:
            problems.append(f"{raw!r} is shorter than {MIN_PREFIX} characters")
            continue
        found = [r[0] for r in con.execute(
            "SELECT alert_id FROM alerts WHERE starts_with(alert_id, ?) LIMIT 2", [prefix]).fetchall()]  # fmt: skip
        if len(found) != 1:
            problems.append(f"{raw!r} matches {'no alert' if not found else 'several alerts'}")
        else:
            resolved.append(found[0])
    if problems:
        raise AlertError("; ".join(problems) + " (nothing changed)")
    return list(dict.fromkeys(resolved))


def set_status(
    con: duckdb.DuckDBPyConnection,
    status: str,
    now: datetime,
    ids: Sequence[str] = (),
    search: str | None = None,
    note: str | None = None,
) -> dict[str, int]:
    """Move the given alerts (or every alert of a search) to `status`, in one transaction.

    Returns how many changed and how many were already there or could not move (a closed alert is not
    acknowledged again)."""
    if status not in _FROM:
        raise AlertError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
    if bool(ids) == bool(search):
        raise AlertError("give alert ids or --search NAME (one of the two)")
    with transaction(con):
        if ids:
            targets = resolve_ids(con, ids)
        else:
            targets = [r[0] for r in con.execute("SELECT alert_id FROM alerts WHERE search = ?", [search]).fetchall()]
            if not targets:
                known = [r[0] for r in con.execute("SELECT DISTINCT search FROM alerts ORDER BY 1").fetchall()]
                raise AlertError(f"no alerts for search {search!r}; searches with alerts: {', '.join(known) or 'none'}")
        changed = con.execute(
            "UPDATE alerts SET status = ?, status_changed_at = ?, status_note = coalesce(?, status_note)"
            " WHERE alert_id IN (SELECT unnest(?)) AND list_contains(?, status) RETURNING alert_id",
            [status, now, note, targets, list(_FROM[status])],
        ).fetchall()
    return {"changed": len(changed), "unchanged": len(targets) - len(changed)}
