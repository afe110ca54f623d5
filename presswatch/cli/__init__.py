"""The `presswatch` command: one typer app gathering the command modules of this package."""

from __future__ import annotations

import typer

from presswatch.cli import desk, feeds, inspect, pipeline
from presswatch.settings import SettingsError

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="presswatch: media monitoring on Prefect + DuckDB."
)
for _module in (pipeline, inspect, feeds, desk):
    app.registered_commands.extend(_module.app.registered_commands)
    app.registered_groups.extend(_module.app.registered_groups)


def main() -> int:
    from presswatch.cli.output import err

    try:
        app()
    except SettingsError as exc:
        err.print(f"[red]setting error:[/] {exc}")
        return 2
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
