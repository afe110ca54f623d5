"""The analyst's desk: `search`, `export`, `alerts` (list, ack, close, reopen) and `outlets`."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from presswatch.cli.output import DbOption, console, err, table
from presswatch.settings import load_settings

app = typer.Typer()
alerts_app = typer.Typer(help="List open alerts; `ack` / `close` / `reopen` change their status.")
app.add_typer(alerts_app, name="alerts")

DAYS_SHOWN = 31
JsonOption = Annotated[bool, typer.Option("--json", help="print the whole answer as JSON")]


def _db(db: Path | None) -> Path:
    path = db or load_settings().db_path
    if not Path(path).exists():
        err.print(f"no warehouse at {path}: run `presswatch run` first")
        raise typer.Exit(2)
    return Path(path)


def _day(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        err.print(f"{flag} takes a date as YYYY-MM-DD, got {value!r}")
        raise typer.Exit(2) from None


def _dump(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str, indent=1) + "\n")


def _print_answer(answer: dict[str, Any]) -> None:
    share = f" ({100 * answer['share']:.1f}% of {answer['articles']:,})" if answer["share"] is not None else ""
    console.print(f"[bold]{answer['matches']:,}[/] articles match [bold]{answer['query']}[/]{share};"
                  f" {answer['undated_matches']} undated. {answer['seconds']['total']} s")  # fmt: skip
    index = answer["index"]
    console.print(f"index: {index['keys_read']} posting lists read, {index['verified']:,} articles verified on their"
                  f" text, {index['outside_index']:,} outside the index (scanned)", style="dim")  # fmt: skip
    if answer["not_indexed"]:
        console.print(f"[yellow]{answer['not_indexed']:,} articles are not indexed yet: run `presswatch summarize`[/]")
    days = ([d for d in answer["by_day"] if d["matches"]] or answer["by_day"])[-DAYS_SHOWN:]
    console.print(table(f"Attention over time (last {DAYS_SHOWN} days with matches; --json has every day)",
                        ["day", "matches", "articles", "share"],
                        [(d["day"], d["matches"], d["articles"], f"{100 * d['share']:.1f}%") for d in days]))  # fmt: skip
    console.print(table("Top outlets", ["outlet", "region", "kind", "matches", "share of matches"],
                        [(o["outlet"], o["region"], o["kind"], o["matches"], f"{100 * o['share']:.1f}%")
                         for o in answer["top_outlets"]]))  # fmt: skip
    console.print(table("Distinctive terms (matches vs all articles of the period)", ["term", "z", "in matches", "in all"],
                        [(t["term"], t["z"], t["in_matches"], t["in_all"]) for t in answer["distinctive_terms"]]))  # fmt: skip
    console.rule("Latest matches")
    for r in answer["latest"]:
        console.print(f"[bold]{r['title']}[/] · {r['outlet']} · {r['day'] or 'undated'}", highlight=False)
        console.print(f"  {r['url'] or '(no URL)'}\n  {r['snippet']}", highlight=False, markup=False)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="saved-search language: AND, OR, NOT, ( ), \"phrases\"")],
    since: Annotated[str | None, typer.Option("--since", help="first publication day, YYYY-MM-DD")] = None,
    until: Annotated[str | None, typer.Option("--until", help="last publication day, YYYY-MM-DD")] = None,
    outlet: Annotated[str | None, typer.Option("--outlet", help="an outlet (any alias in the directory)")] = None,
    collection: Annotated[str | None, typer.Option("--collection", help="an outlet collection")] = None,
    language: Annotated[str | None, typer.Option("--language", help="zh, en ... (prefix of the tag)")] = None,
    csv: Annotated[Path | None, typer.Option("--csv", help="write the matching articles to this CSV")] = None,
    json_out: JsonOption = False,
    sample: Annotated[int, typer.Option("--sample", help="latest matches shown")] = 10,
    db: DbOption = None,
) -> None:
    """Search the warehouse now: matches, attention over time, top outlets, distinctive terms, samples."""
    import duckdb

    from presswatch.desk.search import Filters, SearchError, run_search, write_matches_csv
    from presswatch.store.db import connection
    from presswatch.summaries.searches import QuerySyntaxError

    filters = Filters(_day(since, "--since"), _day(until, "--until"), outlet, collection, language)
    with connection(_db(db), read_only=True) as con:
        try:
            answer = run_search(con, query, filters, sample=sample)
        except QuerySyntaxError as exc:
            err.print(f"query error: {exc}")
            raise typer.Exit(2) from exc
        except SearchError as exc:
            err.print(str(exc))
            raise typer.Exit(2) from exc
        except duckdb.CatalogException as exc:  # a warehouse from before the desk: no search_text yet
            err.print(f"this warehouse has no search index yet: run `presswatch summarize` ({exc})")
            raise typer.Exit(2) from exc
        if csv is not None:
            answer["csv"] = {"path": str(csv), "rows": write_matches_csv(con, csv)}
    if json_out:
        _dump(answer)
    else:
        _print_answer(answer)
        if csv is not None:
            console.print(f"{answer['csv']['rows']:,} matching articles written to {csv}")


@app.command()
def export(
    table_name: Annotated[str, typer.Argument(metavar="TABLE", help="articles | figures | stories | mentions | alerts")],
    fmt: Annotated[str, typer.Option("--format", help="parquet | csv")] = "parquet",
    out: Annotated[Path, typer.Option("--out", help="file (or folder: articles as Parquet)")] = Path("export"),
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace what is at --out")] = False,
    db: DbOption = None,
) -> None:
    """Export a table for pandas, polars, notebooks and BI tools (articles as Parquet: one folder per month)."""
    from presswatch.desk.export import ExportError, export_table, read_back_sql
    from presswatch.store.db import connection

    with connection(_db(db), read_only=True) as con:
        try:
            result = export_table(con, table_name, fmt, out, overwrite=overwrite)
        except ExportError as exc:
            err.print(str(exc))
            raise typer.Exit(2) from exc
    console.print(f"{result['rows']:,} rows of {table_name} written to {out}; read back with"
                  f" SELECT * FROM {read_back_sql(table_name, fmt, out)}")  # fmt: skip


def _alert_table(title: str, rows: list[dict[str, Any]], with_status: bool) -> Any:
    columns = ["id", "kind", "search", *(["status"] if with_status else []), "day", "title", "outlet"]
    out = table(title, columns, [
        (r["alert_id"][:10], r["kind"], r["search"], *([r["status"]] if with_status else []), r["day"] or "",
         r["title"] or f"{r['count']} matches", r["outlet"])
        for r in rows
    ])  # fmt: skip
    out.columns[0].no_wrap, out.columns[0].min_width = True, 10  # what `alerts ack ID` needs stays whole
    out.columns[2].no_wrap = True
    return out


@alerts_app.callback(invoke_without_command=True)
def alerts(
    ctx: typer.Context,
    search_name: Annotated[str | None, typer.Option("--search", help="only this saved search")] = None,
    all_: Annotated[bool, typer.Option("--all", help="acknowledged and closed alerts too")] = False,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List alerts (open ones unless --all), newest first."""
    if ctx.invoked_subcommand is not None:
        return
    from presswatch.desk.alerts import list_alerts
    from presswatch.store.db import connection

    with connection(_db(db), read_only=True) as con:
        rows = list_alerts(con, search_name, all_)
    if json_out:
        _dump(rows)
    else:
        title = f"{len(rows)} {'' if all_ else 'open '}alert(s)" + (f" of {search_name}" if search_name else "")
        console.print(_alert_table(title, rows, all_))


