"""Commands over the store: ingest, sources, sql, tables, schema, coverage, revisions."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tradeflows.cli.common import DbOption, FormatOption, LimitOption, OutputOption
from tradeflows.cli.output import OutputFormat, console, err_console, render_table, visible, write_result
from tradeflows.errors import ParameterError
from tradeflows.sources import SOURCES, describe_sources

if TYPE_CHECKING:

    from tradeflows.store import IngestReport

SourceName = typer.Option(
    "--source",
    "-s",
    help=f"Reader to use ({', '.join(SOURCES)}), or the path of a column map (NAME.toml or .yaml, "
    "see README 'Column maps'); detected from the file's header or cells when omitted (tradeflows sources).",
)


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files, folders or glob patterns ('data/raw/*.csv').")],
    db: DbOption,
    source: Annotated[str | None, SourceName] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Reload files already in the store.")] = False,
) -> None:
    """Load trade files into the store, keeping every row or quarantining it with its reason.

    CSV, Excel (.xlsx, .xls) and Parquet files; each is read by the reader its header or
    cells identify, or by --source (a reader's name or a column map's path). A file
    already ingested (same sha256) is skipped unless --replace is given. Of several files
    (a folder), those no reader recognises are listed with the reason after the others
    are loaded, and the command exits with status 1.

    Example:

        tradeflows ingest ../shared/data/comtrade/ --db data/processed/tradeflows.duckdb

        tradeflows ingest my_table.csv --source my_map.toml
    """
    from tradeflows.store import open_store

    store = open_store(db)
    with Progress(
        TextColumn("ingest", style="bold"),
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)

        def progress(name: str, done: int, total: int) -> None:
            bar.update(task, description=visible(name), completed=done, total=total)

        report = store.ingest(paths, source=source, replace=replace, progress=progress)
    _print_report(report, db)
    if report.refused:
        for refused in report.refused:
            said = refused.note if Path(refused.file).name in refused.note else f"{refused.file}: {refused.note}"
            err_console.print(f"Not loaded: {said}", markup=False, highlight=False, soft_wrap=True)
        err_console.print(
            f"Error: {len(report.refused)} of {len(report.files)} file(s) not loaded (see above); the others were.",
            markup=False, highlight=False,
        )
        raise typer.Exit(1)


def sources(
    maps: Annotated[
        list[Path] | None, typer.Option("--maps", help="Folders whose column maps (*.toml, *.yaml) to list too.")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List the readers and column maps, and how ingest recognises each without --source.

    A reader is recognised by the columns of a file's header, or, for spreadsheets
    laid out for reading (Eurostat's data browser, national statistics workbooks), by
    cells on its sheets. A map file anywhere can be given to ingest --source.

    Example:

        tradeflows sources --maps my_maps/
    """
    write_result(describe_sources(maps), fmt=fmt, limit=500, title="Readers and column maps")


def _print_report(report: IngestReport, db: Path) -> None:
    import polars as pl

    frame = report.as_frame().select(
        pl.col("file").map_elements(lambda f: Path(f).name, return_dtype=pl.String),
        "status", pl.col("ingest_id").alias("run"), "source",
        pl.col("rows_read").alias("read"), pl.col("rows_kept").alias("kept"),
        pl.col("rows_quarantined").alias("quarantined"), "note",
    )
    console.print(render_table(frame, title="Ingest"))
    years = f"{report.years[0]}-{report.years[1]}" if report.years else "none"
    console.print(
        f"{len(report.files)} file(s): {report.rows_read:,} rows read, {report.rows_kept:,} kept, "
        f"{report.rows_quarantined:,} quarantined. Years {years}, {report.reporters} reporter(s), "
        f"{report.partners} partner(s), {report.products} product code(s). Store: {db}"
    )
    if report.rows_quarantined:
        console.print(f"See why with: tradeflows quarantine --db {db}")


# A number only as a number is written: 0101 (an HS chapter), +5, 1_000 or nan stay text.
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")


def _parse_param(text: str) -> tuple[str, object]:
    """``NAME=VALUE``: VALUE bound as an integer or a float when it is written as one, else as text.

    >>> _parse_param("h=0101"), _parse_param("y=2022"), _parse_param("v=1.5")
    (('h', '0101'), ('y', 2022), ('v', 1.5))
    """
    name, sep, value = text.partition("=")
    if not sep or not name.isidentifier():
        raise ParameterError(f"--param {text!r}: expected NAME=VALUE, e.g. --param hub=GEO (used as $hub)")
    if found := _NUMBER.fullmatch(value):
        return name, int(value) if found.group(2) is None and found.group(3) is None else float(value)
    return name, value


