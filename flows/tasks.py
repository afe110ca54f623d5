"""The ingest stages as Prefect tasks: each a thin wrapper over pure functions, working on a batch.

Tasks take batches of documents, never one document each (Prefect's per-task overhead and its SQLite API
both suffer from fine-grained tasks). Retries only where there is I/O: files and the warehouse.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from presswatch.extract import EXTRACTOR_VERSION
from presswatch.extract.pool import PendingExtraction, extract_many
from presswatch.ingest.sources import read_file, scan
from presswatch.records import Article, RawDocument, Rejection, sha256_hex
from presswatch.settings import Settings
from presswatch.store import db as warehouse
from presswatch.store import file_index
from presswatch.store.rawcodec import Packed

T = TypeVar("T")


def whole(value: T) -> T:
    """A task argument Prefect hands over as it is: without `quote`, Prefect walks every element of every
    argument looking for futures, twice per call: every field of every record of a batch. Typed as the
    value itself, which is what the task receives."""
    return cast(T, quote(value))


@task(name="prepare-warehouse", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def prepare_warehouse(settings: Settings, run_id: str, flow_name: str, params: dict[str, Any]) -> None:
    run = (run_id, flow_name, params, datetime.now(UTC))
    applied = warehouse.prepare(settings.db_path, timeout_s=settings.lock_timeout_s, run=run)
    if applied:
        get_run_logger().info("applied migrations: %s", ", ".join(applied))


@task(name="discover-files", cache_policy=NO_CACHE)
def discover(seeds_dir: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Input files, and (path, reason) for what is deliberately not read (config, dotfiles, links out)."""
    found = scan(Path(seeds_dir))
    return found.paths, found.skipped


