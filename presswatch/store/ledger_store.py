"""The figures ledger, kept up to date from the articles that changed since its last update. No Prefect.

Figures are compared within a (quantity, unit) block (a figure without a subject may join any subject
of its block), so figure_values / figure_conflicts are rewritten per block. What a block's comparison
and counts need is kept in small aggregates (warehouse/migrations/016_ledger_counts.sql), merged from
the changed articles' figure rows alone:
- ledger_reports: the first report of each (quantity, unit, subject, value, outlet); an added article
  competes with the stored first report; only a cell whose first reporter left is recomputed from its
  remaining reports.
- ledger_patterns: per block, how many articles (and stories) report each set of (subject, value) pairs;
  an article that joins adds its pattern, one that leaves subtracts it; a story whose members changed
  (an article joined, left, or moved to another story) subtracts its old pattern and adds its new one.
- ledger_members: the story each counted article was counted under (its old story, once it moved).
A full rebuild (first run, new figure rules, stories rebuilt, --rebuild) fills them from every current
article through the same SQL, so both paths give the same tables.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from presswatch.store import db as warehouse
from presswatch.store.db import transaction
from presswatch.store.summaries_incremental import Plan
from presswatch.summaries.figures import ledger
from presswatch.summaries.figures.vocabulary import Vocabulary

_CELL = ("quantity", "unit", "subject", "value", "outlet")
_SAME_CELL = " AND ".join(f"{{a}}.{c} IS NOT DISTINCT FROM {{b}}.{c}" for c in _CELL)
_IN_BLOCK = "EXISTS (SELECT 1 FROM ledger_blocks b WHERE b.quantity = {t}.quantity AND b.unit = {t}.unit)"

# One row per (quantity, unit, subject, value, outlet) of the current articles `f` may come from: who
# said it first (earliest, ties: smallest article id, then smallest wording), so never scan order.
_RECORDS = """
SELECT f.quantity, f.unit, f.subject, f.value, m.outlet,
       arg_min(f.article_id, (coalesce(a.published_utc, a.landed_at), f.article_id)) AS article_id,
       arg_min(f.raw, (coalesce(a.published_utc, a.landed_at), f.article_id, f.raw)) AS raw,
       min(coalesce(a.published_utc, a.landed_at)) AS first_at
FROM {figures} f JOIN summary_members m ON m.article_id = f.article_id AND m.current
JOIN articles a ON a.article_id = f.article_id
WHERE f.quantity <> 'other' AND {where}
GROUP BY f.quantity, f.unit, f.subject, f.value, m.outlet
"""

# Signed (subject, value) patterns of the (kind, key, sign, article_id) rows in `source`: the article's
# own for kind 'article', its story's (over the members given) for kind 'story'.
_PATTERNS = """
SELECT kind, quantity, unit, subjects, vals, sum(sign)::BIGINT AS n FROM (
    SELECT kind, key, sign, quantity, unit,
           list(subject ORDER BY subject NULLS FIRST, value) AS subjects,
           list(value ORDER BY subject NULLS FIRST, value) AS vals
    FROM (SELECT DISTINCT x.kind, x.key, x.sign, f.quantity, f.unit, f.subject, f.value
          FROM ({source}) x JOIN {figures} f ON f.article_id = x.article_id WHERE f.quantity <> 'other')
    GROUP BY kind, key, sign, quantity, unit
) GROUP BY ALL
"""
_HAS_FIGURES = "SELECT article_id FROM figures WHERE quantity <> 'other'"
_FULL_MEMBERS = f"""
SELECT m.article_id, coalesce(sm.story_id, m.article_id) AS story_id
FROM summary_members m LEFT JOIN story_members sm ON sm.article_id = m.article_id
WHERE m.current AND m.article_id IN ({_HAS_FIGURES})
"""
_FULL_SOURCE = (
    "SELECT 'article' AS kind, article_id AS key, 1 AS sign, article_id FROM ledger_now"
    " UNION ALL SELECT 'story', story_id, 1, article_id FROM ledger_now"
)

# Incremental: the articles that changed, the story each was counted under (ledger_before) and is in now
# (ledger_now, current), the stories either side touches, their members as counted (ledger_old) and as
# they are (ledger_new, current), and the figure rows of all of them, read once (ledger_figures). Each
# lookup is a semi-join with a short list (a scan of one id column, not of the figures' contents). The
# touched stories' rows are taken out first: joined in one statement, DuckDB hashed every current member
# instead (at 1M articles it ran out of a 256 MB memory limit there).
_CHANGED = """
CREATE OR REPLACE TEMP TABLE ledger_changed AS
SELECT DISTINCT article_id FROM summary_changes WHERE seq > ? AND seq <= ?;
CREATE OR REPLACE TEMP TABLE ledger_before AS
SELECT article_id, story_id FROM ledger_members WHERE article_id IN (SELECT article_id FROM ledger_changed);
CREATE OR REPLACE TEMP TABLE ledger_now AS
SELECT m.article_id, coalesce(sm.story_id, m.article_id) AS story_id
FROM (SELECT article_id FROM summary_members WHERE current AND article_id IN (SELECT article_id FROM ledger_changed)) m
LEFT JOIN (SELECT * FROM story_members WHERE article_id IN (SELECT article_id FROM ledger_changed)) sm
    ON sm.article_id = m.article_id;
