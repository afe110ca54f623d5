"""The summaries as Prefect flows: one sub-flow per summary, each publishing what an operator reads.

presswatch-summaries runs, in order: watchlist mentions, volume and share of voice, top terms, stories
across outlets, the figures ledger, saved searches and alerts. Tasks are thin wrappers over
presswatch/store/summaries*.py (DuckDB) and presswatch/summaries/ (pure); analyses work on all pending
articles in chunks, never one task per article; aggregates on the keys the changed articles touch (or
whole with rebuild=True). New alerts are also Prefect events (see presswatch/summaries/alerts.py).
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event
from prefect.runtime import flow_run

from flows.locking import warehouse_writer
from presswatch import workpool
from presswatch.desk.prepare import finish_desk, prepare_desk
from presswatch.settings import SUMMARIES_DUCKDB_MEMORY, Settings, load_settings
from presswatch.store import db as warehouse
from presswatch.store import summaries as summary_store
from presswatch.store import summaries_analyses as analysis_store
from presswatch.store.summaries_incremental import sync_members
from presswatch.summaries import alerts
from presswatch.summaries import analyses as summaries
from presswatch.summaries.figures.vocabulary import load_vocabulary
from presswatch.summaries.searches import load_searches

ARTIFACT_ROWS = 50

_ANALYSIS_TASK_NAMES = {
    "mentions": "count-watchlist-mentions",
    "terms": "count-article-terms",
    "figures": "extract-figures",
    "signatures": "hash-article-texts",
    "searches": "match-saved-searches",
}


def _run_id() -> str:
    return str(flow_run.id) if flow_run.id else f"local-{uuid.uuid4()}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, list | tuple):
        return ", ".join(str(_jsonable(v)) for v in value)
    return value


def _query(settings: Settings, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    with warehouse.connect(settings) as con:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description or []]
        return [{n: _jsonable(v) for n, v in zip(names, row, strict=True)} for row in cur.fetchall()]


def _table(key: str, rows: list[dict[str, Any]], description: str) -> None:
    if rows:
        create_table_artifact(key=key, table=rows, description=description)


@task(name="prepare-summary-tables", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def prepare_tables(settings: Settings) -> None:
    with warehouse.connect(settings) as con:
        warehouse.migrate(con)
        warehouse.refresh_views(con)
        sync_members(con)  # what changed since the last run: every aggregate below follows it
        prepare_desk(con, settings.outlets_path, settings.workers)  # outlet directory, search index


@task(name="finish-desk-tables", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def finish_tables(settings: Settings) -> None:
    # checkpoint=False: it checkpoints here, and a second one as the file is detached costs ~0.9 s at 1M.
    with warehouse.connection(settings.db_path, timeout_s=settings.lock_timeout_s, checkpoint=False) as con:
        finish_desk(con)  # the terms just analysed, for search's distinctive terms in this run already
        con.execute("CHECKPOINT")  # the run's writes, kept in the WAL until here, into the file


@task(name="analyse-articles", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def analyse_articles(
    settings: Settings, step: str, config: summaries.AnalysisConfig, workers: int
) -> dict[str, Any]:
    """Analyse every current article this step has not seen under its current rules (chunked, resumable)."""
    result = analysis_store.analyse_pending(
        str(settings.db_path),
        step,
        config,
        workers=workers,
        now=datetime.now(UTC),
        timeout_s=settings.lock_timeout_s,
        members_synced=True,  # prepare_tables synced summary_members before any analysis
    )
    if result.reset:
        get_run_logger().info("%s: rules changed, all articles re-analysed", step)
    return {"analysed": result.analysed, "seconds": round(result.seconds, 3), "prefetched": result.prefetched}


@task(name="prefetch-analyses", cache_policy=NO_CACHE)
def prefetch_analyses(settings: Settings, config: summaries.AnalysisConfig, workers: int) -> list[str]:
    """Start the costliest analyses of the new articles in a second process while the flow does the rest."""
    return analysis_store.prefetch(
        str(settings.db_path), config, workers=workers, timeout_s=settings.lock_timeout_s
    )


def _analyse(settings: Settings, step: str, config: summaries.AnalysisConfig, workers: int) -> dict[str, Any]:
    return analyse_articles.with_options(name=_ANALYSIS_TASK_NAMES[step])(settings, step, config, workers)


_AGGREGATE_TASK_NAMES = {
    "volume": "count-volume",
    "mentions_daily": "count-mentions-per-day",
    "top_terms": "rank-top-terms",
    "stories": "group-stories",
    "ledger": "compare-figures",
    "searches": "raise-alerts",
}


@task(name="update-aggregate", cache_policy=NO_CACHE, retries=1)
def update_aggregate(settings: Settings, aggregate: str, rebuild: bool, run_id: str = "") -> dict[str, Any]:
    """One aggregate brought up to date: only the keys changed articles touch, or whole (rebuild)."""
    vocabulary = load_vocabulary(settings.vocabulary_path) if aggregate == "ledger" else None
    searches = load_searches(settings.searches_path) if aggregate == "searches" else []
    # No checkpoint per aggregate (~1.3 s each at 1M articles): finish_tables, the run's last writer, does it.
    with warehouse.connection(settings.db_path, timeout_s=settings.lock_timeout_s, checkpoint=False) as con:
        return summary_store.update_aggregate(
            con, aggregate, datetime.now(UTC), rebuild=rebuild, vocabulary=vocabulary, searches=searches,
            run_id=run_id,
        )  # fmt: skip


def _aggregate(settings: Settings, aggregate: str, rebuild: bool, run_id: str = "") -> dict[str, Any]:
    task_fn = update_aggregate.with_options(name=_AGGREGATE_TASK_NAMES[aggregate])
    result: dict[str, Any] = task_fn(settings, aggregate, rebuild, run_id)
    return result


@task(name="announce-alerts", cache_policy=NO_CACHE)
def announce_alerts(new_alerts: list[dict[str, Any]]) -> int:
    events = alerts.alert_events(new_alerts)
    for event in events:
        emit_event(**event)
    return len(events)


def _timed(name: str, timings: dict[str, float], fn: Any, *args: Any) -> Any:
    started = time.perf_counter()
    try:
        return fn(*args)
    finally:
        timings[name] = round(time.perf_counter() - started, 3)


@flow(name="presswatch-summary-mentions", flow_run_name="summary: watchlist mentions")
def mentions_flow(
    settings: Settings, config: summaries.AnalysisConfig, workers: int, rebuild: bool = False
) -> dict[str, Any]:
    result = _analyse(settings, "mentions", config, workers)
    result["mentions_daily"] = _aggregate(settings, "mentions_daily", rebuild)["mode"]
    _table(
        "summary-mentions",
        _query(settings, "SELECT entity, entity_type, sum(mentions) AS mentions, sum(articles) AS articles,"
               " count(DISTINCT outlet) AS outlets FROM summary_mentions_daily GROUP BY ALL"
               " ORDER BY mentions DESC, entity LIMIT ?", [ARTIFACT_ROWS]),
        "Watchlist entities by mentions (traditional and simplified counted as one)",
    )  # fmt: skip
    return result


@flow(name="presswatch-summary-volume", flow_run_name="summary: volume and share of voice")
def volume_flow(settings: Settings, rebuild: bool = False) -> dict[str, Any]:
    mode = _aggregate(settings, "volume", rebuild)["mode"]
    volume = _query(
        settings, "SELECT * FROM summary_volume ORDER BY day DESC NULLS LAST LIMIT ?", [ARTIFACT_ROWS]
    )
    _table(
        "summary-volume", volume, "Articles per publication day, outlet, language and script (latest first)"
    )
    share = _query(
        settings,
        "SELECT day, entity, mentions, round(share, 4) AS share FROM summary_share_of_voice"
        " ORDER BY day DESC NULLS LAST, share DESC LIMIT ?",
        [ARTIFACT_ROWS],
    )
    _table(
        "summary-share-of-voice", share, "Share of voice: entity mentions / all watchlist mentions that day"
    )
    return {"mode": mode, "volume_rows": len(volume), "share_rows": len(share)}


@flow(name="presswatch-summary-terms", flow_run_name="summary: top terms")
def terms_flow(
    settings: Settings, config: summaries.AnalysisConfig, workers: int, rebuild: bool = False
) -> dict[str, Any]:
    result = _analyse(settings, "terms", config, workers)
    result["top_terms"] = _aggregate(settings, "top_terms", rebuild)["mode"]
    rows = _query(
        settings,
        "SELECT day, outlet, list(term ORDER BY rank) FILTER (WHERE rank <= 10) AS terms FROM top_terms"
        " GROUP BY day, outlet ORDER BY day DESC NULLS LAST, outlet LIMIT ?",
        [ARTIFACT_ROWS],
    )
    _table("summary-top-terms", rows, "Top 10 terms per day and outlet (latest days first)")
    return result


@flow(name="presswatch-summary-stories", flow_run_name="summary: stories across outlets")
def stories_flow(
    settings: Settings, config: summaries.AnalysisConfig, workers: int, rebuild: bool = False
) -> dict[str, Any]:
    result = _analyse(settings, "signatures", config, workers)
    result |= _aggregate(settings, "stories", rebuild)
    rows = _query(
        settings,
        "SELECT title, n_articles, n_outlets, outlets, first_seen, last_seen FROM stories"
        " ORDER BY n_outlets DESC, n_articles DESC, first_seen DESC NULLS LAST LIMIT ?",
        [ARTIFACT_ROWS],
    )
    _table("summary-stories", rows, "Stories across outlets (near-duplicate articles grouped)")
    return result


@flow(name="presswatch-summary-figures", flow_run_name="summary: figures ledger")
def figures_flow(
    settings: Settings, config: summaries.AnalysisConfig, workers: int, rebuild: bool = False
) -> dict[str, Any]:
    result = _analyse(settings, "figures", config, workers)
    result |= _aggregate(settings, "ledger", rebuild)
    rows = _query(
        settings,
        "SELECT quantity, subject, unit, min_value, max_value, round(spread, 4) AS spread, n_outlets, outlets"
        " FROM figure_conflicts ORDER BY n_outlets DESC, n_articles DESC, quantity LIMIT ?",
        [ARTIFACT_ROWS],
    )
    _table("summary-figure-conflicts", rows, "Figures reported with different values by different outlets")
    return result


@flow(name="presswatch-summary-alerts", flow_run_name="summary: saved searches and alerts")
def alerts_flow(
    settings: Settings, config: summaries.AnalysisConfig, workers: int, run_id: str, rebuild: bool = False
) -> dict[str, Any]:
    result = _analyse(settings, "searches", config, workers)
    new_alerts = _aggregate(settings, "searches", rebuild, run_id)["new_alerts"]
    result["events"] = announce_alerts(new_alerts)
    result["new_match_alerts"] = sum(1 for a in new_alerts if a["kind"] == "match")
    result["new_spike_alerts"] = sum(1 for a in new_alerts if a["kind"] == "spike")
    rows = _query(
        settings,
        "SELECT kind, search, day, title, outlet, count, round(ratio, 2) AS ratio, created_at"
        " FROM summary_open_alerts LIMIT ?",
        [ARTIFACT_ROWS],
    )
    _table("summary-alerts", rows, "Open alerts: new matches of saved searches and daily spikes")
    return result


def overview_markdown(settings: Settings, steps: dict[str, dict[str, Any]], timings: dict[str, float]) -> str:
    lines = ["# presswatch summaries", "", f"- warehouse: `{settings.db_path}`", "", "| summary | seconds | result |",
             "|---|---|---|"]  # fmt: skip
    for name, result in steps.items():
        detail = ", ".join(f"{k} {v}" for k, v in result.items() if k != "seconds")
        lines.append(f"| {name} | {timings.get(name, 0):.2f} | {detail} |")
    return "\n".join(lines)


@flow(name="presswatch-summaries", flow_run_name="summaries", log_prints=False)
def summaries_flow(
    db_path: str | None = None,
    watchlist_path: str | None = None,
    searches_path: str | None = None,
    workers: int | None = None,
    rebuild: bool = False,
) -> dict[str, Any]:
    """Bring every summary table up to date with the warehouse; returns counts and seconds per summary.

    Aggregates follow the articles that changed since the last run; rebuild=True recomputes them whole
    (as a changed rule does for the aggregates built on it)."""
    settings = load_settings(
        db_path=db_path, watchlist_path=watchlist_path, searches_path=searches_path, workers=workers
    )
    warehouse.configure(settings, default=SUMMARIES_DUCKDB_MEMORY)  # DuckDB's memory limit: bounded
    db = str(settings.db_path)
    config = summaries.AnalysisConfig.from_settings(settings)
    n_workers = settings.workers
    workpool.use_cluster(settings.dask_address)  # per-article analyses on a Dask cluster when configured
    run_id = _run_id()
    timings: dict[str, float] = {}
    steps: dict[str, dict[str, Any]] = {}
    # Summaries write too: on a server they queue for the same single-writer slot as ingest runs. The file
    # stays attached for the run (each attach replays the WAL the run's connections leave: 20 s of 43 s at
    # 1M articles); a process waiting for it gets it at the next connection (warehouse.hold).
    db_hold = warehouse.hold(db, timeout_s=settings.lock_timeout_s, row_group_rows=warehouse.WIDE_ROW_GROUP_ROWS)
    with warehouse_writer(), db_hold:
        prepare_tables(settings)
        prefetch_analyses(settings, config, n_workers)
        # summary_store.RUN_ORDER: the prefetched steps (figures, terms) last, their worker done by then.
        steps["mentions"] = _timed("mentions", timings, mentions_flow, settings, config, n_workers, rebuild)
        steps["volume"] = _timed("volume", timings, volume_flow, settings, rebuild)
        steps["stories"] = _timed("stories", timings, stories_flow, settings, config, n_workers, rebuild)
        steps["alerts"] = _timed("alerts", timings, alerts_flow, settings, config, n_workers, run_id, rebuild)
        steps["figures"] = _timed("figures", timings, figures_flow, settings, config, n_workers, rebuild)
        steps["terms"] = _timed("terms", timings, terms_flow, settings, config, n_workers, rebuild)
        finish_tables(settings)
    create_markdown_artifact(
        key="summaries",
        markdown=overview_markdown(settings, steps, timings),
        description="What this summaries run did",
    )
    return {"flow_run_id": run_id, "db_path": db, "steps": steps, "seconds": timings}
