"""Re-process quarantined documents after a rule or the extractor was fixed.

What now passes moves to `articles` (its quarantine row stays, marked released, so the history is kept);
what still fails stays quarantined as it was.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows import artifacts
from flows.ingest import _run_id
from flows.locking import warehouse_writer
from flows.tasks import (
    data_docs,
    discovered,
    extract_batch,
    finish,
    prepare_warehouse,
    validate_batch,
    whole,
)
from presswatch.batches import even_batches
from presswatch.extract import EXTRACTOR_VERSION
from presswatch.records import OUTCOME_COUNTER, Article, RawDocument, Rejection, RunSummary
from presswatch.settings import INGEST_DUCKDB_MEMORY, Settings, load_settings
from presswatch.store import db as warehouse


@task(name="read-quarantine", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def read_quarantine(settings: Settings, limit: int | None) -> list[RawDocument]:
    with warehouse.connect(settings) as con:
        return warehouse.open_quarantine_documents(con, limit)


@task(name="release-batch", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def release(
    settings: Settings,
    raws: list[RawDocument],
    results: dict[str, Article | Rejection],
    warnings: dict[str, list[dict[str, Any]]],
    validation_rows: list[dict[str, Any]],
    run_id: str,
) -> list[tuple[str, str, str]]:
    now = datetime.now(UTC)
    with warehouse.connect(settings) as con:
        # The validation results in the release's own transaction, as in landing: a kill between the two
        # would leave released articles whose validation no run records.
        plan = warehouse.release_batch(
            con, raws, results, formats={}, warnings=warnings, flow_run_id=run_id, now=now,
            extractor_version=EXTRACTOR_VERSION,
            also=lambda c, _: warehouse.record_validation(c, run_id, validation_rows, now),
        )  # fmt: skip
    return [(o.source, o.outcome, o.detail) for o in plan.outcomes]


@flow(name="presswatch-reprocess", flow_run_name="reprocess quarantine")
def reprocess_flow(
    db_path: str | None = None, limit: int | None = None, workers: int | None = None
) -> RunSummary:
    settings = load_settings(db_path=db_path, workers=workers)
    warehouse.configure(settings, default=INGEST_DUCKDB_MEMORY)  # DuckDB's memory limit: bounded
    db = str(settings.db_path)
    run_id = _run_id()
    summary = RunSummary(flow_run_id=run_id, db_path=db)
    with warehouse_writer():
        prepare_warehouse(settings, run_id, "presswatch-reprocess", {"db_path": db, "limit": limit})
        raws = read_quarantine(settings, limit)
        discovered(settings, run_id, len(raws))
        status = "failed"
        try:
            cap = settings.batch_max_bytes
            for batch in even_batches(raws, settings.batch_size, size_of=lambda r: len(r.data), max_bytes=cap):
                results = extract_batch(whole(batch), settings.workers, settings.max_input_bytes)
                results, warnings, validation_rows = validate_batch(whole(batch), whole(results), settings)
                outcomes = release(
                    settings, whole(batch), whole(results), whole(warnings), whole(validation_rows), run_id
                )
                summary.outcomes.extend(outcomes)
            for _, outcome, _ in summary.outcomes:
                summary.counts[OUTCOME_COUNTER[outcome]] += 1
            summary.counts["inputs_seen"], summary.counts["inputs_discovered"] = len(summary.outcomes), len(raws)
            summary.counts["landed"] = summary.counts["new"] + summary.counts["new_versions"]
            status = "completed"
        finally:
            summary.per_outlet, summary.per_day_outlet, summary.reconciliation = finish(
                settings, run_id, summary.counts, status
            )
            docs_index = data_docs(run_id, settings)
    artifacts.publish_validation(settings, run_id, docs_index)
    get_run_logger().info(
        "re-processed %d quarantined documents: %d released, %d duplicates, %d still quarantined",
        summary.counts["inputs_seen"], summary.counts["landed"], summary.counts["duplicates"],
        summary.counts["quarantined"],
    )  # fmt: skip
    return summary
