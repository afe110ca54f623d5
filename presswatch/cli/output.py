"""What the commands print: rich tables on a terminal, plain text elsewhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err = Console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB file (default: $PRESSWATCH_DB or warehouse/presswatch.duckdb)"),
]


def table(title: str, columns: list[str], rows: list[tuple[Any, ...]]) -> Table:
    out = Table(title=title, show_lines=False)
    for col in columns:
        out.add_column(str(col))
    for row in rows:
        out.add_row(*("" if v is None else str(v) for v in row))
    return out


def summaries_table(result: dict[str, Any]) -> Table:
    steps: dict[str, Any] = result.get("steps", {})
    seconds: dict[str, float] = result.get("seconds", {})
    rows = [
        (
            name,
            f"{seconds.get(name, 0):.1f}",
            ", ".join(f"{k} {v}" for k, v in (info or {}).items() if not isinstance(v, dict | list)),
        )
        for name, info in steps.items()
    ]
    return table(
        "Summaries (`presswatch report --out report.html` shows them)", ["summary", "seconds", "result"], rows
    )


def outcome_line(counts: dict[str, int]) -> str:
    """The closing line of a run: every input and what it became."""
    c = counts
    return (
        f"[bold]{c['inputs_seen']} inputs[/]: {c['new']} new, {c['new_versions']} new versions, "
        f"{c['unchanged']} unchanged, {c['duplicates']} duplicates, {c['quarantined']} quarantined"
        + (f", {c['skipped']} skipped" if c.get("skipped") else "")
    )
