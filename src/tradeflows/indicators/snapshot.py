"""The store's views read once for one basket, for a batch of queries about it (a report).

Every indicator and route leg reads ``figures``, ``annual`` and ``annual_hs4``, and each
query expands those views again over the whole store: over the shared files (120,000
rows) one expansion of ``annual_hs4`` costs half a second, and a report runs a dozen such
queries. A ``BasketSnapshot`` opens one read-only connection and copies the rows of
``flows`` with the basket's codes into a temporary table of the same name, then computes
``figures``, ``annual`` and ``annual_hs4`` from it, once each, into temporary tables of
their names. DuckDB binds a name in the temporary schema first, inside the views too, so
every query on the snapshot runs the library's own SQL text over the same rows. The views
keep a figure or drop it by comparing rows of the same HS code, so cutting the rows to the
basket's codes first changes no figure of those codes (tests/indicators/test_snapshot.py).

Only the basket's codes are in the snapshot: a query about other goods (a hub's imports of
all goods) must run on the store itself. ``held``, ``superseded``, ``ingests`` and the
reference tables are the store's own.

>>> import tempfile, pathlib, tradeflows
>>> from tradeflows.indicators.base import make_scope
>>> from tradeflows.indicators.testing import load_rows
>>> store = tradeflows.open(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
>>> load_rows(store, [dict(year=2021, reporter="GEO", partner="RUS", flow="X", hs="870323", value_usd=5.0),
...                   dict(year=2021, reporter="GEO", partner="RUS", flow="X", hs="300490", value_usd=7.0)])
>>> scope = make_scope(store, basket="cars", baseline=2020, after=2021)
>>> with BasketSnapshot(store, scope) as snapshot:
...     snapshot.sql("SELECT hs, value_usd FROM annual").rows()
[('870323', 5.0)]
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from tradeflows.errors import QueryError
from tradeflows.indicators.base import Scope, basket_cte

if TYPE_CHECKING:
    from tradeflows.store import Store

# In the order each is computed: the views over flows read the copy before.
SNAPSHOT_TABLES = ("flows", "figures", "annual", "annual_hs4")


def snapshot_sql(scope: Scope, table: str) -> str:
    """The statement that fills temporary table ``table``: ``flows`` cut to the rows of the
    scope's basket codes, each view computed from what precedes it."""
    if table != "flows":
        return f"CREATE TEMP TABLE {table} AS SELECT * FROM main.{table}"
    return (f"CREATE TEMP TABLE flows AS WITH {basket_cte(scope)}\nSELECT f.* FROM main.flows f\n"
            "WHERE EXISTS (SELECT 1 FROM p_basket b WHERE b.hs_version = f.hs_version "
            "AND left(f.hs, b.code_level) = b.code)")  # fmt: skip


class BasketSnapshot:
    """An engine (``tradeflows.engines.base.Engine``) over ``store`` on one read-only
    connection. Use as a context manager. Given ``scope`` (or once ``cut(scope)`` is called),
    it answers for that scope's basket, the views computed once; before, it is the store
    itself, so a command can resolve its scope and ask about other goods on the same
    connection first."""

    name = "duckdb"

    def __init__(self, store: Store, scope: Scope | None = None) -> None:
        self.store, self.scope = store, None
        self._pending = scope
        self._stack: ExitStack | None = None
        self._con: duckdb.DuckDBPyConnection | None = None

    @property
    def path(self) -> Path:
        return self.store.path

    def __repr__(self) -> str:
        basket = ", ".join(self.scope.basket_info) or "basket" if self.scope else "whole store"
        return f"BasketSnapshot({str(self.store.path)!r}, {basket})"

    def __enter__(self) -> BasketSnapshot:
        self._stack = ExitStack()
        self._con = self._stack.enter_context(self.store.connect(read_only=True))
        if self._pending is not None:
            self.cut(self._pending)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._stack is not None
        self._stack.close()
        self._con = self._stack = None

    def cut(self, scope: Scope) -> None:
        """From now on, answer for ``scope``'s basket only (once per snapshot)."""
        if self.scope is not None:
            raise QueryError("The snapshot is cut to a basket already; open another for another basket.")
        for table in SNAPSHOT_TABLES:
            self._connection().execute(snapshot_sql(scope, table))
        self.scope = scope

    def _connection(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            raise QueryError("The basket snapshot is closed: use it inside `with BasketSnapshot(store, scope)`.")
        return self._con

    def sql(self, query: str) -> pl.DataFrame:
        """Run one of the library's queries on the snapshot."""
        try:
            return self._connection().sql(query).pl()
        except duckdb.Error as exc:
            raise QueryError(f"The query failed on DuckDB: {str(exc).strip()}") from None
