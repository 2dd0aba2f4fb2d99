"""Options shared by every command, declared once."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from tradeflows.cli.output import OutputFormat

DEFAULT_DB = Path("data/processed/tradeflows.duckdb")


def default_db() -> Path:
    return Path(os.environ.get("TRADEFLOWS_DB", DEFAULT_DB))


DbOption = Annotated[
    Path,
    typer.Option(
        "--db",
        help="The store file (env TRADEFLOWS_DB; default data/processed/tradeflows.duckdb).",
        default_factory=default_db,
        show_default=False,
    ),
]
FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="How to print the result.", case_sensitive=False)
]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the result to this file (csv, json, parquet).")
]
LimitOption = Annotated[int, typer.Option("--limit", help="Rows shown in a table (files get every row).", min=1)]
