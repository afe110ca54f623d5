"""The (day, outlet) cell aggregates, kept up from the articles that changed. No Prefect.

Volume, watchlist mentions, search matches and term counts per (day, outlet) cell are sums over articles:
an incremental update adds the rows of the articles that joined and subtracts those of the articles that
left (summaries_incremental.py logs both). Top terms are ranked per cell from its term counts. A full
update recomputes every cell through the same SQL.
"""

from __future__ import annotations

import duckdb

from presswatch.store.db import one_value, transaction
from presswatch.store.summaries_incremental import Plan


def _touched_cells(con: duckdb.DuckDBPyConnection, p: Plan) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE touched_cells AS SELECT DISTINCT day, outlet FROM summary_changes"
        " WHERE seq > ? AND seq <= ? AND change IN ('added', 'removed')",
        [p.after_seq, p.upto_seq],
    )


# Each cell aggregate: its table and the SELECT that computes rows for the members `m` it is given.
_IN_CELL = "EXISTS (SELECT 1 FROM touched_cells c WHERE c.day IS NOT DISTINCT FROM {alias}.day AND c.outlet = {alias}.outlet)"
_CELL_AGGREGATES: dict[str, tuple[str, str]] = {
    "volume": (
        "volume_daily",
        "SELECT m.day, m.outlet, coalesce(m.language, '?') AS language, coalesce(m.script, '?') AS script,"
        " count(*) AS articles FROM summary_members m WHERE m.current AND {where} GROUP BY ALL",
    ),
    "mentions_daily": (
        "mentions_daily",
        "SELECT m.day, m.outlet, e.entity, e.entity_type, sum(e.mentions)::BIGINT AS mentions, count(*) AS articles"
        " FROM entity_mentions e JOIN summary_members m USING (article_id) WHERE m.current AND {where} GROUP BY ALL",
    ),
    "cell_terms": (
        "cell_terms",
        "SELECT m.day, m.outlet, t.term, sum(t.n) AS n, count(*) AS articles"
        " FROM article_terms t JOIN summary_members m USING (article_id) WHERE m.current AND {where} GROUP BY ALL",
    ),
    "search_daily": (
        "search_daily",
        "SELECT h.search, m.day, m.outlet, count(*) AS matches"
        " FROM search_hits h JOIN summary_members m USING (article_id) WHERE m.current AND {where} GROUP BY ALL",
    ),
}


# Cell aggregates that are sums over articles: updated by adding the rows of the articles that joined and
# subtracting those of the articles that left (their analysis rows stay stored), so an incremental update
# reads only the changed articles' rows, never the rest of a touched cell. Top terms keep 20 per cell and
# are not a sum: their touched cells are recomputed from their members.
_DELTA_MEMBERS = """
CREATE OR REPLACE TEMP TABLE delta_members AS
SELECT m.article_id, m.member_no, CASE WHEN c.change = 'added' THEN 1 ELSE -1 END AS sign, m.day, m.outlet,
       coalesce(m.language, '?') AS language, coalesce(m.script, '?') AS script
FROM summary_changes c JOIN summary_members m USING (article_id)
WHERE c.seq > ? AND c.seq <= ? AND c.change IN ('added', 'removed')
"""
# Per aggregate: the key columns, the summed columns, and the signed rows of the changed articles `d`,
# found by member number (migration 019): a run's new articles' rows sit in the tables' last row groups.
_DELTAS: dict[str, tuple[str, str, str]] = {
    "volume": (
        "day, outlet, language, script", "articles",
        "SELECT d.day, d.outlet, d.language, d.script, d.sign AS articles FROM delta_members d",
    ),
    "mentions_daily": (
        "day, outlet, entity, entity_type", "mentions, articles",
        "SELECT d.day, d.outlet, e.entity, e.entity_type, d.sign * e.mentions AS mentions, d.sign AS articles"
        " FROM entity_mentions e JOIN delta_members d USING (member_no)",
    ),
    "search_daily": (
        "search, day, outlet", "matches",
        "SELECT h.search, d.day, d.outlet, d.sign AS matches FROM search_hits h JOIN delta_members d USING (member_no)",
    ),
    "cell_terms": (
        "day, outlet, term", "n, articles",
        "SELECT d.day, d.outlet, t.term, d.sign * t.n AS n, d.sign AS articles"
        " FROM article_terms t JOIN delta_members d USING (member_no)",
    ),
}
# Top terms keep 20 per cell and are not a sum, but the counts they rank are (cell_terms): a touched cell
# is ranked again from its cell_terms rows (at 1M articles, re-joining its members with article_terms
# took 28 s for a run's 1,000 new articles).
_TOP_TERMS = (
    "SELECT day, outlet, rank, term, n, articles FROM ("
    " SELECT day, outlet, term, n, articles,"
    "  row_number() OVER (PARTITION BY day, outlet ORDER BY n DESC, term) AS rank FROM cell_terms m WHERE {where})"
    " WHERE rank <= {top}"
)


