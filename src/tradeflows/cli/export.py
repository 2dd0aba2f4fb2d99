"""`tradeflows export`: the flows table as one file in the canonical schema, or the whole
store as a partitioned Parquet dataset that Spark, DuckDB and polars read."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tradeflows.cli.common import DbOption
from tradeflows.cli.output import err_console
from tradeflows.errors import ParameterError


class ExportFormat(StrEnum):
    parquet = "parquet"


def export(
    db: DbOption,
    path: Annotated[
        Path | None, typer.Argument(help="The file to write (with --partition, the folder); or give --output.")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="The file to write.")] = None,
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="File format.")] = ExportFormat.parquet,
    partition: Annotated[
        str | None,
        typer.Option(
            "--partition",
            help="Write a dataset folder partitioned by these columns, e.g. year,reporter: flows in hive-style "
            "folders plus the side tables, for --engine spark, DuckDB's or polars' hive reading.",
        ),
    ] = None,
) -> None:
    """Write the flows table to one Parquet file in the canonical schema, or the store as a partitioned dataset.

    `tradeflows ingest FILE.parquet` loads the file back exactly (source and line kept). With
    --partition the folder holds flows/year=.../reporter=.../*.parquet (ingest_id kept), the
    ingests, countries, comtrade_codes and products tables, and a manifest.

    Example:

        tradeflows export --format parquet --output flows.parquet
        tradeflows export data/processed/flows-dataset --partition year,reporter
    """
    from tradeflows.store import open_store

    target = path or output
    if target is None:
        raise ParameterError("Give the file or folder to write: `tradeflows export PATH` or --output PATH")
    store = open_store(db, create=False)
    if partition is None:
        rows = store.export_parquet(target)
        err_console.print(f"Wrote {rows:,} row(s) of flows to {target}", soft_wrap=True)
        return
    columns = [c.strip() for c in partition.split(",") if c.strip()]
    rows = store.export_dataset(target, partition_by=columns)
    err_console.print(
        f"Wrote a dataset of {rows:,} row(s) of flows, partitioned by {', '.join(columns) or 'nothing'}, to {target}/ "
        f"(Spark: --engine spark --dataset {target}; DuckDB: read_parquet('{target}/flows/**/*.parquet', "
        "hive_partitioning = true); polars: scan_parquet with hive_partitioning=True)",
        soft_wrap=True,
    )
