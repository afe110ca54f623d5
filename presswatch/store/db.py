"""The DuckDB warehouse: migrations, views, and the writes of one batch (connections: store/connections.py).

SQL lives in warehouse/ as files; this module only runs it. Every value is bound, never formatted in.
Connections (the lock wait, the writers' row groups) are in store/connections.py, re-exported here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from presswatch.records import Article, RawDocument, Rejection
from presswatch.settings import DEFAULT_LOCK_TIMEOUT_S, SQL_DIR
from presswatch.store.connections import ROW_GROUP_ROWS as ROW_GROUP_ROWS
from presswatch.store.connections import WIDE_ROW_GROUP_ROWS as WIDE_ROW_GROUP_ROWS
from presswatch.store.connections import WarehouseLocked as WarehouseLocked
from presswatch.store.connections import connect as connect
from presswatch.store.connections import connection as connection
from presswatch.store.holds import hold as hold
from presswatch.store.holds import hold_cache as hold_cache
from presswatch.store.landing import Known, LandingPlan, article_ids_of, plan_landing, story_keys_of
from presswatch.store.memory import WarehouseOutOfMemory as WarehouseOutOfMemory
from presswatch.store.memory import configure as configure
from presswatch.store.memory import whole_archive_memory as whole_archive_memory
from presswatch.store.rawcodec import unpack
from presswatch.store.transactions import transaction as transaction


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Insert a DataFrame's rows into `table`, by column name, in one statement."""
    if frame.empty:
        return
    cols = ", ".join(frame.columns)
    con.register("insert_rows", frame)
    try:
        # Table and column names come from this package, never from input: only values are data.
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM insert_rows")
    finally:
        con.unregister("insert_rows")


def _migration_files(sql_dir: Path) -> Iterator[tuple[int, Path, str, str]]:
    """(version, path, SQL, its sha256) of each numbered migration, in order."""
    for path in sorted((sql_dir / "migrations").glob("[0-9][0-9][0-9]_*.sql")):
        sql = path.read_text(encoding="utf-8")
        yield int(path.name[:3]), path, sql, hashlib.sha256(sql.encode("utf-8")).hexdigest()


