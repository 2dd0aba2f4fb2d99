"""How the store keeps its rows, and the ``flows`` view that shows them as the canonical table.

A row holds what varies from row to row; what an ingest run's file states once for all its
rows is kept once, with the run. Two row tables:

- ``flow_rows``: every canonical column (as ``schema.FLOW_COLUMNS``), one row per figure.
  Files with monthly data, breakdowns, quantities or several flows (Comtrade, national
  tables, a canonical Parquet file) are written here.
- ``flow_rows_run_N``, one table per *compact* run N: the columns that vary in a file like
  BACI's (year, the two countries as their Comtrade/M49 area numbers, the HS code, the
  value and the net weight as read, scaled), in file order, so that a row's line is its
  place in the table; beside ``run_constants``, one row per compact run holding the source
  and every other canonical column, which the file fixes for all its rows (the flow, the
  HS revision and level, the partner basis; empty columns as NULL; FOB equal to the value
  where the reader says so). Writing the 13 constant or empty columns of a BACI file with
  each row cost more than parsing it, and numbering the lines through a temporary table
  as much again (issue 16; benchmarks/README.md).

``flows`` is a view over them with exactly the canonical columns and types, so every
query, view, export and engine reads it as before; it is written again whenever a compact
run comes or goes, with each run's constants as literals. The area numbers are named through
``comtrade_codes`` (which holds every M49 code as well) in the view; a file is written
compact only if no two of its numbers name one country, so a figure's identity is the
same read either way. The rule that a zero quantity beside a value is unknown (``plan.
final_columns``) is applied in the view to the compact rows, which keep the weight as read.
"""

from __future__ import annotations

import duckdb

from tradeflows.schema import FLOW_COLUMNS, create_table_sql
from tradeflows.store.plan import quote_literal

FULL_TABLE = "flow_rows"
COMPACT_PREFIX = "flow_rows_run_"  # + the run's ingest id: one table per compact run
CONSTANTS_TABLE = "run_constants"

# A compact run's row: (column, type). Countries are area numbers (comtrade_codes.code). The
# run is its table; a row's line is its place in the table (rowid + 2: the header is line 1),
# which never changes, since rows are never deleted from a run's table (the run's table is
# dropped whole when the run is forgotten).
COMPACT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("year", "SMALLINT"), ("reporter", "SMALLINT"), ("partner", "SMALLINT"), ("hs", "VARCHAR"),
    ("value_usd", "DOUBLE"), ("net_kg", "DOUBLE"),
)  # fmt: skip
_TYPES = {c.name: c.sql_type for c in FLOW_COLUMNS}
# Canonical columns a compact run holds once: every one its rows lack, but the measures the
# row gives (cif_usd/fob_usd equal value_usd where the reader reads them from the value's
# column; qty is never compact) and the line.
CONSTANT_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in FLOW_COLUMNS
    if c.name not in dict(COMPACT_COLUMNS) and c.name not in ("line", "cif_usd", "fob_usd", "qty", "net_kg")
)  # fmt: skip
VALUE_ALIASES = ("cif_usd", "fob_usd")

DDL: tuple[str, ...] = (
    create_table_sql(FULL_TABLE, FLOW_COLUMNS),
    f"CREATE TABLE IF NOT EXISTS {CONSTANTS_TABLE} (ingest_id INTEGER PRIMARY KEY, "
    + ", ".join(f"{name} {_TYPES[name]}" for name in CONSTANT_COLUMNS if name != "ingest_id")
    + ", " + ", ".join(f"{name}_is_value BOOLEAN" for name in VALUE_ALIASES) + ")",
)  # fmt: skip


def compact_table(ingest_id: int) -> str:
    return f"{COMPACT_PREFIX}{int(ingest_id)}"


def compact_table_sql(ingest_id: int, rows_sql: str) -> str:
    """The statement creating run ``ingest_id``'s table from ``rows_sql`` (its compact columns, in order)."""
    return f"CREATE TABLE {compact_table(ingest_id)} AS {rows_sql}"


def compact_runs(con: duckdb.DuckDBPyConnection, ingest_ids: list[int] | None = None) -> list[int]:
    """The compact runs (all, or those among ``ingest_ids``)."""
    found = con.execute(f"SELECT ingest_id FROM {CONSTANTS_TABLE} ORDER BY ingest_id").fetchall()
    return [run for (run,) in found if ingest_ids is None or run in ingest_ids]


