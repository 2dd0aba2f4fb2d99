"""Options shared by every command, declared once."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tradeflows.cli.output import OutputFormat

if TYPE_CHECKING:
    from tradeflows.engines import Engine

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


class EngineChoice(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


EngineOption = Annotated[
    EngineChoice,
    typer.Option(
        "--engine", case_sensitive=False,
        help="Where the SQL runs: duckdb on the store, or spark on its Parquet dataset (pip install "
        "'tradeflows\\[spark]'; the master comes from Spark's configuration or SPARK_MASTER).",
    ),
]  # fmt: skip
DatasetOption = Annotated[
    Path | None,
    typer.Option(
        "--dataset", file_okay=False,
        help="With --engine spark: a dataset folder from `tradeflows export DIR --partition year,reporter`, "
        "used as it is (default: the store's, rewritten beside it when the store has changed).",
    ),
]  # fmt: skip


def open_engine_for(db: Path, engine: EngineChoice, dataset: Path | None, *, keep_views: bool = False) -> Engine:
    """The engine a command runs on: DuckDB on ``db``, or Spark on ``dataset`` (or db's own dataset);
    ``keep_views``: DuckDB computes the views the command's queries read once (``DuckDBEngine``)."""
    from tradeflows.engines import open_engine
    from tradeflows.store import open_store

    store = None if engine is EngineChoice.spark and dataset is not None else open_store(db, create=False)
    return open_engine(engine.value, store=store, dataset=dataset, keep_views=keep_views)


class PartialChoice(StrEnum):
    like_for_like = "like_for_like"
    whole = "whole"
    annualise = "annualise"


PartialOption = Annotated[
    PartialChoice,
    typer.Option("--partial", help="A year a series holds in part (Georgia's 2023: Jan-Nov): like_for_like cuts "
                 "every year of the series to the months all hold; whole compares years as held; annualise "
                 "scales a short year by 12 / months."),
]  # fmt: skip