CREATE OR REPLACE TEMP TABLE ledger_stories AS
SELECT story_id FROM ledger_before UNION SELECT story_id FROM ledger_now;
CREATE OR REPLACE TEMP TABLE ledger_old AS
SELECT article_id, story_id FROM ledger_members WHERE story_id IN (SELECT story_id FROM ledger_stories);
CREATE OR REPLACE TEMP TABLE ledger_story_rows AS
SELECT article_id, story_id FROM story_members WHERE story_id IN (SELECT story_id FROM ledger_stories);
CREATE OR REPLACE TEMP TABLE ledger_new AS
SELECT s.article_id, s.story_id FROM summary_members m JOIN ledger_story_rows s ON m.article_id = s.article_id
WHERE m.current
UNION
SELECT article_id, article_id FROM summary_members
WHERE current AND article_id IN (SELECT story_id FROM ledger_stories)
  AND article_id NOT IN (SELECT article_id FROM story_members WHERE article_id IN (SELECT story_id FROM ledger_stories));
CREATE OR REPLACE TEMP TABLE ledger_figures AS
SELECT article_id, quantity, unit, subject, value, raw FROM figures
WHERE quantity <> 'other' AND article_id IN (
    SELECT article_id FROM ledger_before UNION SELECT article_id FROM ledger_now
    UNION SELECT article_id FROM ledger_old UNION SELECT article_id FROM ledger_new)
