"""The store: one DuckDB file holding the canonical tables, reference tables,
the ingest log, the quarantine and the views.

``Store`` keeps no connection open between calls: each call opens the file in
the mode it needs (read-only for queries) and closes it, so several processes
can read the store when nobody writes, and a query can never modify it.

>>> import tempfile, pathlib
>>> store = open_store(pathlib.Path(tempfile.mkdtemp()) / "t.duckdb")
>>> store.sql("SELECT count(*) AS n FROM flows")["n"][0]
0
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from tradeflows.errors import ParameterError, QueryError, StoreError, StoreLockedError, StoreNotFoundError
from tradeflows.reference.countries import comtrade_code_table, country_table
from tradeflows.schema import FLOW_CODES, INGEST_COLUMNS, QUARANTINE_COLUMNS, create_table_sql
from tradeflows.store import dataset, layout, rollup, views, vintages
from tradeflows.store.interrupt import interruptible
from tradeflows.store.loader import IngestReport, ingest_files, load_frame
from tradeflows.store.parquet import export_parquet

# 2: table annual_cells, and the annual view that passes single-row figures through (store/rollup.py).
# 3: tables superseded and held, views standing and revisions (store/vintages.py).
# 4: rows in flow_rows, or a compact run's table flow_rows_run_N with run_constants; flows a view
#    (store/layout.py); standing names the runs a later run revised (store/vintages.py).
SCHEMA_VERSION = 4

_DDL = (
    create_table_sql("ingests", INGEST_COLUMNS),
    create_table_sql("quarantine", QUARANTINE_COLUMNS),
    "CREATE TABLE IF NOT EXISTS products (hs_version SMALLINT, hs_level TINYINT, hs VARCHAR, "
    "description VARCHAR, ingest_id INTEGER, PRIMARY KEY (hs_version, hs))",
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
)

# The views of a DuckDB store: the portable definitions (views.VIEWS_SQL, which Spark runs),
# with annual passing single-row figures through (store/rollup.py); standing is then written
# for the runs the store holds (vintages.standing_sql).
STORE_VIEWS_SQL: tuple[str, ...] = tuple(
    rollup.ANNUAL_SQL if sql is views.ANNUAL_SQL else sql for sql in views.VIEWS_SQL
)

ProgressCallback = Callable[[str, int, int], None]
_log = logging.getLogger(__name__)
_LOCK_POLL_SECONDS = 0.2
# Statements `sql` runs: queries only, also inside EXPLAIN [ANALYZE] (which runs what it
# explains). The connection is read-only as well, but COPY ... TO, ATTACH, EXPORT, INSTALL
# or SET would still write files or change the session; results are written with --output.
_QUERY_STATEMENTS = {duckdb.StatementType.SELECT}
# Every connection: nothing downloaded or loaded behind the user's back (a remote URL in a
# query, or a SQLite file as --db, would otherwise fetch and load an extension).
_CONNECT_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False,
                   "allow_community_extensions": False}  # fmt: skip
_DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file
# DuckDB's ways of saying a query needs an extension it did not load.
_NEEDS_EXTENSION = re.compile(r"requires the extension|exists in the \w+ extension|extension \S+ (is )?not (loaded|found)")


def _lock_holder(message: str) -> str:
    """' (PID n)' from DuckDB's lock message, when it names the process."""
    found = re.search(r"PID (\d+)", message)
    return f" (PID {found.group(1)})" if found else ""


def _check_query(query: str) -> None:
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as exc:
        message = str(exc).strip()
        raise QueryError(f"{message}\n{_hint(message)}") from None
    for statement in statements:
        if statement.type is duckdb.StatementType.EXPLAIN and (inner := _explained(statement.query)):
            _check_query(inner)
        elif statement.type not in _QUERY_STATEMENTS:
            kind = statement.type.name.replace("_", " ")
            raise QueryError(
                f"Refused a {kind} statement: `tradeflows sql` runs read-only queries (SELECT, WITH, FROM, "
                "DESCRIBE, SHOW, EXPLAIN) and never changes the store or writes files. Load data with "
                "`tradeflows ingest`; write a result with --format csv/json/parquet --output FILE."
            )