def _apply_delta(con: duckdb.DuckDBPyConnection, aggregate: str, p: Plan, keep_new: bool = False) -> int:
    table = _CELL_AGGREGATES[aggregate][0]
    keys, sums, rows = _DELTAS[aggregate]
    key_list = [k.strip() for k in keys.split(",")]
    same = " AND ".join(f"t.{k} IS NOT DISTINCT FROM x.{k}" for k in key_list)
    summed = ", ".join(f"sum({c})::BIGINT AS {c}" for c in sums.split(", "))
    con.execute(_DELTA_MEMBERS, [p.after_seq, p.upto_seq])
    con.execute(f"CREATE OR REPLACE TEMP TABLE cell_delta AS SELECT {keys}, {summed} FROM ({rows}) GROUP BY ALL")
    with transaction(con):
        # The touched rows' new values: old + delta; rows whose count drops to 0 are gone (a full build
        # would not produce them).
        # The touched rows are found once; deleting them by rowid took 0.13 s where matching the keys again
        # took 0.54 s (30,000 of cell_terms' 13.8M rows at 1M articles).
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE cell_hit AS SELECT t.rowid AS cell_rowid, {keys}, {sums} FROM {table} t"
            f" WHERE EXISTS (SELECT 1 FROM cell_delta x WHERE {same})"
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE cell_new AS SELECT {keys}, {summed} FROM ("
            f" SELECT {keys}, {sums} FROM cell_hit UNION ALL SELECT {keys}, {sums} FROM cell_delta) GROUP BY ALL"
        )
        # Touched rows are updated in place; only those whose count fell to 0 are deleted. Deleting and
        # re-inserting every touched row (30,000 of cell_terms' 13.8M a run at 1M articles) left deleted
        # rows in every row group, and every few runs a checkpoint's vacuum rewrote the whole table: 7-10 s.
        last = sums.split(", ")[-1]
        hit_new = " AND ".join(f"h.{k} IS NOT DISTINCT FROM n.{k}" for k in key_list)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE cell_set AS SELECT h.cell_rowid, {', '.join(f'n.{c}' for c in sums.split(', '))}"
            f" FROM cell_hit h JOIN cell_new n ON {hit_new}"
        )
        assignments = ", ".join(f"{c} = x.{c}" for c in sums.split(", "))
        con.execute(f"UPDATE {table} SET {assignments} FROM cell_set x WHERE {table}.rowid = x.cell_rowid AND x.{last} <> 0")
        con.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT cell_rowid FROM cell_set WHERE {last} = 0)")
        con.execute(
            f"INSERT INTO {table} BY NAME SELECT * FROM cell_new n WHERE {last} <> 0"
            f" AND NOT EXISTS (SELECT 1 FROM cell_hit h WHERE {hit_new})"
        )
    n = int(one_value(con, "SELECT count(*) FROM (SELECT DISTINCT day, outlet FROM cell_delta)"))
    for temp in ("delta_members", "cell_delta", "cell_hit", "cell_set", *(() if keep_new else ("cell_new",))):
        con.execute(f"DROP TABLE IF EXISTS {temp}")
    return n


