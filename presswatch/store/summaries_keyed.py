"""The figures ledger and the saved-search alerts, recomputed for the keys new articles touch. No Prefect.

Ledger: figures are compared within a (quantity, unit) block (a figure without a subject may join any
subject of its block), so a block is the unit recomputed: the blocks of the figures of articles that
joined or left the current set, or whose story changed (stories are counted per value).
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
from presswatch.store.summaries_incremental import Plan, update_cells
from presswatch.summaries import alerts
from presswatch.summaries.figures import ledger
from presswatch.summaries.figures.vocabulary import Vocabulary
from presswatch.summaries.searches import SavedSearch


def _rows(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


_BLOCK = "EXISTS (SELECT 1 FROM touched_blocks b WHERE b.quantity = {t}.quantity AND b.unit = {t}.unit)"

# One row per (quantity, unit, subject, value, outlet): who said what. The first report of each outlet is
# the earliest (ties: smallest article id), so the choice never depends on scan order.
_RECORDS = """
SELECT f.quantity, f.unit, f.subject, f.value, m.outlet,
       arg_min(f.article_id, (coalesce(a.published_utc, a.landed_at), f.article_id)) AS article_id,
       arg_min(f.raw, (coalesce(a.published_utc, a.landed_at), f.article_id, f.raw)) AS raw
FROM figures f JOIN summary_members m ON m.article_id = f.article_id AND m.current
JOIN articles a ON a.article_id = f.article_id
WHERE f.quantity <> 'other' AND {where}
GROUP BY f.quantity, f.unit, f.subject, f.value, m.outlet
ORDER BY f.quantity, f.unit, f.subject NULLS LAST, f.value, m.outlet
"""

# Articles and stories behind each reported value and each conflict, counted over all figure rows (the
# comparison saw one row per outlet). A row without a subject counts for the subject it may have joined.
_COUNT = """
UPDATE {table} AS v SET n_articles = s.n_articles{stories}
FROM (
    SELECT g.quantity, g.unit, g.subject, g.{value} AS key, count(DISTINCT f.article_id) AS n_articles,
           count(DISTINCT coalesce(sm.story_id, f.article_id)) AS n_stories
    FROM {table} g
    JOIN figures f ON f.quantity = g.quantity AND f.unit = g.unit AND {value_match}
        AND (f.subject IS NOT DISTINCT FROM g.subject OR f.subject IS NULL)
    JOIN summary_members m ON m.article_id = f.article_id AND m.current AND list_contains(g.outlets, m.outlet)
    LEFT JOIN story_members sm ON sm.article_id = f.article_id
    WHERE {where}
    GROUP BY ALL
) AS s
WHERE s.quantity = v.quantity AND s.unit = v.unit AND s.key = v.{value} AND s.subject IS NOT DISTINCT FROM v.subject
"""
_COUNT_VALUES = _COUNT.replace("{table}", "figure_values").replace("{value}", "value").replace(
    "{value_match}", "f.value = g.value").replace("{stories}", ", n_stories = s.n_stories")  # fmt: skip
_COUNT_CONFLICTS = _COUNT.replace("{table}", "figure_conflicts").replace("{value}", "value_list").replace(
    "{value_match}", "list_contains(g.value_list, f.value)").replace("{stories}", "")  # fmt: skip


def update_ledger(con: duckdb.DuckDBPyConnection, p: Plan, vocabulary: Vocabulary) -> dict[str, int]:
    """The figures ledger for the (quantity, unit) blocks the plan touches (every block when full)."""
    if not p.full:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE touched_blocks AS SELECT DISTINCT f.quantity, f.unit FROM figures f"
            " WHERE f.article_id IN (SELECT article_id FROM summary_changes WHERE seq > ? AND seq <= ?)",
            [p.after_seq, p.upto_seq],
        )
    where = (lambda t: "true") if p.full else (lambda t: _BLOCK.format(t=t))
    records = _rows(con.execute(_RECORDS.format(where=where("f"))))
    values, conflicts = ledger.ledger_frames(ledger.comparison_rows(records), vocabulary)
    with transaction(con):
        for table, columns in (("figure_values", values), ("figure_conflicts", conflicts)):
            con.execute(f"DELETE FROM {table}" + ("" if p.full else f" t WHERE {where('t')}"))
            warehouse.insert_frame(con, table, pd.DataFrame(columns))
        con.execute(_COUNT_VALUES.replace("{where}", where("g")))
        con.execute(_COUNT_CONFLICTS.replace("{where}", where("g")))
    blocks = -1 if p.full else int(con.execute("SELECT count(*) FROM touched_blocks").fetchall()[0][0])
    con.execute("DROP TABLE IF EXISTS touched_blocks")
    return {"values": len(values["value"]), "conflicts": len(conflicts["quantity"]), "blocks": blocks}


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
        else "h.article_id IN (SELECT article_id FROM summary_changes WHERE seq > ? AND seq <= ? AND change = 'added')"
    )
    params = [] if p.full else [p.after_seq, p.upto_seq]
    try:
        with transaction(con):
            con.execute(
                "CREATE OR REPLACE TEMP TABLE alert_candidates AS"
                f" SELECT DISTINCT ON (alert_id) {_ALERT_ID} AS alert_id, * FROM ("
                "  SELECT 'match' AS kind, h.search, h.article_id, m.day, NULL::INTEGER AS count,"
                "   NULL::DOUBLE AS baseline, NULL::DOUBLE AS ratio"
                f"  FROM search_hits h JOIN summary_members m ON m.article_id = h.article_id AND m.current WHERE {fresh}"
                "  UNION ALL"
                "  SELECT 'spike', search, NULL, day, count, baseline, ratio FROM search_spikes)",
                params,
            )
            # The primary key says which were raised before (an index probe per candidate, where an
            # anti-join read every alert id ever raised).
            inserted = con.execute(
                "INSERT INTO alerts (alert_id, kind, search, article_id, day, count, baseline, ratio, created_at,"
                " flow_run_id, status) SELECT alert_id, kind, search, article_id, day, count, baseline, ratio,"
                " ?, ?, 'open' FROM alert_candidates ON CONFLICT DO NOTHING RETURNING alert_id",
                [now, run_id],
            ).fetchall()
            con.execute(
                "CREATE OR REPLACE TEMP TABLE new_alerts AS SELECT * FROM alert_candidates"
                " WHERE alert_id IN (SELECT unnest(?))",
                [[r[0] for r in inserted]],
            )
        return _rows(
            con.execute(
                "SELECT n.*, ar.title, coalesce(ar.outlet, ar.platform) AS outlet, ar.url FROM new_alerts n"
                " LEFT JOIN articles ar USING (article_id) ORDER BY n.kind, n.search, n.day, n.article_id"
            )
        )
    finally:
        con.execute("DROP TABLE IF EXISTS new_alerts")
        con.execute("DROP TABLE IF EXISTS alert_candidates")
