"""The ingest flow: discover -> read -> extract -> validate -> land -> summarize, in batches.

Orchestration only: the stages are tasks in flows/tasks.py over pure functions; this module decides the
order, holds the warehouse's writer slot, counts outcomes and publishes what the operator reads.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows import artifacts
from flows.feed_tasks import documents_from_polls, poll_feeds, record_polls, refused_entries
from flows.locking import emit_articles_landed, warehouse_writer
from flows.tasks import (
    data_docs,
    discover,
    discovered,
    extracted,
    finish,
    land,
    prepare_warehouse,
    read_batch,
    record_skipped,
    skip_unchanged,
    unknown_only,
    validate_batch,
    whole,
)
from presswatch import progress, workpool
from presswatch.batches import even_batches, tapered_batches
from presswatch.extract.pool import MIN_DOCS_PER_WORKER, PendingExtraction, start_workers, submit_many
from presswatch.ingest.feeds import load_feed_configs, select_feeds
from presswatch.ingest.warc import is_archive_file, iter_archive_batches
from presswatch.records import OUTCOME_COUNTER, RawDocument, Rejection, RunSummary
from presswatch.settings import INGEST_DUCKDB_MEMORY, Settings, load_settings
from presswatch.store import db as warehouse
from presswatch.store.file_index import FileState
from presswatch.validate.frames import prepare_in_background

# Per outcome, at most this many (source, outcome, detail) are kept in RunSummary.outcomes for the CLI and
# the artifacts; every input's outcome is in the run_inputs table, so memory stays flat at any run size.
OUTCOMES_KEPT = 1000


def _run_id() -> str:
    return str(flow_run.id) if flow_run.id else f"local-{uuid.uuid4()}"


@dataclass
class InFlight:
    """A batch read and hashed whose extraction is running in the workers."""

    raws: list[RawDocument]
    unreadable: list[Rejection]
    fresh: list[RawDocument]
    pending: PendingExtraction | None
    files: dict[str, FileState] = field(default_factory=dict)


def start_documents(
    settings: Settings,
    raws: list[RawDocument],
    unreadable: list[Rejection] | None = None,
    files: dict[str, FileState] | None = None,
) -> InFlight:
    """Skip what the warehouse already holds and start extracting the rest; returns without waiting."""
    fresh = unknown_only(settings, whole(raws)) if raws else []
    pending = submit_many(fresh, workers=settings.workers, max_bytes=settings.max_input_bytes) if fresh else None
    if pending is not None and pending.handed_over:
        # The workers return the bytes compressed (pending.stored): held here they would double what a
        # batch costs this process while it lands. Inputs already known need none.
        raws, fresh = [r.without_data() for r in raws], [r.without_data() for r in fresh]
    return InFlight(raws, unreadable or [], fresh, pending, files or {})


def finish_documents(settings: Settings, batch: InFlight, run_id: str) -> list[tuple[str, str, str]]:
    """Wait for a started batch's extraction, validate it and land it. Returns per-input outcomes."""
    n = len(batch.raws) + len(batch.unreadable)
    results = extracted(whole(batch.pending)) if batch.pending else {}
    progress.advance("extracted", n)
    results, warnings, validation_rows = (
        validate_batch(whole(batch.fresh), whole(results), settings) if results else (results, {}, [])
    )
    progress.advance("validated", n)
    outcomes = land(
        settings, whole(batch.raws), whole(results), whole(warnings), whole(validation_rows), run_id,
        whole(batch.unreadable), whole(batch.files), whole(batch.pending.stored if batch.pending else {}),
    )
    progress.advance("landed", len(outcomes))
    return outcomes


def process_documents(
    settings: Settings,
    raws: list[RawDocument],
    run_id: str,
    unreadable: list[Rejection] | None = None,
) -> list[tuple[str, str, str]]:
    """Run one batch through extract -> validate -> land (inside a flow). Returns per-input outcomes."""
    return finish_documents(settings, start_documents(settings, raws, unreadable), run_id)


def ingest_archive(settings: Settings, run_id: str, summary: RunSummary, path: str, counted: bool) -> None:
    """A web archive: every record is an input, counted as the reader meets it (before it is landed).

    A file found in the seeds folder was counted once at discovery (`counted`); its records stand in for it.
    Records that are not documents (requests, images, revisits) are listed as skipped, one line per reason.
    """
    found, skipped = -1 if counted else 0, Counter[str]()
    for batch in iter_archive_batches(path, settings.max_input_bytes, settings.batch_size, settings.batch_max_bytes):
        n = len(batch.documents) + len(batch.rejections)
        found += n
        discovered(settings, run_id, n)
        progress.add_total(n)
        progress.advance("read", n)
        _tally(summary, process_documents(settings, batch.documents, run_id, batch.rejections))
        skipped.update(batch.skipped)
    lines = [(path, f"{n} record(s): {reason}") for reason, n in sorted(skipped.items())]
    if lines:
        record_skipped(settings, run_id, whole(lines))
        _tally(summary, [(source, "skipped", detail) for source, detail in lines])
    discovered(settings, run_id, len(lines) - (1 if counted else 0))
    summary.counts["inputs_discovered"] += found + len(lines)


