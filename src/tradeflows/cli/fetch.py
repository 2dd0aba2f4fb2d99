"""`tradeflows fetch ...`: download from data APIs into data/raw/, resumably."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tradeflows.cli.output import console, err_console, render_table, visible
from tradeflows.errors import ParameterError
from tradeflows.periods import parse_years
from tradeflows.sources.fetch import DEFAULT_RAW_DIR, fetch_comtrade, plan_requests

app = typer.Typer(help="Download trade data from APIs into data/raw/ (resumable; nothing is fetched twice).",
                  no_args_is_help=True)


class Frequency(str, Enum):
    A = "A"
    M = "M"


def _basket_codes(name: str, definitions: Path | None) -> list[str]:
    """The HS codes of a built-in basket (chpl, computers ...) or of one in ``definitions``."""
    from tradeflows.reference.baskets import get_basket, load_baskets

    user = load_baskets(definitions) if definitions else {}
    basket = user.get(name) or get_basket(name)
    return list(dict.fromkeys(code.code for code in basket.codes))


def comtrade(
    reporter: Annotated[list[str], typer.Option("--reporter", "-r", help="Reporter, ISO3 (repeat for several).")],
    years: Annotated[str, typer.Option("--years", "-y", help="A year or a range, e.g. 2019-2024.")],
    partner: Annotated[
        str, typer.Option("--partner", "-p", help="Partner ISO3 codes, comma-separated (KAZ,KGZ), 'all' or 'world'.")
    ] = "all",
    cmd: Annotated[
        str | None, typer.Option("--cmd", "-c", help="HS codes, comma-separated (8471,8703), TOTAL or AG2/AG4/AG6.")
    ] = None,
    basket: Annotated[
        str | None,
        typer.Option("--basket", "-b", help="A basket's HS codes instead of --cmd: chpl, computers, cars ... "
                     "or one of yours from --definitions."),
    ] = None,
    definitions: Annotated[
        Path | None,
        typer.Option("--definitions", "-d", exists=True, dir_okay=False, help="TOML/YAML/CSV file with your baskets."),
    ] = None,
    flow: Annotated[
        str | None, typer.Option("--flow", "-f", help="X exports, M imports (or RX, RM; comma-separated); default all.")
    ] = None,
    freq: Annotated[Frequency, typer.Option("--freq", help="A annual or M monthly.")] = Frequency.A,
    raw_dir: Annotated[Path, typer.Option("--raw-dir", help="Where raw responses and the manifest go.")] = DEFAULT_RAW_DIR,
) -> None:
    """Fetch UN Comtrade data through its API (key in COMTRADE_API_KEY), one request per reporter and year.

    Raw JSON responses and a CSV of each are kept in --raw-dir with a manifest;
    requests already there are not fetched again. An answer the API capped is fetched
    again in parts (by period, code, partner, flow) until each is whole. Load the
    files with `tradeflows ingest`.

    Example:

        COMTRADE_API_KEY=... tradeflows fetch comtrade --reporter CHN --partner KAZ,KGZ --flow X --basket chpl --years 2019-2023 --freq M
    """
    if cmd is not None and basket is not None:
        raise ParameterError("Give --cmd or --basket, not both")
    codes = _basket_codes(basket, definitions) if basket is not None else ("TOTAL" if cmd is None else cmd)
    requests = plan_requests(reporter, partner=partner, cmd=codes, years=parse_years(years), freq=freq.value,
                             flow=flow)  # fmt: skip
    with Progress(
        TextColumn("fetch", style="bold"), TextColumn("{task.description}", markup=False), BarColumn(),
        MofNCompleteColumn(), TimeElapsedColumn(), console=err_console, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("", total=len(requests))

        def progress(name: str, done: int, total: int) -> None:
            bar.update(task, description=visible(name), completed=done, total=total)

        result = fetch_comtrade(requests, raw_dir=raw_dir, progress=progress)
    console.print(render_table(result, title="Comtrade"))
    fetched = result.filter(result["status"] == "fetched").height
    console.print(
        f"{fetched} request(s) fetched, {result.height - fetched} already in {raw_dir}; "
        f"{int(result['rows'].sum())} record(s). Load them with: tradeflows ingest {raw_dir}"
    )


COMMANDS = (comtrade,)
