"""The summaries' reads and writes in the DuckDB warehouse, and the steps that run them. No Prefect.

Per-article analyses are incremental: each article is analysed once per step fingerprint, in chunks,
each chunk read and written in its own short connection (another process may be landing articles
meanwhile) and written in one transaction. Aggregates (top terms, stories, the figures ledger) are
rebuilt whole each run: DELETE + INSERT in one transaction, from SQL or from a DataFrame, never row by row.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from flows import ledger, summaries, warehouse
from flows.stories import group_stories
from flows.warehouse import transaction

STEP_TABLES = {
    "mentions": "entity_mentions",
    "terms": "article_terms",
    "figures": "figures",
    "signatures": "article_signatures",
    "searches": "search_hits",
}
CHUNK_SIZE = 2000


@dataclass
class StepResult:
    step: str
    analysed: int = 0
    reset: bool = False
    seconds: float = 0.0


def _rows(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...]:
    # fetchall, not fetchone: DuckDB 2.0 refuses further work on a connection with an unfinished result.
    return con.execute(sql, list(params)).fetchall()[0]


def _write_frame(con: duckdb.DuckDBPyConnection, table: str, columns: summaries.Columns) -> None:
    warehouse.insert_frame(con, table, pd.DataFrame(columns))


# ---- per-article analyses ---------------------------------------------------------------------------------


def sync_fingerprint(con: duckdb.DuckDBPyConnection, step: str, fingerprint: str, now: datetime) -> bool:
    """Forget a step's results when its rules changed. Returns True when they were reset."""
    found = con.execute("SELECT fingerprint FROM summary_state WHERE step = ?", [step]).fetchall()
    row = found[0] if found else None
    if row is not None and row[0] == fingerprint:
        return False
    with transaction(con):
        con.execute(f"DELETE FROM {STEP_TABLES[step]}")
        con.execute("DELETE FROM summary_analysed WHERE step = ?", [step])
        con.execute(
            "INSERT INTO summary_state (step, fingerprint, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (step) DO UPDATE SET fingerprint = excluded.fingerprint, updated_at = excluded.updated_at",
            [step, fingerprint, now],
        )
    return row is not None


def pending_ids(con: duckdb.DuckDBPyConnection, step: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT a.article_id FROM summary_articles a WHERE NOT EXISTS ("
            " SELECT 1 FROM summary_analysed s WHERE s.step = ? AND s.article_id = a.article_id)"
            " ORDER BY a.article_id",
            [step],
        ).fetchall()
    ]


def read_articles(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> list[dict[str, Any]]:
    return _rows(
        con.execute(
            "SELECT article_id, title, text, coalesce(outlet, platform, '(unknown)') AS outlet FROM articles"
            " WHERE article_id IN (SELECT unnest(?)) ORDER BY article_id",
            [list(ids)],
        )
    )


def write_analysis(
    con: duckdb.DuckDBPyConnection, step: str, ids: Sequence[str], columns: summaries.Columns
) -> None:
    """One chunk's results and its 'analysed' marks, together: a chunk is wholly done or not at all."""
    table = STEP_TABLES[step]
    with transaction(con):
        con.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT unnest(?))", [list(ids)])
        _write_frame(con, table, columns)
        con.execute(
            "DELETE FROM summary_analysed WHERE step = ? AND article_id IN (SELECT unnest(?))",
            [step, list(ids)],
        )
        con.execute("INSERT INTO summary_analysed SELECT ?, unnest(?)", [step, list(ids)])


def analyse_pending(
    db_path: str,
    step: str,
    config: summaries.AnalysisConfig,
    *,
    workers: int,
    now: datetime,
    chunk_size: int = CHUNK_SIZE,
) -> StepResult:
    started = time.perf_counter()
    with warehouse.connection(db_path) as con:
        reset = sync_fingerprint(con, step, summaries.fingerprint(step, config), now)
        ids = pending_ids(con, step)
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        with warehouse.connection(db_path) as con:
            articles = read_articles(con, chunk)
        columns = summaries.analyse_many(step, articles, config, workers)
        with warehouse.connection(db_path) as con:
            write_analysis(con, step, chunk, columns)
    return StepResult(step, len(ids), reset, time.perf_counter() - started)


