"""The ingest flow: discover -> read -> extract -> validate -> land -> summarize, in batches.

Thin Prefect wrappers around pure stage functions. Tasks work on batches of documents, never one
document each (Prefect's per-task overhead and its SQLite API both suffer from fine-grained tasks);
retries only on I/O.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows import artifacts, warehouse
from flows.extraction_pool import extract_many
from flows.feed_tasks import documents_from_polls, poll_feeds, record_polls
from flows.feeds import load_feed_configs, select_feeds
from flows.records import Article, RawDocument, Rejection, sha256_hex
from flows.settings import get_settings
from flows.sources import discover_files, read_file

COUNT_KEYS = ("inputs_seen", "landed", "duplicates", "quarantined")
OUTCOME_COUNTER = {"landed": "landed", "duplicate": "duplicates", "quarantined": "quarantined"}


@dataclass
class RunSummary:
    flow_run_id: str
    db_path: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    per_outlet: list[tuple[str, int]] = field(default_factory=list)
    per_day_outlet: list[tuple[Any, ...]] = field(default_factory=list)
    outcomes: list[tuple[str, str, str]] = field(default_factory=list)  # (source, outcome, detail)
    feeds: list[tuple[str, str, int, str | None]] = field(default_factory=list)  # (feed, status, new, error)


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), max(1, size)):
        yield items[start : start + size]


def _run_id() -> str:
    return str(flow_run.id) if flow_run.id else f"local-{uuid.uuid4()}"


@task(name="prepare-warehouse", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def prepare_warehouse(db_path: str, run_id: str, flow_name: str, params: dict[str, Any]) -> None:
    with warehouse.connection(db_path) as con:
        applied = warehouse.migrate(con)
        warehouse.refresh_views(con)
        warehouse.start_run(con, run_id, flow_name, params, datetime.now(UTC))
    if applied:
        get_run_logger().info("applied migrations: %s", ", ".join(applied))


@task(name="discover-files", cache_policy=NO_CACHE)
def discover(seeds_dir: str) -> list[str]:
    return [str(p) for p in discover_files(Path(seeds_dir))]


@task(name="read-files", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def read_batch(paths: list[str]) -> tuple[list[RawDocument], list[Rejection]]:
    raws: list[RawDocument] = []
    unreadable: list[Rejection] = []
    for path in paths:
        try:
            raws.append(read_file(Path(path)))
        except OSError as exc:
            # No bytes to keep: quarantined under the path's own hash, and tried again next run.
            sha = sha256_hex(f"unreadable:{path}".encode())
            unreadable.append(Rejection(path, sha, "read", [f"cannot read file: {exc}"]))
    return raws, unreadable


@task(name="skip-known-documents", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def unknown_only(db_path: str, raws: list[RawDocument]) -> list[RawDocument]:
    """Documents already in the warehouse are not extracted again (re-runs cost a hash and a lookup)."""
    with warehouse.connection(db_path, read_only=False) as con:
        known = warehouse.known_for(con, [r.sha256 for r in raws]).documents
    return [r for r in raws if r.sha256 not in known]


@task(name="extract-batch", cache_policy=NO_CACHE)
def extract_batch(raws: list[RawDocument], workers: int, max_bytes: int) -> dict[str, Article | Rejection]:
    return extract_many(raws, workers=workers, max_bytes=max_bytes)


@task(name="validate-batch", cache_policy=NO_CACHE)
def validate_batch(
    raws: list[RawDocument],
    results: dict[str, Article | Rejection],
) -> tuple[dict[str, Article | Rejection], dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """Both suites over the batch: raw documents, then extracted articles. Blocked rows become Rejections."""
    import pandas as pd

    from flows.validate import validate_articles, validate_documents

    checked: dict[str, Article | Rejection] = dict(results)
    docs = {r.sha256: r for r in raws if r.sha256 in results}
    frame = pd.DataFrame(
        [
            {
                "row_id": sha,
                "source": raw.source,
                "byte_size": len(raw.data),
                **dict(zip(("format", "encoding"), _format_of(results[sha]), strict=True)),
            }
            for sha, raw in docs.items()
        ]
    )
    doc_outcome = validate_documents(frame)
    articles = [r for r in results.values() if isinstance(r, Article)]
    art_outcome = validate_articles(articles, now=datetime.now(UTC)) if articles else None
    blocked = dict(doc_outcome.blocked)
    for sha, issues in (art_outcome.blocked if art_outcome else {}).items():
        blocked.setdefault(sha, []).extend(issues)
    for sha, issues in blocked.items():
        prior = results[sha]
        reasons = [f"{i.expectation}({i.column})" if i.column else i.expectation for i in issues]
        observed = {f"{i.expectation}:{i.column}": i.observed for i in issues}
        if isinstance(prior, Rejection):
            # Extraction already refused it; the suite's findings are added, the earlier stage kept.
            prior.reasons.extend(r for r in reasons if r not in prior.reasons)
            prior.observed.update(observed)
            continue
        fmt, enc = _format_of(prior)
        checked[sha] = Rejection(
            prior.source, sha, "validate", reasons, {"format": fmt, "encoding": enc} | observed
        )
    warnings: dict[str, list[dict[str, Any]]] = {}
    for outcome in (doc_outcome, art_outcome):
        for sha, issues in (outcome.warnings if outcome else {}).items():
            warnings.setdefault(sha, []).extend(
                {"expectation": i.expectation, "column": i.column, "observed": i.observed} for i in issues
            )
    rows = [vars(r) for o in (doc_outcome, art_outcome) if o for r in o.results]
    return checked, warnings, rows


def _format_of(result: Article | Rejection) -> tuple[str | None, str | None]:
    if isinstance(result, Article):
        return result.format, result.encoding
    return result.observed.get("format"), result.observed.get("encoding")


@task(name="land-batch", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def land(
    db_path: str,
    raws: list[RawDocument],
    results: dict[str, Article | Rejection],
    warnings: dict[str, list[dict[str, Any]]],
    validation_rows: list[dict[str, Any]],
    run_id: str,
    unreadable: list[Rejection],
) -> list[tuple[str, str, str]]:
    from flows.extract import EXTRACTOR_VERSION

    formats = {sha: _format_of(r) for sha, r in results.items()}
    now = datetime.now(UTC)
    with warehouse.connection(db_path) as con:
        plan = warehouse.land_batch(
            con,
            raws,
            results,
            formats=formats,
            warnings=warnings,
            flow_run_id=run_id,
            now=now,
            extractor_version=EXTRACTOR_VERSION,
            unreadable=unreadable,
        )
        warehouse.record_validation(con, run_id, validation_rows, now)
    return [(o.source, o.outcome, o.detail) for o in plan.outcomes]


@task(name="summarize-run", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def finish(db_path: str, run_id: str, counts: dict[str, int], status: str) -> tuple[list[Any], list[Any]]:
    with warehouse.connection(db_path) as con:
        warehouse.finish_run(con, run_id, counts, status, datetime.now(UTC))
        per_outlet = con.execute(
            "SELECT outlet, sum(articles)::INTEGER FROM articles_per_day_outlet GROUP BY outlet ORDER BY 2 DESC, 1"
        ).fetchall()
        per_day = con.execute("SELECT day, outlet, articles FROM articles_per_day_outlet").fetchall()
    return per_outlet, per_day


def process_documents(
    db_path: str,
    raws: list[RawDocument],
    run_id: str,
    workers: int,
    max_bytes: int,
    unreadable: list[Rejection] | None = None,
) -> list[tuple[str, str, str]]:
    """Run one batch through extract -> validate -> land (inside a flow). Returns per-input outcomes."""
    fresh = unknown_only(db_path, raws) if raws else []
    results = extract_batch(fresh, workers, max_bytes) if fresh else {}
    results, warnings, validation_rows = validate_batch(fresh, results) if results else (results, {}, [])
    return land(db_path, raws, results, warnings, validation_rows, run_id, unreadable or [])


def _run_name() -> str:
    params = flow_run.parameters or {}
    parts = []
    if params.get("include_files", True):
        parts.append(f"{Path(params.get('seeds_dir') or get_settings().seeds_dir).name}/")
    feeds = params.get("feeds") or []
    if params.get("include_feeds", True):
        parts.append(f"feeds (+{len(feeds)} ad hoc)" if feeds else "feeds")
    return "ingest " + " + ".join(parts)


@flow(name="presswatch-ingest", flow_run_name=_run_name, log_prints=False)
def ingest_flow(
    seeds_dir: str | None = None,
    db_path: str | None = None,
    feeds: list[str] | None = None,
    include_files: bool = True,
    include_feeds: bool = True,
    batch_size: int | None = None,
    workers: int | None = None,
) -> RunSummary:
    """Ingest the files under seeds_dir and the enabled feeds (plus `feeds` given here) into the warehouse."""
    settings = get_settings()
    seeds = str(seeds_dir or settings.seeds_dir)
    db = str(db_path or settings.db_path)
    size = batch_size or settings.batch_size
    n_workers = workers or settings.workers
    logger = get_run_logger()
    run_id = _run_id()
    summary = RunSummary(flow_run_id=run_id, db_path=db)
    params = {
        "seeds_dir": seeds,
        "db_path": db,
        "feeds": feeds,
        "files": include_files,
        "feeds_on": include_feeds,
    }
    prepare_warehouse(db, run_id, "presswatch-ingest", params)

    status = "failed"
    try:
        if include_files:
            paths = discover(seeds)
            logger.info("discovered %d input files under %s", len(paths), seeds)
            for batch in _batches(paths, size):
                raws, unreadable = read_batch(batch)
                _tally(
                    summary,
                    process_documents(db, raws, run_id, n_workers, settings.max_input_bytes, unreadable),
                )
        if include_feeds:
            configs = select_feeds(load_feed_configs(settings.feeds_path), feeds or [])
            if configs:
                polls = poll_feeds(configs, db)
                docs = documents_from_polls(polls)
                logger.info("polled %d feed(s): %d new entries to ingest", len(polls), len(docs))
                for batch in _batches(docs, size):
                    _tally(summary, process_documents(db, batch, run_id, n_workers, settings.max_input_bytes))
                # Last: an entry is only marked seen once its document is stored.
                record_polls(db, polls, run_id)
                summary.feeds = [(p.config.name, p.status, p.new_entries, p.error) for p in polls]
        status = "completed"
    finally:
        summary.per_outlet, summary.per_day_outlet = finish(db, run_id, summary.counts, status)
    artifacts.publish_run_summary(summary)
    return summary


def _tally(summary: RunSummary, outcomes: list[tuple[str, str, str]]) -> None:
    summary.outcomes.extend(outcomes)
    for _, outcome, _ in outcomes:
        summary.counts[OUTCOME_COUNTER[outcome]] += 1
    summary.counts["inputs_seen"] += len(outcomes)
    get_run_logger().info(
        "batch of %d: %d landed, %d duplicates, %d quarantined",
        len(outcomes),
        *(sum(1 for o in outcomes if o[1] == k) for k in ("landed", "duplicate", "quarantined")),
    )