def _set_status(status: str, ids: list[str] | None, search_name: str | None, note: str | None, db: Path | None) -> None:
    from presswatch.desk.alerts import AlertError, set_status
    from presswatch.store.db import connection

    try:
        with connection(_db(db), timeout_s=load_settings().lock_timeout_s) as con:
            result = set_status(con, status, datetime.now(UTC), ids or (), search_name, note)
    except AlertError as exc:
        err.print(str(exc))
        raise typer.Exit(2) from exc
    console.print(f"{result['changed']} alert(s) now {status}; {result['unchanged']} unchanged (already so, or closed)")


IdsArgument = Annotated[list[str] | None, typer.Argument(help="alert ids (or unique prefixes of 6+ characters)")]
SearchOption = Annotated[str | None, typer.Option("--search", help="every alert of this saved search")]
NoteOption = Annotated[str | None, typer.Option("--note", help="why (kept with the alert)")]


@alerts_app.command("ack")
def ack(ids: IdsArgument = None, search_name: SearchOption = None, note: NoteOption = None, db: DbOption = None) -> None:
    """Acknowledge open alerts: seen; they leave the open list."""
    _set_status("acknowledged", ids, search_name, note, db)


@alerts_app.command("close")
def close(ids: IdsArgument = None, search_name: SearchOption = None, note: NoteOption = None, db: DbOption = None) -> None:
    """Close open or acknowledged alerts: dealt with."""
    _set_status("closed", ids, search_name, note, db)


@alerts_app.command("reopen")
def reopen(ids: IdsArgument = None, search_name: SearchOption = None, note: NoteOption = None, db: DbOption = None) -> None:
    """Put acknowledged or closed alerts back in the open list."""
    _set_status("open", ids, search_name, note, db)


@app.command()
def outlets(
    unknown: Annotated[bool, typer.Option("--unknown", help="outlet names seen but not in the directory")] = False,
    db: DbOption = None,
) -> None:
    """Articles per canonical outlet (region, kind), or with --unknown the names to add to seeds/outlets.yaml."""
    from presswatch.store.db import read_only_query

    sql = ("SELECT outlet, platform, example_host, articles FROM outlets_unknown" if unknown else
           "SELECT outlet_canonical, region, kind, count(*) AS articles, list(DISTINCT outlet) AS seen_as"
           " FROM summary_articles GROUP BY ALL ORDER BY articles DESC, outlet_canonical")  # fmt: skip
    columns, rows = read_only_query(_db(db), sql)
    console.print(table("Outlets not in the directory" if unknown else "Outlets", columns, rows))
