"""What an engine is: something that runs the store's SQL definitions and returns polars.

Indicators and routes are SQL texts over the store's views (``figures``, ``annual``,
``annual_hs4``, ``mirror_pairs`` ...), written once in DuckDB's dialect. An engine runs
such a text where the data are: DuckDB on the store file (``DuckDBEngine``), or Spark on
the store's Parquet dataset with the views translated (``SparkEngine``).

Every function that takes a store takes an engine in its place (``growth(engine, ...)``,
``find_routes(engine, ...)``): they only call ``.sql(query)`` and name ``.path`` in messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

import polars as pl


@runtime_checkable
class Engine(Protocol):
    """Runs a query written in DuckDB's dialect over the store's tables and views."""

    name: str

    @property
    def path(self) -> Path:
        """The store the data come from (named in messages)."""
        ...

    def sql(self, query: str) -> pl.DataFrame:
        """Run one read-only query; the result as a polars DataFrame."""
        ...