def sql(
    query: Annotated[str, typer.Argument(help="SQL in DuckDB's dialect; quote it for the shell.")],
    db: DbOption,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="NAME=VALUE bound to $NAME in the query (repeatable).")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    limit: LimitOption = 100,
) -> None:
    """Run a read-only SQL query against the store.

    Values are passed with --param, never pasted into the query.

    Example:

        tradeflows sql "SELECT year, sum(value_usd) FROM annual WHERE reporter = $r AND flow = 'X'
        AND hs = '8703' GROUP BY year ORDER BY year" --param r=GEO
    """
    from tradeflows.store import open_store

    params = dict(_parse_param(p) for p in param or [])
    frame = open_store(db, create=False).sql(query, params or None)
    write_result(frame, fmt=fmt, output=output, limit=limit, db=db)


def tables(db: DbOption) -> None:
    """List the tables and views of the store, with what each holds.

    Example:

        tradeflows tables
    """
    from tradeflows.store import open_store

    write_result(open_store(db, create=False).tables(), title=str(db))


def schema(
    db: DbOption,
    table: Annotated[str | None, typer.Argument(help="One table or view; all when omitted.")] = None,
    fmt: FormatOption = OutputFormat.table,
    limit: LimitOption = 500,
) -> None:
    """Show the columns of the tables and views, with their types and meaning.

    Example:

        tradeflows schema annual
    """
    from tradeflows.store import open_store

    write_result(open_store(db, create=False).schema(table), fmt=fmt, limit=limit)


class CoverageBy(StrEnum):
    reporter = "reporter"
    product = "product"


def coverage(
    db: DbOption,
    reporter: Annotated[str | None, typer.Option(help="Only this reporter (ISO3).")] = None,
    by: Annotated[
        CoverageBy,
        typer.Option("--by", help="reporter: reporter x year x flow; product: each series (reporter, flow, partner "
                     "basis, HS code) the files cover."),
    ] = CoverageBy.reporter,
    hs: Annotated[
        str | None, typer.Option("--hs", help="With --by product: codes starting with this, e.g. 8703.")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    limit: LimitOption = 200,
) -> None:
    """Show which reporters, years and flows the store holds, and which months: a missing
    month is missing data, not zero trade. --by product shows each series the files cover.

    Example:

        tradeflows coverage --reporter GEO --by product --hs 8703
    """
    from tradeflows.store import open_store

    where, params = [], {}
    if reporter:
        where.append("reporter = $r")
        params["r"] = reporter.upper()
    if by is CoverageBy.product:
        if hs:
            where.append("starts_with(hs, $hs)")
            params["hs"] = hs
        view, order = "coverage_by_product", "source, reporter, flow, partner_basis, hs_version, hs_level, hs, year"
    else:
        view, order = "coverage", "source, reporter, year, flow"
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    frame = open_store(db, create=False).sql(f"SELECT * FROM {view} {clause} ORDER BY {order}", params or None)
    write_result(frame, fmt=fmt, output=output, limit=limit, db=db)


def revisions(
    db: DbOption,
    reporter: Annotated[str | None, typer.Option(help="Only this reporter (ISO3).")] = None,
    run: Annotated[int | None, typer.Option(help="Only what this ingest run revised, or what revised it.")] = None,
    repeats: Annotated[bool, typer.Option("--repeats", help="List figures given again unchanged as well.")] = False,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    limit: LimitOption = 200,
) -> None:
    """List what later files changed: the same figure (source, reporter, partner, flow, period,
    HS code, mode, customs, partner basis) read again from a later file stands; the earlier
    is kept as superseded. Old value, new value, runs and files.

    Example:

        tradeflows revisions --reporter GEO
    """
    import polars as pl

    from tradeflows.store import open_store

    frame = open_store(db, create=False).revisions(reporter=reporter, run=run, repeats=repeats)
    if fmt is OutputFormat.table and output is None:  # a screen is narrow: the figure's key and the change
        frame = frame.select(
            "source", "reporter", "partner", "flow", "year", "month", "hs", "old_value_usd", "new_value_usd",
            "change_usd", "old_run", "new_run",
            *(pl.col(c).map_elements(lambda f: Path(f).name, return_dtype=pl.String) for c in ("old_file", "new_file")),
        )
    write_result(frame, fmt=fmt, output=output, limit=limit, db=db)
