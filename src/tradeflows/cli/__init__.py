"""The `tradeflows` command line: a thin layer over the library.

Each command parses its arguments, calls one library function and renders the
result. A ``TradeflowsError`` becomes ``Error: ...`` on stderr and exit code 1;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import typer

from tradeflows.cli import demo, indicators, store_commands
from tradeflows.cli import export, quarantine
from tradeflows.cli import fetch as fetch_commands
from tradeflows.cli import routes as routes_commands
from tradeflows.cli import report as report_commands
from tradeflows.cli import screen as screen_commands
from tradeflows.cli.output import err_console
from tradeflows.errors import TradeflowsError

app = typer.Typer(
    name="tradeflows",
    help="Sanctions-circumvention trade-flow analytics: load trade statistics, query them, trace re-export routes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the library's errors into a one-line message and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except TradeflowsError as exc:
            err_console.print(f"Error: {exc}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err_console.print("Interrupted: nothing was committed by the unfinished step.", markup=False)
            raise typer.Exit(130) from None

    return wrapper


def register(target: typer.Typer, *commands: Callable[..., Any]) -> None:
    for command in commands:
        target.command(name=command.__name__.replace("_", "-"))(handle_errors(command))


register(
    app,
    store_commands.ingest,
    store_commands.sources,
    store_commands.sql,
    store_commands.tables,
    store_commands.schema,
    store_commands.coverage,
    store_commands.revisions,
    demo.demo,
)
register(app, quarantine.quarantine, export.export)
register(app, routes_commands.routes)
register(app, report_commands.report)
register(app, screen_commands.screen)
register(indicators.app, *indicators.COMMANDS)
app.add_typer(indicators.app, name="indicators")
register(fetch_commands.app, *fetch_commands.COMMANDS)
app.add_typer(fetch_commands.app, name="fetch")


def main() -> None:
    app()