def compact_rows(runs: list[int]) -> str:
    """The rows of the given compact runs as stored (ingest_id, line and the compact columns),
    a relation for ``FROM``."""
    names = ", ".join(name for name, _ in COMPACT_COLUMNS)
    empty = ", ".join(f"CAST(NULL AS {kind}) AS {name}" for name, kind in COMPACT_COLUMNS)
    parts = [f"SELECT {run} AS ingest_id, rowid + 2 AS line, {names} FROM {compact_table(run)}" for run in runs]
    parts = parts or [f"SELECT CAST(NULL AS INTEGER) AS ingest_id, CAST(NULL AS BIGINT) AS line, {empty} WHERE false"]
    return "(" + " UNION ALL ".join(parts) + ")"


def _compact_select(run: int, constants: dict[str, object]) -> str:
    """Run ``run``'s rows as canonical columns, in the canonical order, its constants as literals."""
    zero_weight = "(r.net_kg = 0 AND r.value_usd > 0)"

    def constant(name: str) -> str:
        return f"CAST({quote_literal(constants[name])} AS {_TYPES[name]})"

    given = {
        "ingest_id": f"CAST({run} AS INTEGER)", "line": "CAST(r.rowid + 2 AS BIGINT)", "year": "r.year",
        "hs": "r.hs", "value_usd": "r.value_usd", "reporter": "rc.iso3", "partner": "pc.iso3",
        "qty": "CAST(NULL AS DOUBLE)",
        "cif_usd": "r.value_usd" if constants["cif_usd_is_value"] else "CAST(NULL AS DOUBLE)",
        "fob_usd": "r.value_usd" if constants["fob_usd_is_value"] else "CAST(NULL AS DOUBLE)",
        # As the ingest query writes a reported zero beside a value: unknown, and flagged.
        "net_kg": f"CASE WHEN {zero_weight} THEN NULL ELSE r.net_kg END",
        "qty_flag": f"CASE WHEN {zero_weight} THEN 'zero_as_missing' ELSE {constant('qty_flag')} END",
    }  # fmt: skip
    columns = ", ".join(f"{given.get(c.name) or constant(c.name)} AS {c.name}" for c in FLOW_COLUMNS)
    return (
        f"SELECT {columns}\nFROM {compact_table(run)} r\n"
        "JOIN comtrade_codes rc ON rc.code = r.reporter JOIN comtrade_codes pc ON pc.code = r.partner"
    )


def flows_view_sql(con: duckdb.DuckDBPyConnection) -> str:
    """``flows``: the full rows, and each compact run's rows with its constants."""
    found = con.execute(f"SELECT * FROM {CONSTANTS_TABLE} ORDER BY ingest_id")
    names = [d[0] for d in found.description]
    branches = [f"SELECT {', '.join(c.name for c in FLOW_COLUMNS)} FROM {FULL_TABLE}"]
    branches += [_compact_select(row[0], dict(zip(names, row, strict=True))) for row in found.fetchall()]
    return "CREATE OR REPLACE VIEW flows AS\n" + "\nUNION ALL\n".join(branches)


def run_values_sql(column: str, compact: list[int]) -> str:
    """The distinct values of canonical column ``column`` (year, reporter, partner or hs) in the
    rows of the runs listed in parameter ``$runs`` (``compact``: those of them that are compact,
    read as stored, then named)."""
    runs = "ingest_id IN (SELECT unnest($runs))"
    stored = f"SELECT DISTINCT {column} AS v FROM {compact_rows(compact)}"
    if column in ("reporter", "partner"):
        stored = f"SELECT c.iso3 AS v FROM ({stored}) d JOIN comtrade_codes c ON c.code = d.v"
    return f"SELECT DISTINCT {column} AS v FROM {FULL_TABLE} WHERE {runs} UNION {stored}"


def is_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "SELECT 1 FROM duckdb_tables() WHERE database_name = current_database() AND table_name = ?", [name]
    ).fetchall()
    return bool(found)


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """The row tables and the ``flows`` view. A store of an earlier version, whose ``flows``
    is the table of every canonical column, keeps its rows as they are: that table becomes
    ``flow_rows`` (a rename, so every figure, line and run stays exactly as it was)."""
    if is_table(con, "flows"):
        con.execute(f"ALTER TABLE flows RENAME TO {FULL_TABLE}")
    for ddl in DDL:
        con.execute(ddl)
    con.execute(flows_view_sql(con))


def forget(con: duckdb.DuckDBPyConnection, ingest_ids: list[int]) -> None:
    """Remove the rows of the given runs, and what their runs held once."""
    for run in compact_runs(con, ingest_ids):
        con.execute(f"DROP TABLE {compact_table(run)}")
    for table in (FULL_TABLE, CONSTANTS_TABLE):
        con.execute(f"DELETE FROM {table} WHERE ingest_id IN (SELECT unnest(?))", [ingest_ids])
    con.execute(flows_view_sql(con))
