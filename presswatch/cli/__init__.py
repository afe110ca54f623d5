"""The `presswatch` command: one typer app gathering the command modules of this package.

`main` launches the embedded Prefect server of a flow command (run, reprocess, summarize) before anything
heavy is imported: the server's boot is the longest step of a short run, and the command modules, typer's
parsing and the flows import in this process while it boots (flows/startup.py). `app` is built on first
use, so importing this package costs nothing else.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

# The commands that call flows (presswatch/cli/pipeline.py): they need a Prefect API.
FLOW_COMMANDS = frozenset({"run", "reprocess", "summarize"})
_app: typer.Typer | None = None


def build_app() -> typer.Typer:
    """The typer app with every command module's commands (built once)."""
    global _app
    if _app is None:
        import typer

        from presswatch.cli import desk, feeds, inspect, pipeline

        app = typer.Typer(
            add_completion=False, no_args_is_help=True, help="presswatch: media monitoring on Prefect + DuckDB."
        )
        for module in (pipeline, inspect, feeds, desk):
            app.registered_commands.extend(module.app.registered_commands)
            app.registered_groups.extend(module.app.registered_groups)
        _app = app
    return _app


def __getattr__(name: str) -> Any:
    if name == "app":
        return build_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def runs_a_flow(args: list[str]) -> bool:
    """Whether this command line calls a flow (and is not asking for help)."""
    return bool(args) and args[0] in FLOW_COMMANDS and not {"--help", "-h"} & set(args)


def main() -> int:
    if runs_a_flow(sys.argv[1:]):
        # 0.3 s earlier than from the command itself (typer, rich and the command modules import first).
        from presswatch.cli.paths import project_first

        project_first()
        from flows.startup import start_api_early

        start_api_early()
    from presswatch.cli.output import err
    from presswatch.settings import SettingsError

    try:
        build_app()()
    except SettingsError as exc:
        err.print(f"[red]setting error:[/] {exc}")
        return 2
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
