"""Commands that run the Prefect flows: the same flows that prefect.yaml deploys, loaded from flows/."""

from __future__ import annotations

import importlib
from contextlib import suppress
from pathlib import Path
from typing import Annotated, Any

import typer

from presswatch.cli.output import DbOption, console, err, outcome_line, summaries_table, table
from presswatch.cli.paths import project_first
from presswatch.cli.progress_bars import showing_progress
from presswatch.gcpause import gc_paused
from presswatch.settings import Settings, load_settings

app = typer.Typer()

# The flows the commands run, by entrypoint as in prefect.yaml (tests check the two agree).
ENTRYPOINTS = {
    "ingest": "flows/ingest.py:ingest_flow",
    "summaries": "flows/summaries.py:summaries_flow",
    "reprocess": "flows/reprocess.py:reprocess_flow",
}


def load_flow(name: str) -> Any:
    """The flow object behind an entrypoint, imported from this project's folder (as `prefect deploy` does).

    The project folder goes first on sys.path, so a `flows/` folder in the user's working directory cannot
    shadow the project's.
    """
    path, _, attr = ENTRYPOINTS[name].partition(":")
    project_first()
    module = importlib.import_module(str(Path(path).with_suffix("")).replace("/", "."))
    return getattr(module, attr)


# What a flow's first call imports lazily (Prefect's engines, the parameter encoder, the run graph helper):
# imported while the server boots instead of after it answers (0.27 s of the critical path, -X importtime).
FIRST_CALL_IMPORTS = (
    "prefect.flow_engine",
    "prefect.task_engine",
    "prefect.utilities.visualization",
    "fastapi.encoders",
    "pydantic.v1",
    "encodings.idna",
)


def load_flow_served(name: str) -> tuple[Any, Any]:
    """The flow, and a context to call it in: the embedded Prefect server boots while the flow imports.

    The imports run with the cyclic GC paused and their objects frozen after (as the server's launcher
    does, flows/startup.py): collections during them walked the growing heap again and again, a quarter
    of their CPU (import of the ingest flow 3.3 -> 2.6 CPU s, medians of 5), time the booting server
    needs on 2 cores. Imported modules live as long as the process anyway.
    """
    project_first()
    startup = importlib.import_module("flows.startup")
    api = startup.start_api_early()  # the one `main` launched, if it did
    with gc_paused():
        flow = load_flow(name)
        for module in FIRST_CALL_IMPORTS:
            with suppress(ImportError):  # a warm-up only: a module a later Prefect moved is no error
                importlib.import_module(module)
    return flow, startup.serving(api)


def _inputs_likely_changed(settings: Settings) -> bool:
    """Whether this run will probably extract files: then the extraction workers and GX are started before
    the flow, while the embedded server boots (the flow body begins ~8-10 s in; a worker's imports ~0.7 CPU s).
    An unchanged re-run (no input newer than the warehouse file) starts neither; the flow starts what it
    needs either way, so a wrong guess costs time, never a result."""
    if settings.dask_address or settings.workers <= 1:
        return False  # extraction runs on the cluster, or in this process
    db = Path(settings.db_path)
    written = [p.stat().st_mtime for p in (db, Path(f"{db}.wal")) if p.exists()]
    if not written:
        return True  # a first run
    from presswatch.ingest.sources import changed_since

    try:
        return changed_since(settings.seeds_dir, max(written))
    except OSError:
        return False  # no seeds folder: the flow reports it


