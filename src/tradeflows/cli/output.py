"""Rendering results for the terminal or for files: one place for every command."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table

from tradeflows.errors import ParameterError

console = Console()
err_console = Console(stderr=True)


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def render_table(frame: pl.DataFrame, *, title: str | None = None, limit: int = 100) -> Table:
    table = Table(title=title, show_lines=False, header_style="bold")
    shown = frame.head(limit)
    for name, dtype in frame.schema.items():
        # Numbers never wrap (a figure split over two lines is misread); short text such as
        # codes and periods keeps its width, and only long text folds.
        numeric = dtype.is_numeric()
        widest = max((len(_cell(v)) for v in shown[name]), default=0)
        table.add_column(
            name, justify="right" if numeric else "left", overflow="fold", no_wrap=numeric, min_width=min(widest, 6)
        )
    for row in shown.iter_rows():
        table.add_row(*(_cell(v) for v in row))
    return table


def write_result(
    frame: pl.DataFrame,
    *,
    fmt: OutputFormat = OutputFormat.table,
    output: Path | None = None,
    title: str | None = None,
    limit: int = 100,
    db: Path | None = None,
) -> None:
    """Print ``frame`` as a table, or write it as CSV/JSON/Parquet to ``output`` (or stdout);
    ``output`` may not be the store ``db`` or its dataset."""
    if output is not None and db is not None:
        from tradeflows.store import Store

        Store(db).check_output(output)
    if fmt is OutputFormat.parquet and output is None:
        raise ParameterError("--format parquet needs --output FILE (Parquet is binary)")
    if fmt is OutputFormat.table:
        if output is not None:
            raise ParameterError("--output needs --format csv, json or parquet")
        console.print(render_table(frame, title=title, limit=limit))
        hidden = len(frame) - limit
        note = f"{len(frame):,} row(s)" + (f", first {limit} shown (use --limit or --format csv)" if hidden > 0 else "")
        err_console.print(f"[dim]{note}[/dim]")
        return
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
    if fmt is OutputFormat.csv:
        frame.write_csv(output) if output else sys.stdout.write(frame.write_csv())
    elif fmt is OutputFormat.json:
        frame.write_json(output) if output else sys.stdout.write(frame.write_json() + "\n")
    else:
        frame.write_parquet(output)
    if output is not None:
        err_console.print(f"Wrote {len(frame):,} row(s) to {output}")
