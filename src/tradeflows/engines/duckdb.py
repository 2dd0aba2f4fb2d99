"""The default engine: DuckDB on the store file itself."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from tradeflows.errors import QueryError

if TYPE_CHECKING:
    from tradeflows.store import Store


class DuckDBEngine:
    """Queries run by DuckDB on the store, read-only.

    >>> import tempfile, pathlib, tradeflows
    >>> engine = DuckDBEngine(tradeflows.open(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb"))
    >>> engine.sql("SELECT count(*) AS n FROM annual")["n"][0]
    0
    """

    name = "duckdb"

    def __init__(self, store: Store) -> None:
        self.store = store

    def __repr__(self) -> str:
        return f"DuckDBEngine({str(self.store.path)!r})"

    @property
    def path(self) -> Path:
        return self.store.path

    def sql(self, query: str) -> pl.DataFrame:
        """Run ``query`` on the store; results are printed, so DuckDB's progress bar is kept off stdout."""
        with self.store.connect(read_only=True) as con:
            con.execute("SET enable_progress_bar = false")
            try:
                return con.sql(query).pl()
            except duckdb.Error as exc:  # a bug in a definition, or a store without the views: say which
                raise QueryError(f"The query failed on DuckDB: {str(exc).strip()}") from None