@app.command()
def run(
    seeds: Annotated[
        Path | None, typer.Option("--seeds", help="folder of input files (default: seeds/)")
    ] = None,
    db: DbOption = None,
    feed: Annotated[
        list[str] | None, typer.Option("--feed", help="an RSS/Atom feed URL to poll (repeatable)")
    ] = None,
    warc: Annotated[
        list[Path] | None, typer.Option("--warc", help="a WARC/ARC web archive to ingest (repeatable)")
    ] = None,
    no_feeds: Annotated[bool, typer.Option("--no-feeds", help="skip the feeds in seeds/feeds.yaml")] = False,
    no_summaries: Annotated[
        bool, typer.Option("--no-summaries", help="land only; skip the summary flows")
    ] = False,
    batch_size: Annotated[int | None, typer.Option(help="documents per Prefect task")] = None,
    workers: Annotated[int | None, typer.Option(help="extraction processes")] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="also show Prefect's task logs on the console")
    ] = False,
) -> None:
    """One Prefect flow run of the whole pipeline: discover, read, extract, validate, land, summarize."""
    # A malformed setting, or an archive that is not one, is reported before a flow run is created for it.
    settings = load_settings(seeds_dir=seeds, db_path=db, batch_size=batch_size, workers=workers)
    for path in warc or []:
        from presswatch.ingest.warc import is_archive_file  # only here: warcio (with fsspec) costs 0.13 s

        if not is_archive_file(path):
            err.print(f"{path}: not a WARC or ARC file (or not readable)")
            raise typer.Exit(2)
    likely_work = _inputs_likely_changed(settings)
    if likely_work:
        from presswatch.extract.pool import start_workers

        start_workers(settings.workers)  # their start-up runs while the server boots and the flows import
    ingest_flow, served = load_flow_served("ingest")
    if likely_work:
        from presswatch.validate.frames import prepare_in_background

        prepare_in_background(settings.expectations_dir)  # GX's import (~3.6 CPU s) while the server boots
    with served, showing_progress(console, verbose, settings.progress_interval_s):
        summary = ingest_flow(
            seeds_dir=str(seeds) if seeds else None,
            db_path=str(db) if db else None,
            feeds=feed or None,
            include_feeds=not no_feeds or bool(feed),
            summarize=not no_summaries,
            batch_size=batch_size,
            workers=workers,
            warcs=[str(p) for p in warc] if warc else None,
        )
    console.print(outcome_line(summary.counts) + f"  (warehouse {summary.db_path})")
    not_landed = [(s, o, d) for s, o, d in summary.outcomes if o in ("quarantined", "skipped")]
    if not_landed:
        console.print(table("Quarantined or skipped", ["input", "outcome", "reason"], not_landed))
    if not summary.balanced:
        rec = summary.reconciliation
        err.print(
            f"[bold red]UNBALANCED run[/]: {rec.get('inputs_discovered')} inputs discovered,"
            f" {rec.get('inputs_recorded')} recorded — see the run_reconciliation view"
        )
        raise typer.Exit(3)
    if summary.feeds:
        console.print(table("Feeds polled", ["feed", "status", "new entries", "error"], summary.feeds))
    console.print(table("Articles per outlet", ["outlet", "articles"], summary.per_outlet))
    if summary.summaries:
        console.print(summaries_table(summary.summaries))
    console.print(
        table(
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
    reprocess_flow, served = load_flow_served("reprocess")
    with served:
        summary = reprocess_flow(db_path=str(db) if db else None, limit=limit)
    c = summary.counts
    console.print(
        f"[bold]re-processed {c['inputs_seen']}[/]: {c['landed']} released to articles "
        f"({c['new']} new, {c['new_versions']} new versions), "
        f"{c['duplicates']} duplicates of known articles, {c['quarantined']} still quarantined"
    )
    still = [(s, d) for s, o, d in summary.outcomes if o == "quarantined"]
    if still:
        console.print(table("Still quarantined", ["input", "reason"], still))


@app.command()
def summarize(
    db: DbOption = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="recompute every aggregate whole, not only what new articles touch")
    ] = False,
) -> None:
    """Bring the summary tables up to date: volume, watchlist, terms, stories, figures, alerts."""
    summaries_flow, served = load_flow_served("summaries")
    with served:
        outcomes = summaries_flow(db_path=str(db) if db else None, rebuild=rebuild)
    console.print(summaries_table(outcomes))


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