"""
_INCREMENTAL_SOURCE = """
SELECT 'article' AS kind, article_id AS key, -1 AS sign, article_id FROM ledger_before
WHERE article_id NOT IN (SELECT article_id FROM ledger_now)
UNION ALL SELECT 'article', article_id, 1, article_id FROM ledger_now
WHERE article_id NOT IN (SELECT article_id FROM ledger_before)
UNION ALL SELECT 'story', story_id, -1, article_id FROM ledger_old
UNION ALL SELECT 'story', story_id, 1, article_id FROM ledger_new
"""
_TEMPS = ("ledger_changed", "ledger_before", "ledger_now", "ledger_stories", "ledger_story_rows", "ledger_old",
          "ledger_new", "ledger_figures", "ledger_blocks", "ledger_redo", "ledger_added", "ledger_merged")  # fmt: skip

_REDO_RECORDS = _RECORDS.format(
    figures="figures",
    where="EXISTS (SELECT 1 FROM ledger_redo c WHERE c.quantity = f.quantity AND c.unit = f.unit"
    " AND c.subject IS NOT DISTINCT FROM f.subject AND c.value = f.value AND c.outlet = m.outlet)"
)
_REPORT_ORDER = "ORDER BY quantity, unit, subject NULLS LAST, value, outlet"

PatternKey = tuple[str, str, str, tuple[str | None, ...], tuple[float, ...]]  # kind, quantity, unit, subjects, vals


def _run(con: duckdb.DuckDBPyConnection, script: str, params: list[Any]) -> None:
    for n, statement in enumerate(s for s in script.split(";") if s.strip()):
        con.execute(statement, params if n == 0 else [])


def _pattern_deltas(con: duckdb.DuckDBPyConnection, source: str, figures: str) -> dict[PatternKey, int]:
    deltas: dict[PatternKey, int] = {}
    for kind, quantity, unit, subjects, vals, n in con.execute(
        _PATTERNS.format(source=source, figures=figures)
    ).fetchall():
        key = (kind, quantity, unit, tuple(subjects), tuple(vals))
        deltas[key] = deltas.get(key, 0) + int(n)
    return deltas


def _rebuild_state(con: duckdb.DuckDBPyConnection) -> dict[PatternKey, int]:
    """Every aggregate from every current article; returns the pattern counts."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE ledger_now AS {_FULL_MEMBERS}")
    for table in ("ledger_members", "ledger_reports", "ledger_patterns"):
        con.execute(f"DELETE FROM {table}")
    con.execute("INSERT INTO ledger_members SELECT article_id, story_id FROM ledger_now")
    con.execute("INSERT INTO ledger_reports BY NAME " + _RECORDS.format(figures="figures", where="true"))
    return _pattern_deltas(con, _FULL_SOURCE, "figures")


def _merge_reports(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """ledger_reports after the changed articles: the added compete with the stored first reports; the
    cells whose first reporter left are recomputed. Returns the blocks whose cells changed."""
    added = "f.article_id IN (SELECT article_id FROM ledger_now WHERE article_id NOT IN (SELECT article_id FROM ledger_before))"
    con.execute("CREATE OR REPLACE TEMP TABLE ledger_added AS " + _RECORDS.format(figures="ledger_figures", where=added))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ledger_redo AS SELECT DISTINCT quantity, unit, subject, value, outlet"
        " FROM ledger_reports WHERE article_id IN (SELECT article_id FROM ledger_before"
        "  WHERE article_id NOT IN (SELECT article_id FROM ledger_now))"
    )
    in_added = f"EXISTS (SELECT 1 FROM ledger_added x WHERE {_SAME_CELL.format(a='x', b='r')})"
    in_redo = f"EXISTS (SELECT 1 FROM ledger_redo x WHERE {_SAME_CELL.format(a='x', b='r')})"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ledger_merged AS"
        " SELECT DISTINCT ON (quantity, unit, subject, value, outlet) * FROM ("
        f" SELECT * FROM ledger_reports r WHERE {in_added} AND NOT {in_redo}"
        f" UNION ALL BY NAME SELECT * FROM ledger_added r WHERE NOT {in_redo})"
        " ORDER BY quantity, unit, subject, value, outlet, first_at, article_id"
    )
    con.execute(f"DELETE FROM ledger_reports r WHERE {in_added} OR {in_redo}")
    con.execute("INSERT INTO ledger_reports BY NAME SELECT * FROM ledger_merged")
    if con.execute("SELECT count(*) FROM ledger_redo").fetchall()[0][0]:
        con.execute("INSERT INTO ledger_reports BY NAME " + _REDO_RECORDS)
    return set(
        con.execute(
            "SELECT quantity, unit FROM ledger_merged UNION SELECT quantity, unit FROM ledger_redo"
        ).fetchall()
    )


