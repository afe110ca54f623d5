"""Aggregates that follow the articles that changed, not the archive. No Prefect.

A run starts with `sync_members`: articles the summaries have not seen yet join summary_members, and each
article that became current (or stopped being current, superseded by a new version) is logged in
summary_changes with its (day, outlet). Every aggregate remembers the last change it applied and the
fingerprint of the analyses it was built from; `plan` tells it what to do:
- "incremental": recompute only the keys the changes since then touch (a (day, outlet) cell for volume,
  mentions, top terms and search matches; a (quantity, unit) block for the figures ledger);
- "full": recompute every key (first run, a changed analysis fingerprint, or `--rebuild`).
Both go through the same SQL, restricted or not, so an aggregate is the same whatever order and batches
its articles arrived in. Aggregates read current members only: they describe the snapshot taken at sync.
The cell aggregates are in summaries_cells.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from presswatch.store.db import one_value, transaction

# Aggregate -> the analysis step whose rows it is built from (None: membership only).
AGGREGATES: dict[str, str | None] = {
    "volume": None,
    "mentions_daily": "mentions",
    "top_terms": "terms",
    "stories": "signatures",
    "ledger": "figures",
    "searches": "searches",
}

# Mirrors warehouse/views/summary_articles.sql (day and outlet as every summary groups by them).
_SYNC = """
CREATE OR REPLACE TEMP TABLE sync_current AS
SELECT article_id FROM articles
WHERE story_key IN (SELECT story_key FROM sync_fresh)
QUALIFY row_number() OVER (PARTITION BY story_key ORDER BY version DESC) = 1;
CREATE OR REPLACE TEMP TABLE sync_removed AS
SELECT article_id FROM summary_members
WHERE current AND story_key IN (SELECT story_key FROM sync_fresh)
  AND article_id NOT IN (SELECT article_id FROM sync_current);
"""
_INSERT_MEMBERS = """
INSERT INTO summary_members
SELECT (SELECT coalesce(max(member_no), 0) FROM summary_members)
         + row_number() OVER (ORDER BY a.article_id) AS member_no,
       a.article_id, a.story_key, a.article_id IN (SELECT article_id FROM sync_current) AS current,
       TRY_CAST(substr(a.published_at, 1, 10) AS DATE) AS day, coalesce(a.outlet, a.platform, '(unknown)') AS outlet,
       a.language, a.script
FROM articles a WHERE a.article_id IN (SELECT article_id FROM sync_fresh)
"""


def _fresh_articles(con: duckdb.DuckDBPyConnection) -> None:
    """sync_fresh: the articles that are not members yet. Articles are only ever appended and each becomes
    a member once, so when the first n rows of articles (n members) are all members, the fresh ones are
    the rows after them: checked by looking the later rows up among the members, instead of anti-joining
    every article with every member (~0.3 s at 1M articles). Otherwise (a rebuilt table), the anti-join."""
    n = int(one_value(con, "SELECT count(*) FROM summary_members"))
    if int(one_value(con, "SELECT count(*) FROM articles WHERE rowid < ?", [n])) == n:
        con.execute("CREATE OR REPLACE TEMP TABLE sync_fresh AS SELECT article_id, story_key FROM articles WHERE rowid >= ?", [n])
        if not one_value(con, "SELECT count(*) FROM summary_members WHERE article_id IN (SELECT article_id FROM sync_fresh)"):
            return  # no member among the later rows: the n members are the first n rows
    con.execute(
        "CREATE OR REPLACE TEMP TABLE sync_fresh AS SELECT a.article_id, a.story_key FROM articles a"
        " WHERE NOT EXISTS (SELECT 1 FROM summary_members m WHERE m.article_id = a.article_id)"
    )


def sync_members(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Log which articles became current or stopped being current since the last sync."""
    with transaction(con):
        _fresh_articles(con)
        for statement in _SYNC.strip().split(";"):
            if statement.strip():
                con.execute(statement)
        added = int(one_value(con, "SELECT count(*) FROM sync_current WHERE article_id IN (SELECT article_id FROM sync_fresh)"))
        removed = int(one_value(con, "SELECT count(*) FROM sync_removed"))
        if added or removed:
            seq = one_value(con, "SELECT nextval('summary_change_seq')")
            con.execute(_INSERT_MEMBERS)
            con.execute("UPDATE summary_members SET current = false WHERE article_id IN (SELECT article_id FROM sync_removed)")
            con.execute(
                "INSERT INTO summary_changes SELECT ?, m.article_id,"
                " CASE WHEN m.current THEN 'added' ELSE 'removed' END, m.day, m.outlet FROM summary_members m"
                " WHERE m.article_id IN (SELECT article_id FROM sync_removed)"
                "  OR (m.current AND m.article_id IN (SELECT article_id FROM sync_fresh))",
                [seq],
            )
        elif one_value(con, "SELECT count(*) FROM sync_fresh"):
            con.execute(_INSERT_MEMBERS)  # superseded versions seen for the first time: never current
        for table in ("sync_fresh", "sync_current", "sync_removed"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
    return {"added": added, "removed": removed}


def log_story_changes(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> None:
    """Articles whose story changed: the figures ledger counts stories, so their blocks are recounted."""
    if article_ids:
        con.execute(
            "INSERT INTO summary_changes SELECT nextval('summary_change_seq'), unnest(?), 'story', NULL, NULL",
            [article_ids],
        )


@dataclass(frozen=True)
class Plan:
    aggregate: str
    full: bool
    after_seq: int  # changes with seq in (after_seq, upto_seq] are applied
    upto_seq: int
    fingerprint: str


def _fingerprint(con: duckdb.DuckDBPyConnection, aggregate: str) -> str:
    step = AGGREGATES[aggregate]
    if step is None:
        return "-"
    found = con.execute("SELECT fingerprint FROM summary_state WHERE step = ?", [step]).fetchall()
    return found[0][0] if found else "-"


def plan(con: duckdb.DuckDBPyConnection, aggregate: str, rebuild: bool = False) -> Plan:
    upto = int(one_value(con, "SELECT coalesce(max(seq), 0) FROM summary_changes"))
    fingerprint = _fingerprint(con, aggregate)
    found = con.execute(
        "SELECT applied_seq, fingerprint FROM summary_aggregates WHERE aggregate = ?", [aggregate]
    ).fetchall()
    full = rebuild or not found or found[0][1] != fingerprint
    return Plan(aggregate, full, -1 if full else int(found[0][0]), upto, fingerprint)


def mark_applied(con: duckdb.DuckDBPyConnection, p: Plan, now: datetime) -> None:
    con.execute(
        "INSERT INTO summary_aggregates VALUES (?, ?, ?, ?) ON CONFLICT (aggregate) DO UPDATE SET"
        " applied_seq = excluded.applied_seq, fingerprint = excluded.fingerprint, updated_at = excluded.updated_at",
        [p.aggregate, p.upto_seq, p.fingerprint, now],
    )


def forget(con: duckdb.DuckDBPyConnection, aggregate: str) -> None:
    """Make an aggregate rebuild whole next time (e.g. the ledger after the stories were rebuilt)."""
    con.execute("DELETE FROM summary_aggregates WHERE aggregate = ?", [aggregate])


def prune_changes(con: duckdb.DuckDBPyConnection) -> None:
    """Drop changes every aggregate has applied."""
    n = len(AGGREGATES)
    con.execute(
        "DELETE FROM summary_changes WHERE seq <= (SELECT CASE WHEN count(*) = ? THEN min(applied_seq) ELSE -1 END"
        " FROM summary_aggregates)",
        [n],
    )
