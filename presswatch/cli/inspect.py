"""Commands that read: extraction of files without a warehouse, SQL, raw inputs, the HTML report (feeds: feeds.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from presswatch.cli.output import DbOption, console, err, table
from presswatch.settings import load_settings

app = typer.Typer()

JSONL_KEYS = (
    "source", "title", "title_derived", "text", "published_at", "authors",
    "outlet", "platform", "url", "language", "script",
)  # fmt: skip


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help="files or folders to extract")],
    jsonl: Annotated[bool, typer.Option("--jsonl", help="one JSON object per input, one per line")] = False,
) -> None:
    """Extraction only, no warehouse."""
    from presswatch.extract.pool import extract_one
    from presswatch.ingest.sources import discover_files, read_file
    from presswatch.records import Article

    settings = load_settings()
    files = [f for p in paths for f in (discover_files(p) if p.is_dir() else [p])]
    failed = 0
    for path in files:
        try:
            raw = read_file(path, load_settings().max_input_bytes)  # over the cap: head sample only
        except OSError as exc:
            record: dict[str, Any] = dict.fromkeys(JSONL_KEYS) | {
                "source": str(path),
                "error": str(exc),
                "stage": "read",
            }
            failed += 1
        else:
            result = extract_one(raw, settings.max_input_bytes)
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
    allow_files: Annotated[
        bool,
        typer.Option("--allow-files", help="let the query read and write files outside the warehouse"),
    ] = False,
) -> None:
    """A read-only query against the warehouse, printed as a table.

    DuckDB's access to other files (COPY ... TO, read_csv, ATTACH, extensions) is off unless --allow-files.
    """
    import duckdb

    from presswatch.store.db import configure, read_only_query

    settings = load_settings(db_path=db)
    configure(settings)
    path = settings.db_path
    if not Path(path).exists():
        err.print(f"no warehouse at {path}: run `presswatch run` first")
        raise typer.Exit(2)
    try:
        columns, rows = read_only_query(
            path, query, allow_files=allow_files, timeout_s=settings.lock_timeout_s
        )
    except duckdb.Error as exc:
        err.print(f"query failed: {exc}")
        raise typer.Exit(1) from exc
    if json_out:
        for row in rows:
            sys.stdout.write(
                json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False, default=str) + "\n"
            )
    else:
        console.print(table(f"{len(rows)} row(s)", columns, rows))


@app.command()
def raw(
    key: Annotated[str, typer.Argument(help="a document's source (path or URL) or sha256 (8+ hex digits)")],
    db: DbOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="file to write (default: standard output)")
    ] = None,
) -> None:
    """The raw bytes of a landed input, exactly as received (stored compressed: `documents.raw_codec`)."""
    from presswatch.store.rawcodec import stored_raw

    settings = load_settings(db_path=db)
    if not Path(settings.db_path).exists():
        err.print(f"no warehouse at {settings.db_path}: run `presswatch run` first")
        raise typer.Exit(2)
    found = stored_raw(settings.db_path, key, settings.lock_timeout_s)
    if len(found) != 1:
        sources = ", ".join(s for s, _ in found[:5])
        err.print(f"{len(found)} documents match {key!r}" + (f": {sources}" if sources else ""))
        raise typer.Exit(1)
    data = found[0][1]
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        out.write_bytes(data)
        err.print(f"{len(data):,} bytes of {found[0][0]} written to {out}")


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", help="HTML file to write")] = Path("presswatch-report.html"),
    db: DbOption = None,
) -> None:
    """Write a static HTML report: volume, share of voice, stories, the figures ledger, open alerts."""
    from presswatch.store.db import configure
    from presswatch.summaries.report.report import write_report

    settings = load_settings(db_path=db)
    configure(settings)
    path = write_report(settings.db_path, out)
    console.print(f"report written to {path}")