# ---- aggregates ------------------------------------------------------------------------------------------


def rebuild_top_terms(con: duckdb.DuckDBPyConnection, per_group: int = summaries.TOP_TERMS) -> int:
    with transaction(con):
        con.execute("DELETE FROM top_terms")
        con.execute(
            "INSERT INTO top_terms (day, outlet, rank, term, n, articles)"
            " SELECT day, outlet, rank, term, n, articles FROM ("
            "  SELECT a.day, a.outlet, t.term, sum(t.n) AS n, count(*) AS articles,"
            "   row_number() OVER (PARTITION BY a.day, a.outlet ORDER BY sum(t.n) DESC, t.term) AS rank"
            "  FROM article_terms t JOIN summary_articles a USING (article_id)"
            "  GROUP BY a.day, a.outlet, t.term)"
            " WHERE rank <= ?",
            [per_group],
        )
    return int(_one(con, "SELECT count(*) FROM top_terms")[0])


def rebuild_stories(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Group every current article by its stored signature, then describe each story in SQL."""
    rows = _rows(
        con.execute(
            "SELECT a.article_id, a.outlet, a.title, a.published_at, a.attributions, s.signature"
            " FROM articles_current a JOIN article_signatures s USING (article_id) ORDER BY a.article_id"
        )
    )
    signatures = summaries.signatures_by_id([r["article_id"] for r in rows], [r["signature"] for r in rows])
    assignments = group_stories(summaries.story_inputs(rows), signatures=signatures)
    del rows, signatures
    with transaction(con):
        con.execute("DELETE FROM story_members")
        _write_frame(con, "story_members", summaries.member_rows(assignments))
        con.execute("DELETE FROM stories")
        con.execute(
            "INSERT INTO stories SELECT m.story_id, any_value(o.title), min(coalesce(a.published_utc, a.landed_at)),"
            " max(coalesce(a.published_utc, a.landed_at)), count(DISTINCT a.outlet), count(*),"
            " list(DISTINCT a.outlet ORDER BY a.outlet), any_value(m.original_article_id)"
            " FROM story_members m JOIN summary_articles a USING (article_id)"
            " LEFT JOIN story_members mo ON mo.story_id = m.story_id AND mo.original_article_id IS NULL"
            " LEFT JOIN articles o ON o.article_id = mo.article_id"
            " GROUP BY m.story_id"
        )
    n_stories, n_shared = _one(con, "SELECT count(*), count(*) FILTER (WHERE n_articles > 1) FROM stories")
    return {"articles": len(assignments), "stories": int(n_stories), "stories_with_copies": int(n_shared)}


# Articles and stories behind each reported value and each conflict, counted over all figure rows (the
# comparison saw one row per outlet). A row without a subject counts for the subject it may have joined.
_COUNT_REPORTS = """
UPDATE {table} AS v SET n_articles = s.n_articles{stories}
FROM (
    SELECT g.quantity, g.unit, g.subject, g.{value} AS key, count(DISTINCT f.article_id) AS n_articles,
           count(DISTINCT coalesce(m.story_id, f.article_id)) AS n_stories
    FROM {table} g
    JOIN figures f ON f.quantity = g.quantity AND f.unit = g.unit AND {value_match}
        AND (f.subject IS NOT DISTINCT FROM g.subject OR f.subject IS NULL)
    JOIN summary_articles a ON a.article_id = f.article_id AND list_contains(g.outlets, a.outlet)
    LEFT JOIN story_members m ON m.article_id = f.article_id
    GROUP BY ALL
) AS s
WHERE s.quantity = v.quantity AND s.unit = v.unit AND s.key = v.{value} AND s.subject IS NOT DISTINCT FROM v.subject
"""
_COUNT_VALUE_REPORTS = _COUNT_REPORTS.format(
    table="figure_values", value="value", value_match="f.value = g.value", stories=", n_stories = s.n_stories"
)
_COUNT_CONFLICT_REPORTS = _COUNT_REPORTS.format(
    table="figure_conflicts",
    value="value_list",
    value_match="list_contains(g.value_list, f.value)",
    stories="",
)


def rebuild_ledger(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The figures ledger over one row per (quantity, unit, subject, value, outlet): who said what.

    Collapsing to outlets first keeps the comparison small however many articles repeat a figure; the
    articles and stories behind each value are counted afterwards in SQL.
    """
    records = _rows(
        con.execute(
            "SELECT f.quantity, f.unit, f.subject, f.value, a.outlet,"
            " arg_min(f.article_id, coalesce(a.published_utc, a.landed_at)) AS article_id,"
            " arg_min(f.raw, coalesce(a.published_utc, a.landed_at)) AS raw"
            " FROM figures f JOIN summary_articles a USING (article_id)"
            " WHERE f.quantity <> 'other'"
            " GROUP BY f.quantity, f.unit, f.subject, f.value, a.outlet"
            " ORDER BY f.quantity, f.unit, f.subject NULLS LAST, f.value, a.outlet"
        )
    )
    values, conflicts = ledger.ledger_frames(ledger.comparison_rows(records))
    with transaction(con):
        for table, columns in (("figure_values", values), ("figure_conflicts", conflicts)):
            con.execute(f"DELETE FROM {table}")
            _write_frame(con, table, columns)
        con.execute(_COUNT_VALUE_REPORTS)
        con.execute(_COUNT_CONFLICT_REPORTS)
    return {"values": len(values["value"]), "conflicts": len(conflicts["quantity"])}


def search_daily(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, list[tuple[Any, int]]], Any, Any]:
    """Matches per search and day, and the first and last publication day in the warehouse."""
    series: dict[str, list[tuple[Any, int]]] = {}
    for search, day, n in con.execute("SELECT search, day, matches FROM summary_search_daily").fetchall():
        series.setdefault(search, []).append((day, int(n)))
    first, last = _one(con, "SELECT min(day), max(day) FROM summary_articles")
    return series, first, last


