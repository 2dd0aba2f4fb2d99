"""`tradeflows export`: the flows table as one file in the canonical schema."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tradeflows.cli.common import DbOption
from tradeflows.cli.output import err_console
from tradeflows.store import open_store


class ExportFormat(StrEnum):
    parquet = "parquet"


def export(
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write.")],
    db: DbOption,
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="File format.")] = ExportFormat.parquet,
) -> None:
    """Write every row of the flows table to one Parquet file in the canonical schema.

    `tradeflows ingest FILE.parquet` loads it back exactly (source and line kept).

    Example:

        tradeflows export --format parquet --output flows.parquet
    """
    rows = open_store(db, create=False).export_parquet(output)
    err_console.print(f"Wrote {rows:,} row(s) of flows to {output}", soft_wrap=True)
