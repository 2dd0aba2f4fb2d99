"""`tradeflows quarantine`: the rows an ingest did not load, and why."""

from __future__ import annotations

from typing import Annotated

import typer

from tradeflows.cli.common import DbOption, FormatOption, LimitOption, OutputOption
from tradeflows.cli.output import OutputFormat, write_result


def quarantine(
    db: DbOption,
    file: Annotated[str | None, typer.Option("--file", help="Only this file (its name or full path).")] = None,
    run: Annotated[int | None, typer.Option("--run", help="Only this ingest run (see `tradeflows ingest`).")] = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    limit: LimitOption = 100,
) -> None:
    """Show the quarantined rows: file, line, column, value and the reason each was not loaded.

    Every row of an ingested file is either in the store or here: rows read = kept + quarantined.
    The raw column holds the whole line, for fixing and re-ingesting.

    Example:

        tradeflows quarantine --file vehicle_trade_armenia.csv --format csv --output rejected.csv
    """
    import polars as pl

    from tradeflows.store import open_store

    frame = open_store(db, create=False).quarantine(ingest_id=run, file=file)
    if fmt is OutputFormat.table:  # a terminal is narrow: the file's name, no raw line (files keep both)
        frame = frame.drop("raw").with_columns(pl.col("file").str.split("/").list.last())
    write_result(frame, fmt=fmt, output=output, title="Quarantine", limit=limit, db=db)
