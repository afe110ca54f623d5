"""The ingest flow: discover -> read -> extract -> validate -> land -> summarize, in batches.

Orchestration only: the stages are tasks in flows/tasks.py over pure functions; this module decides the
order, holds the warehouse's writer slot, counts outcomes and publishes what the operator reads.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows import artifacts
from flows.feed_tasks import documents_from_polls, poll_feeds, record_polls, refused_entries
from flows.locking import emit_articles_landed, warehouse_writer
from flows.tasks import (
    data_docs,
    discover,
    discovered,
    extract_batch,
    finish,
    land,
    prepare_warehouse,
    read_batch,
    record_skipped,
    unknown_only,
    validate_batch,
)
from presswatch import progress
from presswatch.ingest.feeds import load_feed_configs, select_feeds
from presswatch.records import OUTCOME_COUNTER, RawDocument, Rejection, RunSummary
from presswatch.settings import Settings, load_settings


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), max(1, size)):
        yield items[start : start + size]


def _run_id() -> str:
    return str(flow_run.id) if flow_run.id else f"local-{uuid.uuid4()}"


def process_documents(
    settings: Settings,
    raws: list[RawDocument],
    run_id: str,
    unreadable: list[Rejection] | None = None,
) -> list[tuple[str, str, str]]:
    """Run one batch through extract -> validate -> land (inside a flow). Returns per-input outcomes."""
    fresh = unknown_only(settings, raws) if raws else []
    results = extract_batch(fresh, settings.workers, settings.max_input_bytes) if fresh else {}
    progress.advance("extracted", len(raws) + len(unreadable or []))
    results, warnings, validation_rows = (
        validate_batch(fresh, results, settings) if results else (results, {}, [])
    )
    progress.advance("validated", len(raws) + len(unreadable or []))
    outcomes = land(settings, raws, results, warnings, validation_rows, run_id, unreadable or [])
    progress.advance("landed", len(outcomes))
    return outcomes


def _run_name() -> str:
    params = flow_run.parameters or {}
    parts = []
    if params.get("include_files", True):
        parts.append(f"{Path(params.get('seeds_dir') or load_settings().seeds_dir).name}/")
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
    summarize: bool = False,
    batch_size: int | None = None,
    workers: int | None = None,
) -> RunSummary:
    """Ingest the files under seeds_dir and the enabled feeds (plus `feeds` given here) into the warehouse."""
    settings = load_settings(seeds_dir=seeds_dir, db_path=db_path, batch_size=batch_size, workers=workers)
    seeds, db, size = str(settings.seeds_dir), str(settings.db_path), settings.batch_size
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
    with warehouse_writer():
        prepare_warehouse(settings, run_id, "presswatch-ingest", params)

    # Network I/O happens before taking the writer slot, so a slow site never holds up other writers.
    configs = select_feeds(load_feed_configs(settings.feeds_path), feeds or []) if include_feeds else []
    polls = poll_feeds(configs, settings) if configs else []

    with warehouse_writer():
        status = "failed"
        try:
            if include_files:
                paths, skipped = discover(seeds)
                logger.info("discovered %d input files under %s (%d skipped)", len(paths), seeds, len(skipped))
                discovered(settings, run_id, len(paths) + len(skipped))
                summary.counts["inputs_discovered"] += len(paths) + len(skipped)
                if skipped:  # listed in the run's outcomes with their reasons, never dropped silently
                    record_skipped(settings, run_id, skipped)
                    _tally(summary, [(path, "skipped", reason) for path, reason in skipped])
                progress.add_total(len(paths))
                for batch in _batches(paths, size):
                    raws, unreadable = read_batch(batch, settings.max_input_bytes, seeds)
                    progress.advance("read", len(batch))
                    outcomes = process_documents(settings, raws, run_id, unreadable)
                    _tally(summary, outcomes)
            if polls:
                docs = documents_from_polls(polls)
                logger.info("polled %d feed(s): %d new entries to ingest", len(polls), len(docs))
                found = len(docs) + len(refused_entries(polls))
                discovered(settings, run_id, found)
                summary.counts["inputs_discovered"] += found
                progress.add_total(found)
                progress.advance("read", found)
                for batch in _batches(docs, size):
                    _tally(summary, process_documents(settings, batch, run_id))
                refused = refused_entries(polls)  # links the fetch policy refused: quarantined, no bytes
                if refused:
                    _tally(summary, process_documents(settings, [], run_id, refused))
                # Last: an entry is only marked seen once its document is stored.
                record_polls(settings, polls, run_id)
                summary.feeds = [(p.config.name, p.status, p.new_entries, p.error) for p in polls]
            status = "completed"
        finally:
            summary.per_outlet, summary.per_day_outlet, summary.reconciliation = finish(
                settings, run_id, summary.counts, status
            )
            # In `finally`, so a failed run still clears its collected results from the next run's docs.
            docs_index = data_docs(run_id, settings)
    artifacts.publish_run_summary(summary)
    artifacts.publish_validation(settings, run_id, docs_index)
    emit_articles_landed(db, summary.counts["landed"], run_id)
    if summarize:
        # A sub-flow, so the summaries show under this run in the UI. Deployments leave it off: there the
        # summaries deployment is triggered by the articles-landed event instead.
        from flows.summaries import summaries_flow

        summary.summaries = summaries_flow(db_path=db, workers=settings.workers)
    return summary


def _tally(summary: RunSummary, outcomes: list[tuple[str, str, str]]) -> None:
    summary.outcomes.extend(outcomes)
    batch = dict.fromkeys(OUTCOME_COUNTER, 0)
    for _, outcome, _ in outcomes:
        batch[outcome] += 1
        summary.counts[OUTCOME_COUNTER[outcome]] += 1
    summary.counts["inputs_seen"] += len(outcomes)
    summary.counts["landed"] = summary.counts["new"] + summary.counts["new_versions"]
    get_run_logger().info(
        "batch of %d: %s", len(outcomes), ", ".join(f"{n} {outcome}" for outcome, n in batch.items() if n)
    )