def ingest_files(settings: Settings, run_id: str, summary: RunSummary) -> None:
    """The files under seeds_dir, as a pipeline: batch N+1 is read, hashed and its extraction started
    before batch N is validated and landed, so the workers extract while this process does the rest.
    At most two batches are held at once; files unchanged since they were landed are not read at all."""
    logger = get_run_logger()
    seeds = str(settings.seeds_dir)
    paths, skipped = discover(seeds)
    logger.info("discovered %d input files under %s (%d skipped)", len(paths), seeds, len(skipped))
    discovered(settings, run_id, len(paths) + len(skipped))
    summary.counts["inputs_discovered"] += len(paths) + len(skipped)
    if skipped:  # listed in the run's outcomes with their reasons, never dropped silently
        record_skipped(settings, run_id, whole(skipped))
        _tally(summary, [(path, "skipped", reason) for path, reason in skipped])
    progress.add_total(len(paths))
    changed, unstated, n_same, same = skip_unchanged(settings, run_id, whole(paths), OUTCOMES_KEPT)
    if n_same:
        _tally(summary, same, n_same)
        for stage in progress.STAGES:
            progress.advance(stage, n_same)
    states = {s.path: s for s in changed}
    retry = set(unstated)  # could not be stat-ed: the read stage says why
    to_read = [p for p in paths if p in states or p in retry]  # discovery's order: reproducible batches
    del paths, changed
    # Archives are recognised by content and streamed record by record, never read whole.
    archives = [p for p in to_read if is_archive_file(p)]
    if archives:
        to_read = [p for p in to_read if p not in set(archives)]
    if len(to_read) >= 2 * MIN_DOCS_PER_WORKER:
        start_workers(settings.workers)  # their start-up overlaps with reading the first batch
    if to_read:
        prepare_in_background(settings.expectations_dir)  # GX's import overlaps with it too
    in_flight: InFlight | None = None

    def held(path: str) -> int:  # what reading it will hold: a file over the input cap gives a head sample
        return min(states[path].size, settings.max_input_bytes) if path in states else 0

    for batch in tapered_batches(to_read, settings.batch_size, size_of=held, max_bytes=settings.batch_max_bytes):
        raws, unreadable = read_batch(whole(batch), settings.max_input_bytes, seeds)
        progress.advance("read", len(batch))
        started = start_documents(settings, raws, unreadable, {p: states[p] for p in batch if p in states})
        if in_flight is not None:
            _tally(summary, finish_documents(settings, in_flight, run_id))
        in_flight = started
    if in_flight is not None:
        _tally(summary, finish_documents(settings, in_flight, run_id))
    for archive in archives:
        ingest_archive(settings, run_id, summary, archive, counted=True)


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
    warcs: list[str] | None = None,
) -> RunSummary:
    """Ingest the files under seeds_dir, the web archives in `warcs` and the enabled feeds (plus `feeds`
    given here) into the warehouse."""
    settings = load_settings(seeds_dir=seeds_dir, db_path=db_path, batch_size=batch_size, workers=workers)
    warehouse.configure(settings, default=INGEST_DUCKDB_MEMORY)  # DuckDB's memory limit: bounded
    seeds, db, size = str(settings.seeds_dir), str(settings.db_path), settings.batch_size
    workpool.use_cluster(settings.dask_address)  # extraction on a Dask cluster when one is configured
    logger = get_run_logger()
    run_id = _run_id()
    summary = RunSummary(flow_run_id=run_id, db_path=db)
    params = {
        "seeds_dir": seeds,
        "db_path": db,
        "feeds": feeds,
        "files": include_files,
        "feeds_on": include_feeds,
        "warcs": warcs,
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
                ingest_files(settings, run_id, summary)
            for archive in warcs or []:
                if not is_archive_file(archive):
                    raise ValueError(f"{archive} is not a WARC or ARC file (its first bytes say otherwise)")
                ingest_archive(settings, run_id, summary, archive, counted=False)
            if polls:
                docs = documents_from_polls(polls)
                logger.info("polled %d feed(s): %d new entries to ingest", len(polls), len(docs))
                refused = refused_entries(polls)  # links the fetch policy refused: quarantined, no bytes
                found = len(docs) + len(refused)
                discovered(settings, run_id, found)
                summary.counts["inputs_discovered"] += found
                progress.add_total(found)
                progress.advance("read", found)
                for batch in even_batches(docs, size, size_of=lambda d: len(d.data), max_bytes=settings.batch_max_bytes):
                    _tally(summary, process_documents(settings, batch, run_id))
                if refused:
                    _tally(summary, process_documents(settings, [], run_id, refused))
                # Last: an entry is only marked seen once its document is stored.
                record_polls(settings, whole(polls), run_id)
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


def _tally(summary: RunSummary, outcomes: list[tuple[str, str, str]], n_unchanged: int = 0) -> None:
    """Count a batch's outcomes and keep the first OUTCOMES_KEPT of each kind. `n_unchanged` counts
    files skipped as unchanged in bulk, of which `outcomes` holds only a sample."""
    kept = Counter(outcome for _, outcome, _ in summary.outcomes)
    batch = dict.fromkeys(OUTCOME_COUNTER, 0)
    for item in outcomes:
        if kept[item[1]] < OUTCOMES_KEPT:
            summary.outcomes.append(item)
            kept[item[1]] += 1
        batch[item[1]] += 1
    if n_unchanged:
        batch["unchanged"] = n_unchanged
    for outcome, n in batch.items():
        summary.counts[OUTCOME_COUNTER[outcome]] += n
    summary.counts["inputs_seen"] += sum(batch.values())
    summary.counts["landed"] = summary.counts["new"] + summary.counts["new_versions"]
    get_run_logger().info(
        "batch of %d: %s", sum(batch.values()), ", ".join(f"{n} {outcome}" for outcome, n in batch.items() if n)
    )