def update_cells(con: duckdb.DuckDBPyConnection, aggregate: str, p: Plan, top: int = 20) -> int:
    """Recompute the (day, outlet) cells of one cell aggregate the plan touches (all when full)."""
    if aggregate == "top_terms":
        # The counts, then the ranks of their touched cells (the caller holds one transaction for both).
        if p.full:
            update_cells(con, "cell_terms", p)
            return _recompute_cells(con, "top_terms", _TOP_TERMS, p, top)
        _apply_delta(con, "cell_terms", p, keep_new=True)
        try:
            return _merge_top_terms(con, p, top)
        finally:
            con.execute("DROP TABLE IF EXISTS cell_new")
    if not p.full and aggregate in _DELTAS:
        return _apply_delta(con, aggregate, p)
    table, select = _CELL_AGGREGATES[aggregate]
    return _recompute_cells(con, table, select, p, top)


def _recompute_cells(con: duckdb.DuckDBPyConnection, table: str, select: str, p: Plan, top: int) -> int:
    if not p.full:
        _touched_cells(con, p)
    where = "true" if p.full else _IN_CELL.format(alias="m")
    with transaction(con):
        con.execute(f"DELETE FROM {table}" + ("" if p.full else f" t WHERE {_IN_CELL.format(alias='t')}"))
        con.execute(f"INSERT INTO {table} " + select.format(where=where, top=int(top)))
    n = int(one_value(con, "SELECT count(*) FROM touched_cells")) if not p.full else -1
    con.execute("DROP TABLE IF EXISTS touched_cells")
    return n


# A cell that only gained articles: its terms' counts only grew, so a term outside its old top 20 that did
# not change still ranks below all 20 of them. Its new top 20 are among its old ones and the terms that
# changed (cell_new, from the delta): ranked from those, without reading the cell's other cell_terms rows
# (which took ~0.6 s at 1M articles for a run's ~900 touched cells). A cell that lost an article is ranked
# again from all its cell_terms rows.
_SAME_CELL = "c.day IS NOT DISTINCT FROM {a}.day AND c.outlet = {a}.outlet"
_MERGED_TOP = f"""
SELECT day, outlet, rank, term, n, articles FROM (
    SELECT *, row_number() OVER (PARTITION BY day, outlet ORDER BY n DESC, term) AS rank FROM (
        SELECT t.day, t.outlet, t.term, t.n, t.articles FROM top_terms t
        WHERE EXISTS (SELECT 1 FROM touched_cells c WHERE NOT c.lost AND {_SAME_CELL.format(a="t")})
          AND NOT EXISTS (SELECT 1 FROM cell_new x
                          WHERE x.day IS NOT DISTINCT FROM t.day AND x.outlet = t.outlet AND x.term = t.term)
        UNION ALL
        SELECT x.day, x.outlet, x.term, x.n, x.articles FROM cell_new x
        WHERE x.articles <> 0 AND EXISTS (SELECT 1 FROM touched_cells c WHERE NOT c.lost AND {_SAME_CELL.format(a="x")})
    )
) WHERE rank <= ?
"""


def _merge_top_terms(con: duckdb.DuckDBPyConnection, p: Plan, top: int) -> int:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE touched_cells AS SELECT day, outlet, bool_or(change = 'removed') AS lost"
        " FROM summary_changes WHERE seq > ? AND seq <= ? AND change IN ('added', 'removed') GROUP BY ALL",
        [p.after_seq, p.upto_seq],
    )
    try:
        with transaction(con):
            con.execute(f"CREATE OR REPLACE TEMP TABLE top_new AS {_MERGED_TOP}", [int(top)])
            lost = "EXISTS (SELECT 1 FROM touched_cells c WHERE c.lost AND c.day IS NOT DISTINCT FROM m.day AND c.outlet = m.outlet)"
            if one_value(con, "SELECT count(*) FROM touched_cells WHERE lost"):
                con.execute("INSERT INTO top_new " + _TOP_TERMS.format(where=lost, top=int(top)))
            con.execute(f"DELETE FROM top_terms t WHERE {_IN_CELL.format(alias='t')}")
            con.execute("INSERT INTO top_terms BY NAME SELECT * FROM top_new")
        return int(one_value(con, "SELECT count(*) FROM touched_cells"))
    finally:
        con.execute("DROP TABLE IF EXISTS top_new")
        con.execute("DROP TABLE IF EXISTS touched_cells")