_ALERT_ID = "substr(sha256(concat_ws('|', kind, search, coalesce(article_id, CAST(day AS VARCHAR)))), 1, 20)"
SPIKE_COLUMNS = ("search", "day", "count", "baseline", "ratio")


def insert_alerts(
    con: duckdb.DuckDBPyConnection, spikes: summaries.Columns, now: datetime, run_id: str
) -> list[dict[str, Any]]:
    """Alerts for matches and spikes not alerted before; returns the new ones (with article details).

    The id is derived from (kind, search, article or day) in SQL, so a re-run finds the same ids and adds
    nothing; new matches are an anti-join of search_hits against alerts, done in one statement.
    """
    frame = pd.DataFrame({k: spikes.get(k, []) for k in SPIKE_COLUMNS})
    frame["day"] = pd.to_datetime(frame["day"])
    con.register("spike_rows", frame)
    try:
        with transaction(con):
            con.execute(
                "CREATE OR REPLACE TEMP TABLE new_alerts AS"
                f" SELECT DISTINCT ON (alert_id) {_ALERT_ID} AS alert_id, * FROM ("
                "  SELECT 'match' AS kind, h.search, h.article_id, a.day, NULL::INTEGER AS count,"
                "   NULL::DOUBLE AS baseline, NULL::DOUBLE AS ratio"
                "  FROM search_hits h JOIN summary_articles a USING (article_id)"
                "  UNION ALL"
                "  SELECT 'spike', search, NULL, day::DATE, count::INTEGER, baseline::DOUBLE, ratio::DOUBLE"
                "  FROM spike_rows)"
                " WHERE alert_id NOT IN (SELECT alert_id FROM alerts)"
            )
            con.execute(
                "INSERT INTO alerts (alert_id, kind, search, article_id, day, count, baseline, ratio, created_at,"
                " flow_run_id, status) SELECT alert_id, kind, search, article_id, day, count, baseline, ratio,"
                " ?, ?, 'open' FROM new_alerts",
                [now, run_id],
            )
        return _rows(
            con.execute(
                "SELECT n.*, ar.title, coalesce(ar.outlet, ar.platform) AS outlet, ar.url FROM new_alerts n"
                " LEFT JOIN articles ar USING (article_id) ORDER BY n.kind, n.search, n.day, n.article_id"
            )
        )
    finally:
        con.unregister("spike_rows")
        con.execute("DROP TABLE IF EXISTS new_alerts")