def _explained(text: str) -> str | None:
    """The statement an ``EXPLAIN [ANALYZE] [(options)]`` statement explains (and, with
    ANALYZE, runs), found with DuckDB's own tokenizer so comments cannot hide it.

    >>> _explained("/* x */ EXPLAIN ANALYZE (FORMAT json) COPY t TO 'f'")
    "COPY t TO 'f'"
    """
    tokens = [offset for offset, kind in duckdb.tokenize(text) if kind != duckdb.token_type.comment]
    words = [text[start:end].strip().upper() for start, end in zip(tokens, [*tokens[1:], len(text)], strict=True)]
    if not words or words[0] != "EXPLAIN":
        return None
    at = 1
    if at < len(words) and words[at] == "ANALYZE":
        at += 1
    if at < len(words) and words[at].startswith("("):
        depth = 0
        while at < len(words):
            depth += words[at].count("(") - words[at].count(")")
            at += 1
            if depth <= 0:
                break
    return text[tokens[at]:].strip() if at < len(tokens) else None


def _hint(message: str) -> str:
    if "Catalog Error" in message:
        return "Hint: `tradeflows tables` lists the tables and views, `tradeflows schema TABLE` their columns."
    if "read-only" in message.lower() or "read only" in message.lower():
        return "Hint: `tradeflows sql` is read-only; change the store with `tradeflows ingest`."
    if "Parser Error" in message:
        return "Hint: check the SQL syntax (DuckDB dialect); quote the whole query in the shell."
    if "Binder Error" in message:
        return "Hint: a column name may be misspelt; `tradeflows schema TABLE` lists the columns."
    return "Hint: see https://duckdb.org/docs/sql/introduction for DuckDB's SQL."


