"""How the store keeps its rows, and the ``flows`` view that shows them as the canonical table.

A row holds what varies from row to row; what an ingest run's file states once for all its
rows is kept once, with the run. Two row tables:

- ``flow_rows``: every canonical column (as ``schema.FLOW_COLUMNS``), one row per figure.
  Files with monthly data, breakdowns, quantities or several flows (Comtrade, national
  tables, a canonical Parquet file) are written here.
- ``flow_rows_compact``: the columns that vary in a file like BACI's (line, year, the two
  countries as their Comtrade/M49 area numbers, the HS code, the value and the net weight
  as read, scaled), beside ``run_constants``, one row per run holding the source and every
  other canonical column, which the file fixes for all its rows (the flow, the HS revision
  and level, the partner basis; empty columns as NULL; FOB equal to the value where the
  reader says so). Writing the 13 constant or empty columns of a BACI file with each row
  cost more than parsing it (issue 16; benchmarks/README.md).

``flows`` is a view over both with exactly the canonical columns and types, so every
query, view, export and engine reads it as before. The area numbers are named through
``comtrade_codes`` (which holds every M49 code as well) in the view; a file is written
compact only if no two of its numbers name one country, so a figure's identity is the
same read either way. The rule that a zero quantity beside a value is unknown (``ingest.
final_columns``) is applied in the view to the compact rows, which keep the weight as read.
"""

from __future__ import annotations

import duckdb

from tradeflows.schema import FLOW_COLUMNS, create_table_sql

FULL_TABLE = "flow_rows"
COMPACT_TABLE = "flow_rows_compact"
CONSTANTS_TABLE = "run_constants"
ROW_TABLES = (FULL_TABLE, COMPACT_TABLE)

# The compact row: (column, type). Countries are area numbers (comtrade_codes.code).
COMPACT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("ingest_id", "INTEGER"), ("line", "BIGINT"), ("year", "SMALLINT"), ("reporter", "SMALLINT"),
    ("partner", "SMALLINT"), ("hs", "VARCHAR"), ("value_usd", "DOUBLE"), ("net_kg", "DOUBLE"),
)  # fmt: skip
_TYPES = {c.name: c.sql_type for c in FLOW_COLUMNS}
# Canonical columns a compact run holds once: every one the compact row lacks, but the
# measures the row gives (cif_usd/fob_usd equal value_usd where the reader reads them from the
# value's column; qty is never compact).
CONSTANT_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in FLOW_COLUMNS
    if c.name not in dict(COMPACT_COLUMNS) and c.name not in ("cif_usd", "fob_usd", "qty", "net_kg")
)  # fmt: skip
VALUE_ALIASES = ("cif_usd", "fob_usd")

DDL: tuple[str, ...] = (
    create_table_sql(FULL_TABLE, FLOW_COLUMNS),
    f"CREATE TABLE IF NOT EXISTS {COMPACT_TABLE} ("
    + ", ".join(f"{name} {kind}" for name, kind in COMPACT_COLUMNS) + ")",
    f"CREATE TABLE IF NOT EXISTS {CONSTANTS_TABLE} (ingest_id INTEGER PRIMARY KEY, "
    + ", ".join(f"{name} {_TYPES[name]}" for name in CONSTANT_COLUMNS if name != "ingest_id")
    + ", " + ", ".join(f"{name}_is_value BOOLEAN" for name in VALUE_ALIASES) + ")",
)  # fmt: skip


def _compact_select() -> str:
    """The compact rows as canonical columns, in the canonical order."""
    zero_weight = "(r.net_kg = 0 AND r.value_usd > 0)"
    given = {
        "ingest_id": "r.ingest_id", "line": "r.line", "year": "r.year", "hs": "r.hs", "value_usd": "r.value_usd",
        "reporter": "rc.iso3", "partner": "pc.iso3", "qty": "CAST(NULL AS DOUBLE)",
        "cif_usd": "CASE WHEN k.cif_usd_is_value THEN r.value_usd END",
        "fob_usd": "CASE WHEN k.fob_usd_is_value THEN r.value_usd END",
        # As the ingest query writes a reported zero beside a value: unknown, and flagged.
        "net_kg": f"CASE WHEN {zero_weight} THEN NULL ELSE r.net_kg END",
        "qty_flag": f"CASE WHEN {zero_weight} THEN 'zero_as_missing' ELSE k.qty_flag END",
    }  # fmt: skip
    columns = ", ".join(f"{given.get(c.name, 'k.' + c.name)} AS {c.name}" for c in FLOW_COLUMNS)
    return (
        f"SELECT {columns}\nFROM {COMPACT_TABLE} r JOIN {CONSTANTS_TABLE} k ON k.ingest_id = r.ingest_id\n"
        "JOIN comtrade_codes rc ON rc.code = r.reporter JOIN comtrade_codes pc ON pc.code = r.partner"
    )


FLOWS_VIEW_SQL = f"""
CREATE OR REPLACE VIEW flows AS
SELECT {", ".join(c.name for c in FLOW_COLUMNS)} FROM {FULL_TABLE}
UNION ALL
{_compact_select()}
"""


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
    con.execute(FLOWS_VIEW_SQL)


def forget(con: duckdb.DuckDBPyConnection, ingest_ids: list[int]) -> None:
    """Remove the rows of the given runs, and what their runs held once."""
    for table in (*ROW_TABLES, CONSTANTS_TABLE):
        con.execute(f"DELETE FROM {table} WHERE ingest_id IN (SELECT unnest(?))", [ingest_ids])