@task(name="record-skipped", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def record_skipped(settings: Settings, run_id: str, skipped: list[tuple[str, str]]) -> None:
    with warehouse.connect(settings) as con:
        warehouse.record_skipped(con, run_id, skipped, datetime.now(UTC))


@task(name="skip-unchanged-files", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def skip_unchanged(
    settings: Settings, run_id: str, paths: list[str], keep: int
) -> tuple[list[file_index.FileState], list[str], int, list[tuple[str, str, str]]]:
    """Files whose path, size and mtime match the file index are not read: their `unchanged` outcomes
    are written here in bulk. Returns the states of the files to read, the paths that could not be
    stat-ed (the read stage reports them), how many were unchanged, and the first `keep` of those."""
    changed: list[file_index.FileState] = []
    failed: list[str] = []
    n_unchanged, sample = 0, list[tuple[str, str, str]]()
    with warehouse.connect(settings) as con:
        for start in range(0, len(paths), UNCHANGED_CHUNK):
            states, not_stated = file_index.stat_files(paths[start : start + UNCHANGED_CHUNK])
            failed += not_stated
            same = file_index.unchanged_files(con, states)
            with warehouse.transaction(con):
                file_index.record_unchanged(con, run_id, same, datetime.now(UTC))
            changed += [s for s in states if s.path not in same]
            n_unchanged += len(same)
            sample += [(p, "unchanged", file_index.UNCHANGED_DETAIL) for p in list(same)[: keep - len(sample)]]
    return changed, failed, n_unchanged, sample


UNCHANGED_CHUNK = 5000  # paths stat-ed and looked up per query: bounded memory for any folder size


@task(name="read-files", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def read_batch(
    paths: list[str], max_bytes: int | None = None, root: str | None = None
) -> tuple[list[RawDocument], list[Rejection]]:
    """Raw bytes of each file; one over `max_bytes` gives a head sample, its size and full sha256."""
    raws: list[RawDocument] = []
    unreadable: list[Rejection] = []
    for path in paths:
        try:
            raws.append(read_file(Path(path), max_bytes, Path(root) if root else None))
        except OSError as exc:
            # No bytes to keep: quarantined under the path's own hash, and tried again next run.
            sha = sha256_hex(f"unreadable:{path}".encode())
            unreadable.append(Rejection(path, sha, "read", [f"cannot read file: {exc}"]))
    return raws, unreadable


@task(name="skip-known-documents", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def unknown_only(settings: Settings, raws: list[RawDocument]) -> list[RawDocument]:
    """Documents already in the warehouse are not extracted again (re-runs cost a hash and a lookup)."""
    with warehouse.connect(settings) as con:
        known = warehouse.known_for(con, [r.sha256 for r in raws]).documents
    return [r for r in raws if r.sha256 not in known]


@task(name="extract-batch", cache_policy=NO_CACHE)
def extracted(pending: PendingExtraction) -> dict[str, Article | Rejection]:
    """Wait for a batch whose extraction was started earlier (extract/pool.py submit_many)."""
    return pending.results()


@task(name="extract-batch", cache_policy=NO_CACHE)
def extract_batch(raws: list[RawDocument], workers: int, max_bytes: int) -> dict[str, Article | Rejection]:
    return extract_many(raws, workers=workers, max_bytes=max_bytes)


@task(name="validate-batch", cache_policy=NO_CACHE)
def validate_batch(
    raws: list[RawDocument],
    results: dict[str, Article | Rejection],
    settings: Settings,
) -> tuple[dict[str, Article | Rejection], dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """Both suites over the batch: raw documents, then extracted articles. Blocked rows become Rejections."""
    import pandas as pd

    from presswatch.validate.frames import validate_articles, validate_documents

    checked: dict[str, Article | Rejection] = dict(results)
    docs = {r.sha256: r for r in raws if r.sha256 in results}
    frame = pd.DataFrame(
        [
            {
                "row_id": sha,
                "source": raw.source,
                "byte_size": raw.byte_size,
                **dict(zip(("format", "encoding"), _format_of(results[sha]), strict=True)),
            }
            for sha, raw in docs.items()
        ]
    )
    doc_outcome = validate_documents(frame, settings.max_input_bytes, settings.expectations_dir)
    articles = [r for r in results.values() if isinstance(r, Article)]
    art_outcome = (
        validate_articles(articles, datetime.now(UTC), settings.expectations_dir) if articles else None
    )
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
    settings: Settings,
    raws: list[RawDocument],
    results: dict[str, Article | Rejection],
    warnings: dict[str, list[dict[str, Any]]],
    validation_rows: list[dict[str, Any]],
    run_id: str,
    unreadable: list[Rejection],
    files: dict[str, file_index.FileState] | None = None,
    stored: dict[str, Packed] | None = None,
) -> list[tuple[str, str, str]]:
    """One batch in one transaction, with the file index entries of the files it read (`files`). `stored`:
    the inputs' bytes as the workers packed them (rawcodec.pack), by doc_sha256 (the rest are compressed here)."""
    formats = {sha: _format_of(r) for sha, r in results.items()}
    now = datetime.now(UTC)
    with warehouse.connect(settings) as con:
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
            stored=stored,
            also=lambda c, p: _with_batch(c, p, files or {}, {r.source for r in raws}, run_id, validation_rows, now),
        )
    return [(o.source, o.outcome, o.detail) for o in plan.outcomes]


def _with_batch(
    con: Any, plan: Any, files: dict[str, Any], sources: set[str], run_id: str,
    validation_rows: list[dict[str, Any]], now: datetime,
) -> None:
    """Written in the batch's own transaction: a kill can never land a batch without its file states and its
    validation results (nothing would validate it again)."""
    file_index.index_landed(con, plan, files, sources, now)
    warehouse.record_validation(con, run_id, validation_rows, now)


@task(name="count-discovered", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def discovered(settings: Settings, run_id: str, n: int) -> None:
    """Inputs found, counted apart from what they become: the reconciliation's independent side."""
    with warehouse.connect(settings) as con:
        warehouse.record_discovered(con, run_id, n)


@task(name="summarize-run", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def finish(
    settings: Settings, run_id: str, counts: dict[str, int], status: str
) -> tuple[list[Any], list[Any], dict[str, Any]]:
    with warehouse.connect(settings) as con:
        warehouse.finish_run(con, run_id, counts, status, datetime.now(UTC))
        reconciliation = warehouse.reconciliation(con, run_id)
        per_outlet = con.execute(
            "SELECT outlet, sum(articles)::INTEGER FROM articles_per_day_outlet GROUP BY outlet ORDER BY 2 DESC, 1"
        ).fetchall()
        per_day = con.execute("SELECT day, outlet, articles FROM articles_per_day_outlet").fetchall()
    if reconciliation and not reconciliation["balanced"]:
        get_run_logger().error(
            "run is UNBALANCED: %s inputs discovered, %s recorded (articles %s, duplicates %s, quarantine %s rows)",
            reconciliation["inputs_discovered"], reconciliation["inputs_recorded"],
            reconciliation["article_rows"], reconciliation["duplicate_rows"], reconciliation["quarantine_rows"],
        )  # fmt: skip
    return per_outlet, per_day, reconciliation


@task(name="build-data-docs", cache_policy=NO_CACHE)
def data_docs(run_id: str, settings: Settings) -> str | None:
    from presswatch.validate.datadocs import build_data_docs

    try:
        index = build_data_docs(settings.data_docs_dir, run_name=run_id)
    except Exception as exc:  # the report of a run must not fail a run whose data landed
        get_run_logger().warning("GX Data Docs not built: %s", exc)
        return None
    return str(index) if index else None
