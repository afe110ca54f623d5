"""The summaries as Prefect flows: one sub-flow per summary, each publishing what an operator reads.

presswatch-summaries runs, in order: watchlist mentions, volume and share of voice, top terms, stories
across outlets, the figures ledger, saved searches and alerts. Tasks are thin wrappers over
flows/summary_store.py (DuckDB) and flows/summaries.py (pure); each works on all pending articles in
chunks, never one task per article. New alerts are also Prefect events (see flows/alerts.py).
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

from flows import alerts, summaries, summary_store, warehouse
from flows.locking import warehouse_writer
from flows.searches import load_searches
from flows.settings import get_settings

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


def _query(db_path: str, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    with warehouse.connection(db_path) as con:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description or []]
        return [{n: _jsonable(v) for n, v in zip(names, row, strict=True)} for row in cur.fetchall()]


def _table(key: str, rows: list[dict[str, Any]], description: str) -> None:
    if rows:
        create_table_artifact(key=key, table=rows, description=description)


@task(name="prepare-summary-tables", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def prepare_tables(db_path: str) -> None:
    with warehouse.connection(db_path) as con:
        warehouse.migrate(con)
        warehouse.refresh_views(con)


@task(name="analyse-articles", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def analyse_articles(
    db_path: str, step: str, config: summaries.AnalysisConfig, workers: int
) -> dict[str, Any]:
    """Analyse every current article this step has not seen under its current rules (chunked, resumable)."""
    result = summary_store.analyse_pending(db_path, step, config, workers=workers, now=datetime.now(UTC))
    if result.reset:
        get_run_logger().info("%s: rules changed, all articles re-analysed", step)
    return {"analysed": result.analysed, "seconds": round(result.seconds, 3)}


def _analyse(db_path: str, step: str, config: summaries.AnalysisConfig, workers: int) -> dict[str, Any]:
    return analyse_articles.with_options(name=_ANALYSIS_TASK_NAMES[step])(db_path, step, config, workers)


@task(name="rank-top-terms", cache_policy=NO_CACHE, retries=1)
def rank_top_terms(db_path: str) -> int:
    with warehouse.connection(db_path) as con:
        return summary_store.rebuild_top_terms(con)


@task(name="group-stories", cache_policy=NO_CACHE, retries=1)
def group_stories_task(db_path: str) -> dict[str, int]:
    with warehouse.connection(db_path) as con:
        return summary_store.rebuild_stories(con)


@task(name="compare-figures", cache_policy=NO_CACHE, retries=1)
def compare_figures(db_path: str) -> dict[str, int]:
    with warehouse.connection(db_path) as con:
        return summary_store.rebuild_ledger(con)


@task(name="raise-alerts", cache_policy=NO_CACHE, retries=1)
def raise_alerts(db_path: str, searches_path: str, run_id: str) -> list[dict[str, Any]]:
    searches = load_searches(searches_path)
    with warehouse.connection(db_path) as con:
        daily, first, last = summary_store.search_daily(con)
        spikes = alerts.spike_rows(searches, daily, first, last)
        return summary_store.insert_alerts(con, spikes, datetime.now(UTC), run_id)


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
def mentions_flow(db_path: str, config: summaries.AnalysisConfig, workers: int) -> dict[str, Any]:
    result = _analyse(db_path, "mentions", config, workers)
    _table(
        "summary-mentions",
        _query(db_path, "SELECT entity, entity_type, sum(mentions) AS mentions, sum(articles) AS articles,"
               " count(DISTINCT outlet) AS outlets FROM summary_mentions_daily GROUP BY ALL"
               " ORDER BY mentions DESC, entity LIMIT ?", [ARTIFACT_ROWS]),
        "Watchlist entities by mentions (traditional and simplified counted as one)",
    )  # fmt: skip
    return result


@flow(name="presswatch-summary-volume", flow_run_name="summary: volume and share of voice")
def volume_flow(db_path: str) -> dict[str, Any]:
    volume = _query(
        db_path, "SELECT * FROM summary_volume ORDER BY day DESC NULLS LAST LIMIT ?", [ARTIFACT_ROWS]
    )
    _table(
        "summary-volume", volume, "Articles per publication day, outlet, language and script (latest first)"
    )
    share = _query(
        db_path,
        "SELECT day, entity, mentions, round(share, 4) AS share FROM summary_share_of_voice"
        " ORDER BY day DESC NULLS LAST, share DESC LIMIT ?",
        [ARTIFACT_ROWS],
    )
    _table(
        "summary-share-of-voice", share, "Share of voice: entity mentions / all watchlist mentions that day"
    )
    return {"volume_rows": len(volume), "share_rows": len(share)}


@flow(name="presswatch-summary-terms", flow_run_name="summary: top terms")
def terms_flow(db_path: str, config: summaries.AnalysisConfig, workers: int) -> dict[str, Any]:
    result = _analyse(db_path, "terms", config, workers)
    result["top_terms"] = rank_top_terms(db_path)
    rows = _query(
        db_path,
        "SELECT day, outlet, list(term ORDER BY rank) FILTER (WHERE rank <= 10) AS terms FROM top_terms"
        " GROUP BY day, outlet ORDER BY day DESC NULLS LAST, outlet LIMIT ?",
        [ARTIFACT_ROWS],
    )
    _table("summary-top-terms", rows, "Top 10 terms per day and outlet (latest days first)")
    return result


@flow(name="presswatch-summary-stories", flow_run_name="summary: stories across outlets")
def stories_flow(db_path: str, config: summaries.AnalysisConfig, workers: int) -> dict[str, Any]:
    result = _analyse(db_path, "signatures", config, workers)
    result |= group_stories_task(db_path)
    rows = _query(
        db_path,
        "SELECT title, n_articles, n_outlets, outlets, first_seen, last_seen FROM stories"
        " ORDER BY n_outlets DESC, n_articles DESC, first_seen DESC NULLS LAST LIMIT ?",
        [ARTIFACT_ROWS],
    )
    _table("summary-stories", rows, "Stories across outlets (near-duplicate articles grouped)")
    return result


@flow(name="presswatch-summary-figures", flow_run_name="summary: figures ledger")
def figures_flow(db_path: str, config: summaries.AnalysisConfig, workers: int) -> dict[str, Any]:
    result = _analyse(db_path, "figures", config, workers)
    result |= compare_figures(db_path)
    rows = _query(
        db_path,
        "SELECT quantity, subject, unit, min_value, max_value, round(spread, 4) AS spread, n_outlets, outlets"
        " FROM figure_conflicts ORDER BY n_outlets DESC, n_articles DESC, quantity LIMIT ?",
        [ARTIFACT_ROWS],
    )
    _table("summary-figure-conflicts", rows, "Figures reported with different values by different outlets")
    return result


@flow(name="presswatch-summary-alerts", flow_run_name="summary: saved searches and alerts")
def alerts_flow(db_path: str, config: summaries.AnalysisConfig, workers: int, run_id: str) -> dict[str, Any]:
    result = _analyse(db_path, "searches", config, workers)
    new_alerts = raise_alerts(db_path, config.searches_path, run_id)
    result["events"] = announce_alerts(new_alerts)
    result["new_match_alerts"] = sum(1 for a in new_alerts if a["kind"] == "match")
    result["new_spike_alerts"] = sum(1 for a in new_alerts if a["kind"] == "spike")
    rows = _query(
        db_path,
        "SELECT kind, search, day, title, outlet, count, round(ratio, 2) AS ratio, created_at"
        " FROM summary_open_alerts LIMIT ?",
        [ARTIFACT_ROWS],
    )
    _table("summary-alerts", rows, "Open alerts: new matches of saved searches and daily spikes")
    return result


def overview_markdown(db_path: str, steps: dict[str, dict[str, Any]], timings: dict[str, float]) -> str:
    lines = ["# presswatch summaries", "", f"- warehouse: `{db_path}`", "", "| summary | seconds | result |",
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
) -> dict[str, Any]:
    """Bring every summary table up to date with the warehouse; returns counts and seconds per summary."""
    settings = get_settings()
    db = str(db_path or settings.db_path)
    config = summaries.AnalysisConfig(
        watchlist_path=watchlist_path or summaries.AnalysisConfig.watchlist_path,
        searches_path=searches_path or summaries.AnalysisConfig.searches_path,
    )
    n_workers = workers or settings.workers
    run_id = _run_id()
    timings: dict[str, float] = {}
    steps: dict[str, dict[str, Any]] = {}
    # Summaries write too: on a server they queue for the same single-writer slot as ingest runs.
    with warehouse_writer():
        prepare_tables(db)
        steps["mentions"] = _timed("mentions", timings, mentions_flow, db, config, n_workers)
        steps["volume"] = _timed("volume", timings, volume_flow, db)
        steps["terms"] = _timed("terms", timings, terms_flow, db, config, n_workers)
        steps["stories"] = _timed("stories", timings, stories_flow, db, config, n_workers)
        steps["figures"] = _timed("figures", timings, figures_flow, db, config, n_workers)
        steps["alerts"] = _timed("alerts", timings, alerts_flow, db, config, n_workers, run_id)
    create_markdown_artifact(
        key="summaries",
        markdown=overview_markdown(db, steps, timings),
        description="What this summaries run did",
    )
    return {"flow_run_id": run_id, "db_path": db, "steps": steps, "seconds": timings}
