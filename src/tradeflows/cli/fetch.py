"""`tradeflows fetch ...`: download from data APIs into data/raw/, resumably."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tradeflows.cli.output import console, err_console, render_table
from tradeflows.periods import parse_years
from tradeflows.sources.fetch import DEFAULT_RAW_DIR, fetch_comtrade, plan_requests

app = typer.Typer(help="Download trade data from APIs into data/raw/ (resumable; nothing is fetched twice).",
                  no_args_is_help=True)


class Frequency(str, Enum):
    A = "A"
    M = "M"


def comtrade(
    reporter: Annotated[list[str], typer.Option("--reporter", "-r", help="Reporter, ISO3 (repeat for several).")],
    years: Annotated[str, typer.Option("--years", "-y", help="A year or a range, e.g. 2019-2024.")],
    partner: Annotated[str, typer.Option("--partner", "-p", help="Partner ISO3, 'all' or 'world'.")] = "all",
    cmd: Annotated[str, typer.Option("--cmd", "-c", help="HS code(s), comma-separated, or TOTAL.")] = "TOTAL",
    freq: Annotated[Frequency, typer.Option("--freq", help="A annual or M monthly.")] = Frequency.A,
    raw_dir: Annotated[Path, typer.Option("--raw-dir", help="Where raw responses and the manifest go.")] = DEFAULT_RAW_DIR,
) -> None:
    """Fetch UN Comtrade data through its API (key in COMTRADE_API_KEY), one request per reporter and year.

    Raw JSON responses and a CSV of each are kept in --raw-dir with a manifest;
    requests already there are not fetched again. Load them with `tradeflows ingest`.

    Example:

        COMTRADE_API_KEY=... tradeflows fetch comtrade --reporter KAZ --partner all --cmd 8471 --years 2019-2024
    """
    requests = plan_requests(reporter, partner=partner, cmd=cmd, years=parse_years(years), freq=freq.value)
    with Progress(
        TextColumn("[bold]fetch[/bold] {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err_console, transient=True,
    ) as bar:
        task = bar.add_task("", total=len(requests))

        def progress(name: str, done: int, total: int) -> None:
            bar.update(task, description=name, completed=done, total=total)

        result = fetch_comtrade(requests, raw_dir=raw_dir, progress=progress)
    console.print(render_table(result, title="Comtrade"))
    fetched = result.filter(result["status"] == "fetched").height
    console.print(
        f"{fetched} request(s) fetched, {result.height - fetched} already in {raw_dir}; "
        f"{int(result['rows'].sum())} record(s). Load them with: tradeflows ingest {raw_dir}"
    )


COMMANDS = (comtrade,)
