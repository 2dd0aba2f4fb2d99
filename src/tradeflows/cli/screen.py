"""`tradeflows screen`: where to look, every hub, sanctioned basket and target ranked as leads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tradeflows.cli.common import (
    DbOption,
    FormatOption,
    LimitOption,
    OutputOption,
    PartialChoice,
    PartialOption,
)
from tradeflows.cli.output import OutputFormat, console, err_console, write_result

SHOWN = ("rank", "lead", "since", "score", "hub", "target", "basket", "exports_ratio", "exports_rise_usd",
         "components_held")


def screen(
    db: DbOption,
    basket: Annotated[
        list[str] | None,
        typer.Option("--basket", "-b", help="Baskets to screen; repeat (default: cars, computers, smartphones, "
                     "uavs, chpl)."),
    ] = None,
    hubs: Annotated[str, typer.Option("--hubs", help="The hubs: ISO3 codes or a group.")] = "hubs",
    targets: Annotated[
        str | None,
        typer.Option("--targets", help="Targets (ISO3 codes, groups); default Russia, Belarus and the EAEU members "
                     "other than the hub."),
    ] = None,
    baseline: Annotated[str, typer.Option("--baseline", help="Baseline years, e.g. 2019-2021.")] = "2019-2021",
    after: Annotated[str, typer.Option("--after", help="After period, e.g. 2022-2024.")] = "2022-2024",
    partial: PartialOption = PartialChoice.like_for_like,
    min_ratio: Annotated[float, typer.Option(help="A lead's exports to the target rose at least this many times.")] = 1.5,
    min_usd: Annotated[float, typer.Option(help="... by at least this many USD a year.")] = 1e6,
    source: Annotated[str | None, typer.Option("--source", help="Only rows of this source.")] = None,
    since: Annotated[
        int | None,
        typer.Option("--since", help="An earlier ingest run: mark leads new or changed since the store stood there."),
    ] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the leads as a self-contained HTML page.")
    ] = None,
    reports: Annotated[
        int, typer.Option("--reports", help="With --html, write the route reports (one per hub and basket) of the top "
                          "leads beside it, at most N.", min=0)
    ] = 0,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    limit: LimitOption = 20,
) -> None:
    """Screen the store: every (hub, sanctioned basket, target) scored from the indicators and ranked as leads,
    each with its evidence, figures, caveats and the commands that reproduce it.

    Example:

        tradeflows screen --db shared.duckdb --html screen.html --reports 3 --since 1
    """
    from tradeflows.reports import build_report, write_report
    from tradeflows.reports.screen_page import write_screen
    from tradeflows.screen import SANCTIONED_BASKETS, flat, screen as run_screen
    from tradeflows.store import open_store

    store = open_store(db, create=False)
    if html is not None:  # the page, and its reports beside it, may not land on the store
        store.check_output(html)
        store.check_output(html.parent / "reports")
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True) as progress:  # fmt: skip
        task = progress.add_task("Screening…", total=None)

        def step(what: str, done: int, total: int) -> None:
            progress.update(task, description=f"Screening: {what}", completed=done, total=total)

        result = run_screen(store, baskets=basket or SANCTIONED_BASKETS, hubs=hubs, targets=targets,
                            baseline=baseline, after=after, min_ratio=min_ratio, min_usd=min_usd, source=source,
                            since=since, progress=step, partial=partial.value)  # fmt: skip
        if html is not None:
            progress.update(task, description="Writing the HTML page…", total=None)
            write_screen(result, html)
            tops = result.leads.filter("lead").unique(["report"], keep="first", maintain_order=True).head(reports)
            for row in tops.iter_rows(named=True):
                progress.update(task, description=f"Writing the report on {row['basket']} through {row['hub']}…")
                write_report(build_report(store, row["basket"], row["hub"], baseline=baseline),
                             html.parent / row["report"])  # fmt: skip
    leads = result.leads
    shown = leads.select(c for c in SHOWN if c in leads.columns) if fmt is OutputFormat.table else leads
    if fmt is not OutputFormat.json:
        shown = flat(shown)
    write_result(shown, fmt=fmt, output=output, limit=limit, db=db)
    if fmt is OutputFormat.table:  # the words, which a table column would fold beyond reading
        for row in leads.head(limit).filter("lead").iter_rows(named=True):
            console.print(f"{row['rank']}. {row['evidence']}", markup=False, highlight=False)
    for note in result.notes:
        err_console.print(note, markup=False, highlight=False)
    n = int(leads["lead"].sum()) if len(leads) else 0
    held = f" (held: {result.baseline_held or 'none'}, {result.after_held or 'none'})" if len(leads) else ""
    err_console.print(f"{n} lead(s) among {len(leads)} combination(s); baseline {result.baseline}, after "
                      f"{result.after} asked{held}; years held in part: {result.partial}"
                      + (f"; HTML page {html}" if html else ""), markup=False, highlight=False)  # fmt: skip
