"""`tradeflows report`: a self-contained route report for one hub and basket."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from tradeflows.cli.common import DbOption, PartialChoice, PartialOption
from tradeflows.cli.output import err_console, visible


class ReportFormat(StrEnum):
    html = "html"
    md = "md"


def report(
    db: DbOption,
    basket: Annotated[str, typer.Option("--basket", "-b", help="Basket name (cars, computers, chpl ...) or HS codes.")],
    hub: Annotated[str, typer.Option("--hub", help="The hub the report is about (ISO3), e.g. GEO.")],
    out: Annotated[Path, typer.Option("--out", help="File to write, e.g. report.html or report.md.")],
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="html (charts inline, opens offline) or md.")
    ] = ReportFormat.html,
    targets: Annotated[
        str | None,
        typer.Option(
            "--targets", help="Targets (ISO3 codes, groups); default Russia, Belarus and the other EAEU members."
        ),
    ] = None,
    years: Annotated[
        str | None, typer.Option("--years", help="Period: 2022-2023; default 2022 to the last year held for the hub.")
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option("--baseline", help="Baseline years, e.g. 2019-2021; default: the years of 2019-2021 held."),
    ] = None,
    origins: Annotated[
        str | None,
        typer.Option("--origins", help="Origins drawn (ISO3 codes, groups); default every origin, as the coalition, "
                     "China and the others."),
    ] = None,
    partial: PartialOption = PartialChoice.like_for_like,
    ingest: Annotated[
        list[Path] | None,
        typer.Option("--ingest", help="Load these files into the store first (a file already there is skipped)."),
    ] = None,
) -> None:
    """Write a route report for a hub and basket: headline, time series, Sankey diagram of the routes,
    indicators in plain words, methodology and provenance.

    The same store and arguments give the same file.

    Example:

        tradeflows report --basket cars --hub GEO --out report.html \
            --ingest ../shared/data/comtrade/vehicle_trade_georgia.csv --db georgia.duckdb
    """
    from tradeflows.reports import build_report, write_report
    from tradeflows.store import Store, open_store

    Store(db).check_output(out)
    with Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), TimeElapsedColumn(), console=err_console,
                  transient=True) as progress:  # fmt: skip
        task = progress.add_task("Opening the store…", total=None)
        store = open_store(db, create=bool(ingest))
        if ingest:
            progress.update(task, description=visible(f"Loading {len(ingest)} file(s) into {db}…"))
            store.ingest(ingest)
        progress.update(task, description="Valuing routes and running the indicators…")
        data = build_report(store, basket, hub, targets=targets, years=years, baseline=baseline,
                            origins=origins, partial=partial.value)  # fmt: skip
        progress.update(task, description=f"Rendering {fmt.value}…")
        path = write_report(data, out, fmt=fmt.value)
    err_console.print(f"Wrote the {fmt.value} report on {data.basket} through {data.hub_name} "
                      f"({len(data.routes)} routes shown) to {path}")  # fmt: skip
