"""The default engine: DuckDB on the store file itself."""

from __future__ import annotations

import re
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from tradeflows.errors import QueryError

if TYPE_CHECKING:
    from tradeflows.store import Store

# The views most queries read, often several times each (an indicator reads ``annual_hs4``, which
# reads ``annual`` twice, and ``figures`` month by month): kept as tables for one command's queries.
KEPT_VIEWS = ("figures", "annual")  # in the order they build on each other
# Up to this many rows in the store's tables a copy of the views costs less than reading them
# again in every query (a store of the shared files: 123,000 rows; the copy takes ~0.3 s).
KEEP_VIEWS_MAX_ROWS = 1_000_000


class DuckDBEngine:
    """Queries run by DuckDB on the store, read-only.

    With ``keep_views`` (one command's engine: ``open_engine(..., keep_views=True)``) the engine
    holds one connection for its queries, and a view of ``KEPT_VIEWS`` that a query reads more
    than once (through the views it reads: ``annual_hs4`` reads ``annual`` twice), or that an
    earlier query read, is kept as a temporary table of that connection: the same rows, computed
    once (on a store of up to ``KEEP_VIEWS_MAX_ROWS`` rows; a larger one reads the views as they
    are). ``cut(rows_sql)`` narrows that connection to some rows of ``flows`` (a report's
    basket: ``indicators.base.basket_rows_sql``): every view is then computed from them, so a
    batch of queries about one basket expands the views over a quarter of a store's rows, once.
    ``close()`` releases the connection.

    >>> import tempfile, pathlib, tradeflows
    >>> engine = DuckDBEngine(tradeflows.open(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb"))
    >>> engine.sql("SELECT count(*) AS n FROM annual")["n"][0]
    0
    """

    name = "duckdb"

    def __init__(self, store: Store, *, keep_views: bool = False) -> None:
        self.store = store
        self.keep_views = keep_views
        self._held: ExitStack | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._depends: dict[str, Counter[str]] | None = None  # each view: the views it reads, how often
        self._kept: set[str] = set()
        self._read: Counter[str] = Counter()  # the views the queries so far read

    def __repr__(self) -> str:
        return f"DuckDBEngine({str(self.store.path)!r})"

    @property
    def path(self) -> Path:
        return self.store.path

    def sql(self, query: str) -> pl.DataFrame:
        """Run ``query`` on the store; results are printed, so DuckDB's progress bar is kept off stdout."""
        if not self.keep_views:
            with self.store.connect(read_only=True) as con:
                return self._run(con, query)
        return self._run(self._connection(query), query)

    @staticmethod
    def _run(con: duckdb.DuckDBPyConnection, query: str) -> pl.DataFrame:
        con.execute("SET enable_progress_bar = false")
        try:
            # Through the Arrow stream interface: ``.pl()`` would import pyarrow (0.2 s a command).
            return pl.DataFrame(con.sql(query))
        except duckdb.Error as exc:  # a bug in a definition, or a store without the views: say which
            raise QueryError(f"The query failed on DuckDB: {str(exc).strip()}") from None

    def _connection(self, query: str) -> duckdb.DuckDBPyConnection:
        """The engine's one connection, with the views ``query`` reads more than once (or an
        earlier query read too) kept as tables."""
        con = self._connect()
        if self._depends is None:
            rows = con.execute("SELECT COALESCE(SUM(estimated_size), 0) FROM duckdb_tables() "
                               "WHERE NOT temporary").fetchall()  # fmt: skip
            # On a larger store every view is read as it is: a copy would cost more than the reads.
            self._depends = _view_depends(con) if rows[0][0] <= KEEP_VIEWS_MAX_ROWS else {}
        reads: Counter[str] = Counter()  # how many times the query reads each view, through the others
        todo = list(_mentions(query, self._depends).items())
        while todo:
            view, times = todo.pop()
            reads[view] += times
            if view not in self._kept:
                todo += [(v, times * n) for v, n in self._depends.get(view, {}).items()]
        for view in KEPT_VIEWS:
            if reads[view] and (reads[view] > 1 or self._read[view]) and view not in self._kept:
                # Built from the tables kept before it: annual from the kept figures.
                con.execute(f"CREATE TEMPORARY TABLE {view} AS SELECT * FROM main.{view}")
                self._kept.add(view)
        self._read.update(reads)
        return con

    def _connect(self) -> duckdb.DuckDBPyConnection:
        """The engine's one connection, opened on first use."""
        if self._con is None:
            self._held = ExitStack()
            self._con = self._held.enter_context(self.store.connect(read_only=True))
        return self._con

    def cut(self, rows_sql: str) -> None:
        """From now on answer from the rows of ``flows`` that ``rows_sql`` selects (``SELECT f.*
        FROM main.flows f WHERE ...``), every view computed from them; once per engine.

        A temporary table named ``flows`` holds them: DuckDB binds a name to the temporary
        schema first, inside the store's views too, so each query runs its own SQL text."""
        if not self.keep_views:
            raise QueryError("Only an engine that keeps one connection (keep_views=True) can be cut to some rows.")
        if "flows" in self._kept:
            raise QueryError("The engine is cut to some rows already; open another engine for other rows.")
        con = self._connect()
        for view in self._kept:  # computed from every row: computed again from the cut rows when read
            con.execute(f"DROP TABLE temp.{view}")
        con.execute(f"CREATE TEMPORARY TABLE flows AS {rows_sql}")
        # The cut rows are few whatever the store's size: the views its queries reuse are kept.
        self._depends = _view_depends(con)
        self._kept, self._read = {"flows"}, Counter()

    def close(self) -> None:
        """Release the connection (and the views kept in it)."""
        if self._held is not None:
            self._held.close()
        self._held, self._con, self._depends, self._kept, self._read = None, None, None, set(), Counter()

    def __enter__(self) -> DuckDBEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _view_depends(con: duckdb.DuckDBPyConnection) -> dict[str, Counter[str]]:
    """Each of the store's views: the views it reads, and how often."""
    views = dict(con.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal "
                             "AND NOT temporary").fetchall())  # fmt: skip
    return {v: _mentions(sql, views) - Counter([v]) for v, sql in views.items()}


def _mentions(text: str, names: dict[str, object]) -> Counter[str]:
    """How many times ``text`` names each of ``names`` as a word."""
    words = Counter(re.findall(r"[a-z_][a-z_0-9]*", text.lower()))
    return Counter({n: words[n.lower()] for n in names if words[n.lower()]})
