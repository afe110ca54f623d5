"""The `presswatch` command line: run the pipeline, extract files, query the warehouse."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from flows.settings import get_settings

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="presswatch: media monitoring on Prefect + DuckDB."
)
console = Console()
err = Console(stderr=True)

JSONL_KEYS = (
    "source", "title", "title_derived", "text", "published_at", "authors",
    "outlet", "platform", "url", "language", "script",
)  # fmt: skip

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB file (default: $PRESSWATCH_DB or warehouse/presswatch.duckdb)"),
]


def _table(title: str, columns: list[str], rows: list[tuple[Any, ...]]) -> Table:
    table = Table(title=title, show_lines=False)
    for col in columns:
        table.add_column(str(col))
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    return table


def _summaries_table(result: dict[str, Any]) -> Table:
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
    return _table(
        "Summaries (`presswatch report --out report.html` shows them)", ["summary", "seconds", "result"], rows
    )


@app.command()
def run(
    seeds: Annotated[
        Path | None, typer.Option("--seeds", help="folder of input files (default: seeds/)")
    ] = None,
    db: DbOption = None,
    feed: Annotated[
        list[str] | None, typer.Option("--feed", help="an RSS/Atom feed URL to poll (repeatable)")
    ] = None,
    no_feeds: Annotated[bool, typer.Option("--no-feeds", help="skip the feeds in seeds/feeds.yaml")] = False,
    no_summaries: Annotated[
        bool, typer.Option("--no-summaries", help="land only; skip the summary flows")
    ] = False,
    batch_size: Annotated[int | None, typer.Option(help="documents per Prefect task")] = None,
    workers: Annotated[int | None, typer.Option(help="extraction processes")] = None,
) -> None:
    """One Prefect flow run of the whole pipeline: discover, read, extract, validate, land, summarize."""
    from flows.pipeline import ingest_flow

    summary = ingest_flow(
        seeds_dir=str(seeds) if seeds else None,
        db_path=str(db) if db else None,
        feeds=feed or None,
        include_feeds=not no_feeds or bool(feed),
        summarize=not no_summaries,
        batch_size=batch_size,
        workers=workers,
    )
    c = summary.counts
    console.print(
        f"[bold]inputs seen {c['inputs_seen']}[/]: {c['landed']} new articles, "
        f"{c['duplicates']} duplicates, {c['quarantined']} quarantined  (warehouse {summary.db_path})"
    )
    quarantined = [(s, d) for s, o, d in summary.outcomes if o == "quarantined"]
    if quarantined:
        console.print(_table("Quarantined", ["input", "reason"], quarantined))
    if summary.feeds:
        console.print(_table("Feeds polled", ["feed", "status", "new entries", "error"], summary.feeds))
    console.print(_table("Articles per outlet", ["outlet", "articles"], summary.per_outlet))
    if summary.summaries:
        console.print(_summaries_table(summary.summaries))
    console.print(
        _table(
            "Articles per day and outlet",
            ["day", "outlet", "articles"],
            [(d or "(undated)", o, n) for d, o, n in summary.per_day_outlet],
        )
    )


@app.command()
def reprocess(
    db: DbOption = None,
    limit: Annotated[int | None, typer.Option(help="at most this many quarantined documents")] = None,
) -> None:
    """Re-run extraction and validation on quarantined documents (after a rule or extractor fix)."""
    from flows.reprocess import reprocess_flow

    summary = reprocess_flow(db_path=str(db) if db else None, limit=limit)
    c = summary.counts
    console.print(
        f"[bold]re-processed {c['inputs_seen']}[/]: {c['landed']} released to articles, "
        f"{c['duplicates']} duplicates of known articles, {c['quarantined']} still quarantined"
    )
    still = [(s, d) for s, o, d in summary.outcomes if o == "quarantined"]
    if still:
        console.print(_table("Still quarantined", ["input", "reason"], still))


@app.command()
def summarize(db: DbOption = None) -> None:
    """Bring the summary tables up to date: volume, watchlist, terms, stories, figures, alerts."""
    from flows.summary_flows import summaries_flow

    console.print(_summaries_table(summaries_flow(db_path=str(db) if db else None)))


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", help="HTML file to write")] = Path("presswatch-report.html"),
    db: DbOption = None,
) -> None:
    """Write a static HTML report: volume, share of voice, stories, the figures ledger, open alerts."""
    from flows.report import write_report

    path = write_report(db or get_settings().db_path, out)
    console.print(f"report written to {path}")


@app.command()
def serve(
    port: Annotated[
        int, typer.Option(help="port of the local Prefect server started when none is configured")
    ] = 4200,
    limit: Annotated[int, typer.Option(help="flow runs at once in this process")] = 2,
) -> None:
    """Run every deployment in prefect.yaml on its schedule from this one process (Ctrl-C stops)."""
    from flows.serve import serve_all

    serve_all(port=port, limit=limit)


@app.command()
def feeds(db: DbOption = None) -> None:
    """Per-feed health: last success, last error, consecutive failures, new entries, silent feeds."""
    from flows.warehouse import read_only_query

    columns, rows = read_only_query(db or get_settings().db_path, "SELECT * FROM feed_health")
    console.print(_table("Feed health", columns, rows))


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help="files or folders to extract")],
    jsonl: Annotated[bool, typer.Option("--jsonl", help="one JSON object per input, one per line")] = False,
) -> None:
    """Extraction only, no warehouse."""
    from flows.extraction_pool import extract_one
    from flows.records import Article
    from flows.sources import discover_files, read_file

    files = [f for p in paths for f in (discover_files(p) if p.is_dir() else [p])]
    failed = 0
    for path in files:
        try:
            raw = read_file(path)
        except OSError as exc:
            record: dict[str, Any] = dict.fromkeys(JSONL_KEYS) | {
                "source": str(path),
                "error": str(exc),
                "stage": "read",
            }
            failed += 1
        else:
            result = extract_one(raw, get_settings().max_input_bytes)
            if isinstance(result, Article):
                record = {k: getattr(result, k) for k in JSONL_KEYS} | {"source": str(path)}
                record |= {
                    "provenance": result.provenance,
                    "encoding": result.encoding,
                    "format": result.format,
                }
            else:
                record = dict.fromkeys(JSONL_KEYS) | {
                    "source": str(path), "error": "; ".join(result.reasons), "stage": result.stage,
                }  # fmt: skip
                failed += 1
        if jsonl:
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            console.rule(str(path))
            for key, value in record.items():
                if key != "text":
                    console.print(f"[bold]{key}[/]: {value}")
            console.print((record.get("text") or "")[:600])
    raise typer.Exit(1 if failed and failed == len(files) else 0)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run, read-only")],
    db: DbOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="rows as JSON lines")] = False,
) -> None:
    """A read-only query against the warehouse, printed as a table."""
    import duckdb

    from flows.warehouse import read_only_query

    path = db or get_settings().db_path
    if not Path(path).exists():
        err.print(f"no warehouse at {path}: run `presswatch run` first")
        raise typer.Exit(2)
    try:
        columns, rows = read_only_query(path, query)
    except duckdb.Error as exc:
        err.print(f"query failed: {exc}")
        raise typer.Exit(1) from exc
    if json_out:
        for row in rows:
            sys.stdout.write(
                json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False, default=str) + "\n"
            )
    else:
        console.print(_table(f"{len(rows)} row(s)", columns, rows))


def main() -> int:
    try:
        app()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