def _same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` are one file (a hard link included)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _check_database_file(path: Path) -> None:
    """Refuse a file that is not a DuckDB database before DuckDB reads it: given a SQLite
    file, DuckDB would reach for its sqlite extension."""
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError(f"Cannot open the store {path}: {exc.strerror or exc}") from None
    if head and head[8:12] != _DUCKDB_MAGIC:
        kind = "a SQLite database" if head.startswith(b"SQLite format") else "not a DuckDB database"
        raise StoreError(
            f"{path} is {kind}, not a tradeflows store (a DuckDB file). Give a store with --db, or create "
            "one with `tradeflows ingest FILE --db NEW.duckdb`."
        )


class Store:
    """A tradeflows store at ``path``. Create or open one with ``tradeflows.open``."""

    def __init__(self, path: Path | str, *, lock_timeout: float | None = None) -> None:
        self.path = Path(path)
        # How long to wait for another process that holds the store (env TRADEFLOWS_LOCK_TIMEOUT).
        if lock_timeout is None:
            lock_timeout = float(os.environ.get("TRADEFLOWS_LOCK_TIMEOUT", 10))
        self.lock_timeout = lock_timeout

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    # -- connections ---------------------------------------------------------------

    @contextmanager
    def connect(self, *, read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """A DuckDB connection to the store file, closed on exit.

        Read-only connections cannot change the store; a writer holds the file's
        lock, and a second writer gets ``StoreLockedError``.
        """
        if read_only and not self.path.exists():
            raise StoreNotFoundError(
                f"No store at {self.path}. Create one with `tradeflows ingest FILE --db {self.path}` "
                "or `tradeflows demo`."
            )
        con = self._open(read_only=read_only)
        try:
            with interruptible(con):
                yield con
        finally:
            con.close()

    def _open(self, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        """Open the file, waiting up to ``lock_timeout`` seconds while another process holds it.

        DuckDB lets one process write a store or several read it, never both at
        once: a reader meeting a writer (or a writer meeting anyone) retries until
        the other process is done, so it sees the store before or after an ingest
        run, never in between.
        """
        _check_database_file(self.path)
        deadline, warned = time.monotonic() + self.lock_timeout, False
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=read_only, config=_CONNECT_CONFIG)
                # DuckDB's own progress bar would draw over ours and clutter logs.
                con.execute("SET enable_progress_bar = false")
                return con
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise StoreError(f"Cannot open the store {self.path}: {exc}") from None
                holder = _lock_holder(str(exc))
                if time.monotonic() >= deadline:
                    raise StoreLockedError(
                        f"The store {self.path} is in use by another process{holder} that is writing to it; "
                        f"waited {self.lock_timeout:g} s. Try again when it has finished (an ingest commits "
                        "file by file), wait longer with TRADEFLOWS_LOCK_TIMEOUT=SECONDS, or use another --db."
                    ) from None
                if not warned:
                    _log.warning(
                        "The store %s is being written by another process%s; retrying for up to %g s ...",
                        self.path, holder, self.lock_timeout,
                    )
                    warned = True
                time.sleep(min(_LOCK_POLL_SECONDS, max(0.0, deadline - time.monotonic())))
            except duckdb.Error as exc:
                raise StoreError(f"Cannot open the store {self.path} (is it a DuckDB file?): {exc}") from None

    def initialise(self) -> None:
        """Create the tables, reference tables and views if they are missing."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect(read_only=False) as con:
            _initialise(con)

    # -- writing -------------------------------------------------------------------

    def ingest(
        self,
        paths: Iterable[Path | str],
        *,
        source: str | None = None,
        replace: bool = False,
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        """Load files into the store; each file is one transaction.

        A file whose sha256 is already in ``ingests`` is skipped unless
        ``replace`` is set, in which case its earlier rows are removed first.
        Of several files (a folder), one that no reader recognises is reported with
        status ``refused`` and its reason (``IngestReport.refused``); the others load.
        """
        with self.connect(read_only=False) as con:
            _upgrade(con)
            return ingest_files(con, [Path(p) for p in paths], source=source, replace=replace, progress=progress)

    def load_frame(self, frame: pl.DataFrame, *, source: str, label: str) -> IngestReport:
        """Load a canonical DataFrame (for example a synthetic world) as one ingest run."""
        with self.connect(read_only=False) as con:
            _upgrade(con)
            return load_frame(con, frame, source=source, label=label)

    def put_table(self, name: str, frame: pl.DataFrame) -> None:
        """Write ``frame`` as table ``name``, replacing it (side tables such as planted patterns)."""
        built_in = name in views.DOCS or name.startswith(layout.COMPACT_PREFIX)  # a run's table: store/layout.py
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or built_in:
            raise ParameterError(f"Table name {name!r}: expected lower-case letters, digits and _, not a built-in table")
        with self.connect(read_only=False) as con:
            con.register("__frame", frame.to_arrow())
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM __frame")
            con.unregister("__frame")

    # -- reading -------------------------------------------------------------------

    def sql(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pl.DataFrame:
        """Run a read-only query and return a polars DataFrame.

        Parameters go in ``params`` (``?`` or ``$name`` placeholders), never into
        the query text.
        """
        _check_query(query)
        with self.connect(read_only=True) as con:
            # Whatever the statement, the session cannot be changed: no SET, no extension
            # setting, from here on (the statement check above is the first line, this the second).
            con.execute("SET lock_configuration = true")
            try:
                relation = con.sql(query, params=params) if params else con.sql(query)
                return pl.DataFrame() if relation is None else relation.pl()
            except duckdb.InterruptException:
                raise KeyboardInterrupt from None
            except duckdb.Error as exc:
                message = str(exc).strip()
                if _NEEDS_EXTENSION.search(message):
                    # DuckDB's advice (INSTALL, SET autoinstall...) cannot apply here: the
                    # connection is locked.
                    raise QueryError(
                        f"{message.splitlines()[0].rstrip('.')}: `tradeflows sql` reads the store and local files only, and "
                        "installs or loads no extension. Download the file and read it by its local path."
                    ) from None
                raise QueryError(f"{message}\n{_hint(message)}") from None

    def flows(
        self,
        *,
        reporter: str | Sequence[str] | None = None,
        partner: str | Sequence[str] | None = None,
        flow: str | None = None,
        hs: str | Sequence[str] | None = None,
        years: int | tuple[int, int] | Sequence[int] | None = None,
        hs_level: int | None = None,
        annual: bool = True,
    ) -> pl.DataFrame:
        """The common filter without SQL: annual figures (or the monthly ``figures``).

        ``hs`` matches code prefixes; ``hs_level`` defaults to the length of the
        codes given, so HS4 totals and HS6 detail are never mixed.

        >>> store.flows(reporter="GEO", flow="X", hs="8703", years=(2021, 2023))  # doctest: +SKIP
        """
        where, params = [], []
        for column, value in (("reporter", reporter), ("partner", partner)):
            if value is not None:
                values = [value] if isinstance(value, str) else list(value)
                where.append(f"{column} IN ({', '.join('?' * len(values))})")
                params.extend(v.upper() for v in values)
        if flow is not None:
            if flow.upper() not in FLOW_CODES:
                raise ParameterError(f"flow={flow!r} is not a trade flow; expected one of {', '.join(FLOW_CODES)}")
            where.append("flow = ?")
            params.append(flow.upper())
        if hs is not None:
            codes = [hs] if isinstance(hs, str) else list(hs)
            bad = [c for c in codes if not re.fullmatch(r"\d{2}(\d{2}){0,2}", c)]
            if bad:
                raise ParameterError(f"hs={bad!r}: expected HS codes of 2, 4 or 6 digits as text, e.g. '8703'")
            where.append("(" + " OR ".join("starts_with(hs, ?)" for _ in codes) + ")")
            params.extend(codes)
            if hs_level is None:
                hs_level = max(len(c) for c in codes)
        if hs_level is not None:
            where.append("hs_level = ?")
            params.append(hs_level)
        if years is not None:
            if isinstance(years, int):
                years = (years, years)
            if isinstance(years, tuple) and len(years) == 2:
                where.append("year BETWEEN ? AND ?")
                params.extend(years)
            else:
                year_list = list(years)
                where.append(f"year IN ({', '.join('?' * len(year_list))})")
                params.extend(year_list)
        relation = "annual" if annual else "figures"
        order = "year, reporter, flow, hs, partner" if annual else "year, month, reporter, flow, hs, partner"
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return self.sql(f"SELECT * FROM {relation} {clause} ORDER BY {order}", params)

    def revisions(self, *, reporter: str | None = None, run: int | None = None, repeats: bool = False) -> pl.DataFrame:
        """What later files changed: each superseded figure with its old and new value, runs
        and files (view ``revisions``). ``repeats`` lists figures given again unchanged too;
        ``run`` keeps the revisions that run made or suffered.

        >>> import tempfile, pathlib
        >>> open_store(pathlib.Path(tempfile.mkdtemp()) / "r.duckdb").revisions().height
        0
        """
        where, params = ([] if repeats else ["changed"]), {}
        if reporter is not None:
            where.append("reporter = $reporter")
            params["reporter"] = reporter.upper()
        if run is not None:
            where.append("(old_run = $run OR new_run = $run)")
            params["run"] = run
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return self.sql(f"SELECT * FROM revisions {clause} ORDER BY new_run, old_run, source, reporter, flow, year, "
                        "month, partner, hs", params or None)  # fmt: skip

    def quarantine(self, *, ingest_id: int | None = None, file: str | Path | None = None) -> pl.DataFrame:
        """Rows that were not loaded, with file, line, column, value and the reason.

        ``file`` matches the full path or the file's name; ``ingest_id`` one run.

        >>> import tempfile, pathlib
        >>> open_store(pathlib.Path(tempfile.mkdtemp()) / "q.duckdb").quarantine(file="comtrade.csv").columns
        ['run', 'file', 'line', 'column', 'value', 'reason', 'raw']
        """
        where, params = [], []
        if ingest_id is not None:
            where.append("ingest_id = ?")
            params.append(ingest_id)
        if file is not None:
            where.append("(file = ? OR file LIKE ? ESCAPE '\\')")
            name = str(file).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.extend([str(Path(file).resolve()) if Path(file).exists() else str(file), f"%/{name}"])
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return self.sql(
            'SELECT ingest_id AS run, file, line, column_name AS "column", value, reason, raw '
            f"FROM quarantine {clause} ORDER BY ingest_id, line",
            params or None,
        )

    def check_output(self, path: Path | str, *, dataset_folder: bool = False) -> None:
        """Refuse to write ``path`` if that would overwrite the store: its file, its
        write-ahead log, its Parquet dataset (``NAME.parquet/``) or anything in it, or a folder
        holding the store. ``dataset_folder``: ``path`` is a dataset to write, and the store's
        own dataset is one (written again from the store)."""
        target, store = Path(path).resolve(), self.path.resolve()
        own = dataset.dataset_path(store)
        wal = store.with_name(store.name + ".wal")
        clash = (
            target in (store, wal) or _same_file(target, store)
            or (target.is_relative_to(own) and not (dataset_folder and target == own))
            or (dataset_folder and store.is_relative_to(target))
        )  # fmt: skip
        if clash:
            raise ParameterError(
                f"Refusing to write {path}: that would overwrite the store {self.path} "
                f"{'or its dataset ' if target.is_relative_to(own) else ''}(or what holds it). Give another path."
            )

    def export_parquet(self, path: Path | str) -> int:
        """Write every standing row of ``flows`` (superseded vintages left out) to one Parquet
        file in the canonical schema.

        Returns the number of rows. ``tradeflows ingest FILE.parquet`` loads such a
        file back, exactly (source and line kept; ingest_id is the new run's).
        """
        self.check_output(path)
        with self.connect(read_only=True) as con:
            return export_parquet(con, Path(path))

    def export_dataset(self, path: Path | str, *, partition_by: Sequence[str] = dataset.DEFAULT_PARTITION) -> int:
        """Write the store as a Parquet dataset partitioned by ``partition_by`` folders
        (hive style), which Spark, DuckDB and polars read; returns the rows of flows.

        See ``tradeflows.store.dataset`` for the layout; ``ingest_id`` is kept.
        """
        self.check_output(path, dataset_folder=True)
        with self.connect(read_only=True) as con:
            manifest = dataset.export_dataset(con, Path(path), partition_by=partition_by, store=str(self.path))
        return manifest["state"]["rows"]

    def current_dataset(self, path: Path | str | None = None) -> Path:
        """The store's dataset as the store is now: the one at ``path`` (default: beside the
        store, ``NAME.parquet/``) if its manifest matches the store, else written again."""
        target = dataset.dataset_path(self.path) if path is None else Path(path)
        with self.connect(read_only=True) as con:
            if not dataset.is_current(target, dataset.store_state(con)):
                _log.info("Writing the dataset %s from %s", target, self.path)
                dataset.export_dataset(con, target, store=str(self.path))
        return target

    def tables(self) -> pl.DataFrame:
        """The tables and views, with what each holds and how many rows."""
        rows = []
        with self.connect(read_only=True) as con:
            present = {name for (name,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            for name, (kind, description, _) in views.DOCS.items():
                if name not in present:
                    continue
                counted = kind == "table" or name == "flows"  # flows: the rows of both row tables
                count = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] if counted else None
                rows.append({"name": name, "kind": kind, "rows": count, "description": description})
        return pl.DataFrame(rows, schema={"name": pl.String, "kind": pl.String, "rows": pl.Int64, "description": pl.String})

    def schema(self, table: str | None = None) -> pl.DataFrame:
        """Columns of one table or view (or all), with their types and descriptions."""
        if table is not None and table not in views.DOCS:
            raise ParameterError(f"Unknown table {table!r}; expected one of: {', '.join(views.DOCS)}")
        frame = self.sql(
            "SELECT table_name AS \"table\", column_name AS \"column\", data_type AS type "
            "FROM information_schema.columns WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
        )
        frame = frame.filter(pl.col("table").is_in(list(views.DOCS) if table is None else [table]))
        docs = {(t, c): d for t, (_, _, cols) in views.DOCS.items() for c, d in cols.items()}
        docs |= {("ingests", c.name): c.description for c in INGEST_COLUMNS}
        docs |= {("quarantine", c.name): c.description for c in QUARANTINE_COLUMNS}
        return frame.with_columns(
            pl.struct("table", "column")
            .map_elements(lambda r: docs.get((r["table"], r["column"]), ""), return_dtype=pl.String)
            .alias("description")
        )


def _initialise(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("BEGIN")
    for ddl in _DDL:
        con.execute(ddl)
    for name, frame in (("countries", country_table()), ("comtrade_codes", comtrade_code_table())):
        con.register("__reference", frame.to_arrow())
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM __reference")
        con.unregister("__reference")
    layout.ensure(con)  # the flows view names countries through comtrade_codes
    rollup.ensure_cells(con)
    vintages.ensure_tables(con)
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
    for sql in STORE_VIEWS_SQL:
        con.execute(sql)
    vintages.write_standing(con)
    con.execute("COMMIT")


def _upgrade(con: duckdb.DuckDBPyConnection) -> None:
    """Bring a store written by an earlier version to this one before writing to it: its
    runs' ``annual_cells``, holdings and superseded figures recorded, the views as this
    version defines them."""
    found = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    if not found or int(found[0][0]) < SCHEMA_VERSION:
        _initialise(con)


def open_store(path: Path | str, *, create: bool = True) -> Store:
    """Open the store at ``path``, creating it (and its folder) if ``create`` is set."""
    store = Store(path)
    if not store.path.exists():
        if not create:
            raise StoreNotFoundError(f"No store at {store.path}")
        store.initialise()
    elif _version(store) < SCHEMA_VERSION:
        # The views and indicators of this version read tables an older store lacks (held,
        # superseded): bring it up to date now rather than at its next ingest.
        with store.connect(read_only=False) as con:
            _upgrade(con)
    return store


def _version(store: Store) -> int:
    with store.connect(read_only=True) as con:
        try:
            found = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        except duckdb.CatalogException:  # not a tradeflows store (yet): the caller's queries will say so
            return SCHEMA_VERSION
    return int(found[0][0]) if found else 0