def _incremental_state(con: duckdb.DuckDBPyConnection, p: Plan) -> tuple[dict[PatternKey, int], set[tuple[str, str]]]:
    """The aggregates after the changes in the plan; returns the pattern deltas and the touched blocks."""
    _run(con, _CHANGED, [p.after_seq, p.upto_seq])
    deltas = _pattern_deltas(con, _INCREMENTAL_SOURCE, "ledger_figures")
    blocks = _merge_reports(con) | {(k[1], k[2]) for k in deltas}
    con.execute(
        "DELETE FROM ledger_members WHERE article_id IN"
        " (SELECT article_id FROM ledger_before UNION SELECT article_id FROM ledger_old)"
    )
    con.execute(  # counted articles only: those with figures
        "INSERT INTO ledger_members SELECT article_id, story_id FROM ("
        " SELECT article_id, story_id FROM ledger_now UNION SELECT article_id, story_id FROM ledger_new)"
        " WHERE article_id IN (SELECT article_id FROM ledger_figures)"
    )
    return deltas, blocks


def _apply_patterns(
    con: duckdb.DuckDBPyConnection, deltas: dict[PatternKey, int], where: str
) -> ledger.Patterns:
    """Stored patterns of the blocks (`where` on ledger_patterns p) plus the deltas, written back."""
    counts = dict(deltas)
    for kind, quantity, unit, subjects, vals, n in con.execute(
        f"SELECT kind, quantity, unit, subjects, vals, n FROM ledger_patterns p WHERE {where}"
    ).fetchall():
        key = (kind, quantity, unit, tuple(subjects), tuple(vals))
        counts[key] = counts.get(key, 0) + int(n)
    if any(n < 0 for n in counts.values()):
        raise ValueError("figures ledger: a pattern count fell below zero; rebuild it (summarize --rebuild)")
    kept = sorted(((k, n) for k, n in counts.items() if n > 0), key=repr)  # subjects hold None: not comparable
    con.execute(f"DELETE FROM ledger_patterns p WHERE {where}")
    if kept:
        frame = pd.DataFrame(
            [{"kind": k[0], "quantity": k[1], "unit": k[2], "subjects": list(k[3]), "vals": list(k[4]), "n": n}
             for k, n in kept]
        )  # fmt: skip
        warehouse.insert_frame(con, "ledger_patterns", frame)
    patterns: ledger.Patterns = {}
    for (kind, quantity, unit, subjects, vals), n in kept:
        patterns.setdefault((quantity, unit), {}).setdefault(kind, []).append(
            (frozenset(zip(subjects, vals, strict=True)), n)
        )
    return patterns


def update_ledger(con: duckdb.DuckDBPyConnection, p: Plan, vocabulary: Vocabulary) -> dict[str, int]:
    """The figures ledger for the (quantity, unit) blocks the plan's changes touch (every block when full)."""
    blocks: set[tuple[str, str]] = set()
    try:
        with transaction(con):
            if p.full:
                deltas = _rebuild_state(con)
            else:
                deltas, blocks = _incremental_state(con, p)
                con.execute("CREATE OR REPLACE TEMP TABLE ledger_blocks (quantity VARCHAR, unit VARCHAR)")
                if blocks:
                    con.execute("INSERT INTO ledger_blocks SELECT unnest(?), unnest(?)",
                                [[b[0] for b in blocks], [b[1] for b in blocks]])  # fmt: skip
            where = (lambda t: "true") if p.full else (lambda t: _IN_BLOCK.format(t=t))
            patterns = _apply_patterns(con, deltas, where("p"))
            records = warehouse.dict_rows(con.execute(f"SELECT * FROM ledger_reports r WHERE {where('r')} {_REPORT_ORDER}"))
            values, conflicts = ledger.ledger_frames(ledger.comparison_rows(records), vocabulary)
            ledger.recount(values, conflicts, patterns)
            for table, columns in (("figure_values", values), ("figure_conflicts", conflicts)):
                con.execute(f"DELETE FROM {table} t WHERE {where('t')}")
                warehouse.insert_frame(con, table, pd.DataFrame(columns))
    finally:
        for temp in _TEMPS:
            con.execute(f"DROP TABLE IF EXISTS {temp}")
    return {"values": len(values["value"]), "conflicts": len(conflicts["quantity"]),
            "blocks": -1 if p.full else len(blocks)}  # fmt: skip