def migrate(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> list[str]:
    """Apply numbered migrations not yet recorded, each in its own transaction. Returns those applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, checksum VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )
    applied = {
        row[0]: row[1] for row in con.execute("SELECT version, checksum FROM schema_migrations").fetchall()
    }
    pending = []
    for version, path, sql, checksum in _migration_files(sql_dir):
        if version not in applied:
            pending.append((version, path, sql, checksum))
        elif applied[version] != checksum:
            # An applied migration must never change: a new numbered file is the way forward.
            raise RuntimeError(f"migration {path.name} was edited after it was applied")
    if not pending:
        return []
    with whole_archive_memory(con):  # a migration may rewrite whole tables (023 copies the postings)
        for version, path, sql, checksum in pending:
            with transaction(con):
                con.execute(sql)
                con.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)",
                    [version, path.name, checksum],
                )
    return [path.name for _, path, _, _ in pending]


def refresh_views(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> list[str]:
    """Re-create every view. Views may build on each other, so retry failures until no progress."""
    pending = sorted((sql_dir / "views").glob("*.sql"))
    created: list[str] = []
    while pending:
        failed: list[Path] = []
        errors: dict[str, str] = {}
        for path in pending:
            try:
                con.execute(path.read_text(encoding="utf-8"))
                created.append(path.stem)
            except duckdb.Error as exc:
                failed.append(path)
                errors[path.name] = str(exc)
        if len(failed) == len(pending):
            raise RuntimeError(f"views could not be created: {errors}")
        pending = failed
    return created


def prepare(
    db_path: str | Path,
    *,
    timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    run: tuple[str, str, dict[str, Any], datetime] | None = None,
) -> list[str]:
    """Migrate, re-create the views and, given `run` (id, flow name, parameters, start), record the run's
    start. Returns the migrations applied."""
    # Attached with landing's row groups unless a migration is due: a checkpoint under wide row groups
    # merges every table's small row groups, so the first one after a run that landed 20,000 HTML pages
    # rewrote their raw bytes (40.9 s of an unchanged re-run; 0.4 s without). A migration may rewrite the
    # summaries' tables (020), which keep wide row groups.
    with connection(db_path, timeout_s=timeout_s) as con:
        due = migrations_due(con)
    rows = WIDE_ROW_GROUP_ROWS if due else ROW_GROUP_ROWS
    with connection(db_path, timeout_s=timeout_s, row_group_rows=rows) as con:
        applied = migrate(con)
        refresh_views(con)
        if run is not None:
            start_run(con, *run)
    return applied


def migrations_due(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> bool:
    """Whether a numbered migration is not recorded as applied (or the warehouse is new), or one applied was
    edited since (migrate() then says so)."""
    try:
        applied = dict(con.execute("SELECT version, checksum FROM schema_migrations").fetchall())
    except duckdb.CatalogException:
        return True
    return any(applied.get(version) != checksum for version, _, _, checksum in _migration_files(sql_dir))


def known_for(con: duckdb.DuckDBPyConnection, shas: Sequence[str]) -> Known:
    """What the warehouse already holds for these documents (one query per table, not per document)."""
    if not shas:
        return Known()
    docs = con.execute(
        "SELECT d.doc_sha256, d.source, a.article_id FROM documents d"
        " LEFT JOIN articles a USING (doc_sha256) WHERE d.doc_sha256 IN (SELECT unnest(?))",
        [list(shas)],
    ).fetchall()
    dups = con.execute(
        "SELECT doc_sha256, source FROM duplicates WHERE doc_sha256 IN (SELECT unnest(?))", [list(shas)]
    ).fetchall()
    return Known(
        documents={sha: (src, art) for sha, src, art in docs},
        duplicate_sources={(sha, src) for sha, src in dups},
    )


def articles_known(
    con: duckdb.DuckDBPyConnection, article_ids: Sequence[str], story_keys: Sequence[str]
) -> tuple[set[str], dict[str, tuple[str, int]]]:
    existing = {
        r[0]
        for r in con.execute(
            "SELECT article_id FROM articles WHERE article_id IN (SELECT unnest(?))", [list(article_ids)]
        ).fetchall()
    }
    latest = {
        key: (aid, ver)
        for key, aid, ver in con.execute(
            "SELECT story_key, article_id, version FROM articles WHERE story_key IN (SELECT unnest(?))"
            " QUALIFY row_number() OVER (PARTITION BY story_key ORDER BY version DESC) = 1",
            [list(story_keys)],
        ).fetchall()
    }
    return existing, latest


_JSON_COLUMNS = {"provenance", "warnings", "reasons", "observed"}


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for col in _JSON_COLUMNS & set(frame.columns):
        frame[col] = [json.dumps(v, ensure_ascii=False, default=str) for v in frame[col]]
    return frame


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        insert_frame(con, table, _frame(rows))


def land_batch(
    con: duckdb.DuckDBPyConnection,
    raws: list[RawDocument],
    results: dict[str, Article | Rejection],
    also: Callable[[duckdb.DuckDBPyConnection, LandingPlan], None] = lambda con, plan: None,
    **plan_kwargs: Any,
) -> LandingPlan:
    """Decide and write one batch in one transaction: a crash leaves the batch wholly in or wholly out.

    What is already known is read inside the same transaction, so a document landed meanwhile by
    another run is counted as a duplicate here rather than inserted twice. `also` writes with them.
    """
    with transaction(con):
        known = known_for(con, [r.sha256 for r in raws])
        ids = article_ids_of(results)
        existing, latest = articles_known(con, list(ids.values()), story_keys_of(results))
        known = Known(known.documents, known.duplicate_sources, existing, latest)
        plan = plan_landing(raws, results, known, article_ids=ids, **plan_kwargs)
        _insert(con, "documents", plan.documents)
        _insert(con, "articles", plan.articles)
        _insert(con, "duplicates", plan.duplicates)
        _insert(con, "quarantine", plan.quarantine)
        _record_inputs(con, plan, plan_kwargs["flow_run_id"], plan_kwargs["now"])
        also(con, plan)
    return plan


def _record_inputs(
    con: duckdb.DuckDBPyConnection, plan: LandingPlan, run_id: str | None, now: datetime
) -> None:
    """One run_inputs row per input, in the batch's transaction: the ledger the reconciliation counts."""
    _insert(
        con,
        "run_inputs",
        [
            {"flow_run_id": run_id, "source": o.source, "doc_sha256": o.doc_sha256, "outcome": o.outcome,
             "detail": o.detail, "recorded_at": now}
            for o in plan.outcomes
        ],
    )  # fmt: skip


def record_skipped(
    con: duckdb.DuckDBPyConnection, run_id: str, skipped: Sequence[tuple[str, str]], now: datetime
) -> None:
    """Inputs deliberately not ingested (the pipeline's own config files...): listed, never dropped silently."""
    _insert(
        con,
        "run_inputs",
        [
            {"flow_run_id": run_id, "source": source, "doc_sha256": None, "outcome": "skipped",
             "detail": reason, "recorded_at": now}
            for source, reason in skipped
        ],
    )  # fmt: skip


def record_discovered(con: duckdb.DuckDBPyConnection, run_id: str, n: int) -> None:
    """Count inputs as they are found, before and independently of what they become."""
    con.execute(
        "UPDATE runs SET inputs_discovered = inputs_discovered + ? WHERE flow_run_id = ?", [n, run_id]
    )


def start_run(
    con: duckdb.DuckDBPyConnection, run_id: str, flow_name: str, params: dict[str, Any], now: datetime
) -> None:
    con.execute(
        "INSERT INTO runs (flow_run_id, flow_name, started_at, status, parameters) VALUES (?, ?, ?, 'running', ?)"
        " ON CONFLICT (flow_run_id) DO UPDATE SET status = 'running'",
        [run_id, flow_name, now, json.dumps(params, default=str)],
    )


def finish_run(
    con: duckdb.DuckDBPyConnection, run_id: str, counts: dict[str, int], status: str, now: datetime
) -> None:
    """Store the run's counts (from its outcomes) and return its reconciliation row."""
    con.execute(
        "UPDATE runs SET finished_at = ?, status = ?, inputs_seen = ?, landed = ?, new_articles = ?,"
        " new_versions = ?, unchanged = ?, duplicates = ?, quarantined = ?, skipped = ? WHERE flow_run_id = ?",
        [now, status, counts["inputs_seen"], counts["new"] + counts["new_versions"], counts["new"],
         counts["new_versions"], counts["unchanged"], counts["duplicates"], counts["quarantined"],
         counts["skipped"], run_id],
    )  # fmt: skip


def reconciliation(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """The run's row of the run_reconciliation view: discovered vs recorded inputs, and whether they balance."""
    cur = con.execute("SELECT * FROM run_reconciliation WHERE flow_run_id = ?", [run_id])
    names = [d[0] for d in cur.description or []]
    row = cur.fetchone()
    return dict(zip(names, row, strict=True)) if row else {}


def one_value(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> Any:
    """The first column of the first row."""
    # fetchall, not fetchone: DuckDB 2.0 refuses further work on a connection with an unfinished result.
    return con.execute(sql, list(params)).fetchall()[0][0]


def dict_rows(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The rows of an executed query as dicts keyed by column name."""
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def fetch_frame(db_path: str | Path, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
    with connection(db_path, read_only=True) as con:
        return con.execute(sql, params or []).df()


# DuckDB can read and write any file the user can (COPY ... TO, read_csv, ATTACH, INSTALL): off for
# analysts' queries, and locked so the query itself cannot switch it back on.
NO_EXTERNAL_ACCESS = {"enable_external_access": False, "lock_configuration": True}


def read_only_query(
    db_path: str | Path, sql: str, *, allow_files: bool = False, timeout_s: float = DEFAULT_LOCK_TIMEOUT_S
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """For analysts: read-only, and no file outside the warehouse is read or written unless `allow_files`."""
    config = None if allow_files else NO_EXTERNAL_ACCESS
    with connection(db_path, read_only=True, config=config, timeout_s=timeout_s) as con:
        cur = con.execute(sql)
        columns = [d[0] for d in cur.description] if cur.description else []
        return columns, cur.fetchall()


def record_validation(
    con: duckdb.DuckDBPyConnection, run_id: str, rows: list[dict[str, Any]], now: datetime
) -> None:
    if not rows:
        return
    frame = pd.DataFrame(
        [
            {
                "flow_run_id": run_id,
                "validated_at": now,
                "suite": r["suite"],
                "expectation": r["expectation"],
                "column_name": r.get("column"),
                "severity": r["severity"],
                "success": bool(r["success"]),
                "unexpected_count": int(r["unexpected_count"]),
                "element_count": int(r["element_count"]),
            }
            for r in rows
        ]
    )
    insert_frame(con, "validation_results", frame)


def open_quarantine_documents(con: duckdb.DuckDBPyConnection, limit: int | None = None) -> list[RawDocument]:
    """Quarantined inputs whose raw bytes are kept, for re-processing after a rule or extractor fix."""
    rows = con.execute(
        "SELECT DISTINCT q.doc_sha256, d.source, d.raw, d.raw_codec, d.kind, d.url FROM quarantine q"
        " JOIN documents d USING (doc_sha256) WHERE q.released_at IS NULL AND d.raw IS NOT NULL"
        " AND NOT coalesce(d.raw_truncated, false)"  # a head sample cannot be re-extracted
        " ORDER BY d.source LIMIT ?",
        [limit if limit is not None else 2**62],
    ).fetchall()
    return [
        RawDocument(source=src, data=unpack(raw, codec) or b"", kind=kind, url=url)
        for _, src, raw, codec, kind, url in rows
    ]


def release_batch(
    con: duckdb.DuckDBPyConnection,
    raws: list[RawDocument],
    results: dict[str, Article | Rejection],
    also: Callable[[duckdb.DuckDBPyConnection, LandingPlan], None] = lambda con, plan: None,
    **plan_kwargs: Any,
) -> LandingPlan:
    """Land re-processed quarantine documents that now pass; their quarantine rows stay, marked released.

    The same landing rules apply as for new input (a body already known is a duplicate, a story key already
    known gets a new version). Documents are already stored, and what still fails keeps its original
    quarantine row, so only articles, duplicates and the release marks are written; `also` writes with them.
    """
    with transaction(con):
        ids = article_ids_of(results)
        existing, latest = articles_known(con, list(ids.values()), story_keys_of(results))
        plan = plan_landing(raws, results, Known(articles=existing, latest=latest), article_ids=ids, **plan_kwargs)
        _insert(con, "articles", plan.articles)
        _insert(con, "duplicates", plan.duplicates)
        _record_inputs(con, plan, plan_kwargs["flow_run_id"], plan_kwargs["now"])
        released = [(a["doc_sha256"], a["article_id"]) for a in plan.articles]
        released += [(d["doc_sha256"], d["duplicate_of"]) for d in plan.duplicates]
        if released:
            con.execute(
                "UPDATE quarantine AS q SET released_at = ?, released_to = r.article_id"
                " FROM (SELECT unnest(?) AS doc_sha256, unnest(?) AS article_id) AS r"
                " WHERE q.doc_sha256 = r.doc_sha256 AND q.released_at IS NULL",
                [plan_kwargs["now"], [sha for sha, _ in released], [aid for _, aid in released]],
            )
        also(con, plan)
    return plan
