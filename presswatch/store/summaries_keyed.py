"""The figures ledger and the saved-search alerts, recomputed for the keys new articles touch. No Prefect.

Ledger: presswatch/store/ledger_store.py (re-exported here): the (quantity, unit) blocks the changed
articles' figures touch, from aggregates merged from those articles' rows alone.
Searches: match counts per (search, day, outlet) cell as in summaries_incremental; spike days are judged
over the per-day series (its length is days, not articles) and stored in search_spikes; alerts are raised
for matches of articles added since the last run and for spike days not alerted before.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from presswatch.store import db as warehouse
from presswatch.store.db import transaction
from presswatch.store.ledger_store import update_ledger as update_ledger
from presswatch.store.summaries_cells import update_cells
from presswatch.store.summaries_incremental import Plan
from presswatch.summaries import alerts
from presswatch.summaries.searches import SavedSearch

_ALERT_ID = "substr(sha256(concat_ws('|', kind, search, coalesce(article_id, CAST(day AS VARCHAR)))), 1, 20)"
SPIKE_COLUMNS = ("search", "day", "count", "baseline", "ratio")


def update_spikes(con: duckdb.DuckDBPyConnection, searches: Iterable[SavedSearch]) -> int:
    """search_spikes from the per-day match series of the current articles."""
    series: dict[str, list[tuple[Any, int]]] = {}
    for search, day, n in con.execute(
        "SELECT search, day, sum(matches) FROM search_daily WHERE day IS NOT NULL GROUP BY ALL ORDER BY ALL"
    ).fetchall():
        series.setdefault(search, []).append((day, int(n)))
    first, last = con.execute("SELECT min(day), max(day) FROM summary_members WHERE current").fetchall()[0]
    spikes = alerts.spike_rows(searches, series, first, last)
    frame = pd.DataFrame({k: spikes.get(k, []) for k in SPIKE_COLUMNS})
    with transaction(con):
        con.execute("DELETE FROM search_spikes")
        warehouse.insert_frame(con, "search_spikes", frame)
    return len(frame)


def update_searches(
    con: duckdb.DuckDBPyConnection, p: Plan, searches: Iterable[SavedSearch], now: datetime, run_id: str
) -> list[dict[str, Any]]:
    """Match cells, spike days, and the alerts not raised before; returns the new alerts (with articles).

    The alert id is derived from (kind, search, article or day), so a re-run finds the same ids and adds
    nothing. Incrementally only the matches of articles added since the last run are candidates."""
    update_cells(con, "search_daily", p)
    update_spikes(con, searches)
    fresh = (
        "true"
        if p.full
        # By number (migration 019): the run's new articles' hits are in search_hits' last row groups.
        else "h.member_no IN (SELECT m.member_no FROM summary_changes c JOIN summary_members m USING (article_id)"
        " WHERE c.seq > ? AND c.seq <= ? AND c.change = 'added')"
    )
    params = [] if p.full else [p.after_seq, p.upto_seq]
    try:
        with transaction(con):
            con.execute(f"CREATE OR REPLACE TEMP TABLE fresh_hits AS SELECT search, article_id FROM search_hits h WHERE {fresh}", params)
            con.execute(
                "CREATE OR REPLACE TEMP TABLE alert_candidates AS"
                f" SELECT DISTINCT ON (alert_id) {_ALERT_ID} AS alert_id, * FROM ("
                "  SELECT 'match' AS kind, h.search, h.article_id, m.day, NULL::INTEGER AS count,"
                "   NULL::DOUBLE AS baseline, NULL::DOUBLE AS ratio,"
                "   ar.title, coalesce(ar.outlet, ar.platform) AS outlet, ar.url"
                "  FROM fresh_hits h JOIN summary_members m ON m.article_id = h.article_id AND m.current"
                # Only the hits' articles: joined whole, every article's title and URL were read (1M at 1M).
                "  LEFT JOIN (SELECT article_id, title, outlet, platform, url FROM articles"
                "   WHERE article_id IN (SELECT article_id FROM fresh_hits)) ar ON ar.article_id = h.article_id"
                "  UNION ALL"
                "  SELECT 'spike', search, NULL, day, count, baseline, ratio, NULL, NULL, NULL FROM search_spikes)"
            )
            # An anti-join says which were raised before: it reads the alert_id column (0.07 s at 3M alerts),
            # where a primary key pinned its whole index in memory (migration 023). The article's title,
            # outlet and URL go with the alert, so summary_open_alerts need not join every alert with the
            # articles (migration 018).
            inserted = con.execute(
                "INSERT INTO alerts (alert_id, kind, search, article_id, day, count, baseline, ratio, title, outlet,"
                " url, created_at, flow_run_id, status) SELECT alert_id, kind, search, article_id, day, count,"
                " baseline, ratio, title, outlet, url, ?, ?, 'open' FROM alert_candidates c"
                " WHERE NOT EXISTS (SELECT 1 FROM alerts a WHERE a.alert_id = c.alert_id) RETURNING alert_id",
                [now, run_id],
            ).fetchall()
            con.execute(
                "CREATE OR REPLACE TEMP TABLE new_alerts AS SELECT * FROM alert_candidates"
                " WHERE alert_id IN (SELECT unnest(?))",
                [[r[0] for r in inserted]],
            )
        return warehouse.dict_rows(con.execute("SELECT * FROM new_alerts ORDER BY kind, search, day, article_id"))
    finally:
        con.execute("DROP TABLE IF EXISTS new_alerts")
        con.execute("DROP TABLE IF EXISTS fresh_hits")
        con.execute("DROP TABLE IF EXISTS alert_candidates")
