"""Rendering results for the terminal or for files: one place for every command."""

from __future__ import annotations

import re
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tradeflows.errors import ParameterError

if TYPE_CHECKING:
    import polars as pl

# Control characters (an escape sequence recolours, moves or retitles the terminal) and the
# bidirectional overrides that make text read other than it is.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    r"""``text`` with every control character written out as an escape, so it shows, not acts.

    >>> visible("GEO\x1b[31m\r")
    'GEO\\x1b[31m\\r'
    """
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class SafeConsole(Console):
    """A console for text from files: no Rich markup is read in it (``[/]``, ``[bold]``,
    ``[excl. 8702]`` print as they are), and strings are printed ``visible``. Styling is
    given as ``Text`` objects, which say what they style."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(markup=False, highlight=False, **kwargs)

    def print(self, *objects: Any, **kwargs: Any) -> None:
        kwargs.pop("markup", None)
        super().print(*(visible(o) if isinstance(o, str) else o for o in objects), markup=False, **kwargs)


def styled(text: str, style: str) -> Text:
    """``text`` (from anywhere) in ``style``, markup never read."""
    return Text(visible(text), style=style)


console = SafeConsole()
err_console = SafeConsole(stderr=True)


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
    """``frame`` as a Rich table; every cell and name is plain text (``Text``), never markup."""
    table = Table(title=None if title is None else Text(visible(title)), show_lines=False, header_style="bold")
    shown = frame.head(limit)
    for name, dtype in frame.schema.items():
        # Numbers never wrap (a figure split over two lines is misread); short text such as
        # codes and periods keeps its width, and only long text folds.
        numeric = dtype.is_numeric()
        widest = max((len(_cell(v)) for v in shown[name]), default=0)
        table.add_column(
            Text(visible(name)), justify="right" if numeric else "left", overflow="fold", no_wrap=numeric, min_width=min(widest, 6)
        )
    for row in shown.iter_rows():
        table.add_row(*(Text(visible(_cell(v))) for v in row))
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
        err_console.print(styled(note, "dim"))
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
