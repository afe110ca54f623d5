"""What an operator reads in the Prefect UI for a run: tables and markdown artifacts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prefect.artifacts import create_markdown_artifact, create_table_artifact

if TYPE_CHECKING:
    from flows.pipeline import RunSummary


def run_summary_markdown(summary: RunSummary) -> str:
    c = summary.counts
    balanced = c["inputs_seen"] == c["landed"] + c["duplicates"] + c["quarantined"]
    lines = [
        "# presswatch ingest",
        "",
        f"- warehouse: `{summary.db_path}`",
        f"- inputs seen: **{c['inputs_seen']}**",
        f"- new articles: **{c['landed']}**",
        f"- known duplicates: **{c['duplicates']}**",
        f"- quarantined: **{c['quarantined']}**",
        f"- reconciled (seen = landed + duplicates + quarantined): **{'yes' if balanced else 'NO'}**",
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
    if summary.outcomes:
        create_table_artifact(
            key="ingest-outcomes",
            table=[{"input": s, "outcome": o, "detail": d} for s, o, d in summary.outcomes],
            description="Every input of the run and what it became",
        )
