"""What an operator reads in the Prefect UI for a run: tables and markdown artifacts."""

from __future__ import annotations

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from presswatch.records import RunSummary
from presswatch.settings import Settings


def run_summary_markdown(summary: RunSummary) -> str:
    c, rec = summary.counts, summary.reconciliation
    lines = [
        "# presswatch ingest",
        "",
        f"- warehouse: `{summary.db_path}`",
        f"- inputs discovered: **{c['inputs_discovered']}**, accounted for: **{rec.get('inputs_recorded', '?')}**",
        f"- new articles: **{c['new']}**, new versions: **{c['new_versions']}**",
        f"- unchanged (already landed): **{c['unchanged']}**",
        f"- duplicates (same article under another name, encoding or URL): **{c['duplicates']}**",
        f"- quarantined: **{c['quarantined']}**, skipped: **{c['skipped']}**",
        f"- reconciled (every discovered input recorded, and each outcome's rows written):"
        f" **{'yes' if summary.balanced else 'NO'}**",
        "",
        "## Articles per outlet (warehouse)",
        "",
        "| outlet | articles |",
        "|---|---|",
        *(f"| {outlet} | {n} |" for outlet, n in summary.per_outlet),
    ]
    quarantined = [o for o in summary.outcomes if o[1] == "quarantined"]
    if quarantined:
        lines += ["", "## Quarantined in this run", "", "| input | reason |", "|---|---|"]
        lines += [f"| {src} | {detail} |" for src, _, detail in quarantined]
    return "\n".join(lines)


def publish_run_summary(summary: RunSummary) -> None:
    create_markdown_artifact(
        key="ingest-summary", markdown=run_summary_markdown(summary), description="What this ingest run did"
    )
    rows = _run_inputs(summary)
    if rows:
        create_table_artifact(
            key="ingest-outcomes",
            table=rows,
            description=f"The run's inputs and what they became (first {OUTCOME_ROWS:,}; all are in run_inputs)",
        )


OUTCOME_ROWS = 2000  # an artifact is a page to read, not an export: the run_inputs table holds every row


def _run_inputs(summary: RunSummary) -> list[dict[str, str]]:
    """The run's outcomes from the warehouse, bounded, what needs a look first (unchanged last)."""
    from presswatch.store.db import fetch_frame

    frame = fetch_frame(
        summary.db_path,
        "SELECT source AS input, outcome, detail FROM run_inputs WHERE flow_run_id = ?"
        " ORDER BY outcome = 'unchanged', outcome, source LIMIT ?",
        [summary.flow_run_id, OUTCOME_ROWS],
    )
    return list(frame.to_dict("records"))


def publish_validation(settings: Settings, run_id: str, docs_index: str | None) -> None:
    """The run's GX results per suite and expectation, and where the Data Docs were built."""
    from pathlib import Path

    from presswatch.store.db import fetch_frame
    from presswatch.validate.datadocs import validation_markdown

    frame = fetch_frame(
        settings.db_path,
        "SELECT suite, expectation, column_name AS column, severity, success, unexpected_count, element_count"
        " FROM validation_results WHERE flow_run_id = ?",
        [run_id],
    )
    rows = frame.to_dict("records")
    create_markdown_artifact(
        key="validation",
        markdown=validation_markdown(rows, Path(docs_index) if docs_index else None),
        description="Great Expectations results of this run",
    )
