"""`presswatch feeds`: feed health (the default) and `feeds discover URL` (a site's feeds and sitemaps)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from presswatch.cli.output import DbOption, console, err, table
from presswatch.settings import load_settings

app = typer.Typer()
feeds_app = typer.Typer(
    help="Feeds: per-feed health (default), discovery of a site's feeds.", invoke_without_command=True
)
app.add_typer(feeds_app, name="feeds")


def _health(db: DbOption) -> None:
    from pathlib import Path

    from presswatch.store.db import read_only_query

    path = db or load_settings().db_path
    if not Path(path).exists():
        err.print(f"no warehouse at {path}: run `presswatch run` first")
        raise typer.Exit(2)
    columns, rows = read_only_query(path, "SELECT * FROM feed_health")
    console.print(table("Feed health", columns, rows))


@feeds_app.callback()
def feeds(ctx: typer.Context, db: DbOption = None) -> None:
    """Per-feed health: last success, last error, consecutive failures, new entries, silent feeds,
    adaptive polling interval. `presswatch feeds discover URL` finds a site's feeds."""
    if ctx.invoked_subcommand is None:
        _health(db)


@feeds_app.command()
def health(db: DbOption = None) -> None:
    """Per-feed health (same as `presswatch feeds`)."""
    _health(db)


@feeds_app.command()
def discover(
    url: Annotated[str, typer.Argument(help="the site's home page, http(s)")],
    all_paths: Annotated[
        bool, typer.Option("--all-paths", help="also try the common paths when the page links feeds")
    ] = False,
) -> None:
    """List a site's feeds and sitemaps (page links, robots.txt Sitemap: lines, common paths), each
    checked by parsing it, and print a feeds.yaml snippet for those that work."""
    from presswatch.ingest.discovery import discover as run_discovery
    from presswatch.ingest.discovery import yaml_snippet
    from presswatch.ingest.fetch import Fetcher, FetchPolicy

    with Fetcher(FetchPolicy.from_settings(load_settings())) as fetcher:
        found = run_discovery(fetcher, url, all_paths=all_paths)
    if found.error:
        err.print(f"home page {url}: {found.error}")
    rows = [
        (c.url, c.found_by, c.kind or "-", c.title, c.entries, c.newest, c.error) for c in found.candidates
    ]
    columns = ["url", "found by", "kind", "title", "entries", "newest entry", "problem"]
    console.print(table(f"{len(found.feeds)} feed(s) found for {url}", columns, rows))
    # Plain stdout, not rich: the snippet must paste as it is.
    sys.stdout.write("\n# paste under `feeds:` in seeds/feeds.yaml\n" + yaml_snippet(found))
    raise typer.Exit(0 if found.feeds else 1)
