"""The canonical flows table: one row per reported figure, as DESIGN.md defines it.

Every reader maps its columns onto ``FLOW_COLUMNS``; the store creates its
tables from the same list, and ``tradeflows schema`` prints the descriptions
kept here, so the schema is written down exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    description: str
    nullable: bool = True

    @property
    def polars_type(self) -> pl.DataType:
        import polars as pl

        return getattr(pl, _POLARS_TYPES[self.sql_type])()


# Polars' type names, not its types: the schema loads without polars (the CLI starts faster).
_POLARS_TYPES: dict[str, str] = {
    "VARCHAR": "String",
    "INTEGER": "Int32",
    "SMALLINT": "Int16",
    "TINYINT": "Int8",
    "BIGINT": "Int64",
    "DOUBLE": "Float64",
    "BOOLEAN": "Boolean",
}

# Codes for "this row is the total over that breakdown". Sums must use either the
# total row or the breakdown rows, never both (see the `figures` view).
TOTAL_MODE = "TOTAL"
TOTAL_CUSTOMS = "C00"
WORLD = "WLD"

# Freight and insurance as a share of the FOB value: imports (CIF) are brought to FOB by
# dividing by 1 + CIF_MARGIN where a figure has no FOB value of its own. An assumption,
# stated wherever it is used (mirror gap, route legs); the synthetic world plants 5%.
CIF_MARGIN = 0.05

FLOW_CODES: dict[str, str] = {
    "X": "export",
    "M": "import",
    "RX": "re-export",
    "RM": "re-import",
}

HS_VERSIONS: tuple[int, ...] = (1992, 1996, 2002, 2007, 2012, 2017, 2022)
HS_LEVELS: tuple[int, ...] = (2, 4, 6)
PARTNER_BASES: tuple[str, ...] = ("origin", "consignment", "destination")

FLOW_COLUMNS: tuple[Column, ...] = (
    Column("source", "VARCHAR", "Where the figure comes from: comtrade, baci, eurostat, national, csv, synthetic", False),
    Column("ingest_id", "INTEGER", "The ingest run that wrote the row (see table ingests: file, sha256, row counts)", False),
    Column("line", "BIGINT", "Line of the source file the row was read from (header = line 1)"),
    Column("year", "SMALLINT", "Reference year", False),
    Column("month", "TINYINT", "Reference month 1-12; NULL for annual data"),
    Column("reporter", "VARCHAR", "Reporting country, ISO3", False),
    Column("partner", "VARCHAR", "Partner country, ISO3; WLD for world totals, S19 Other Asia nes, _X areas nes", False),
    Column("partner2", "VARCHAR", "Second partner (country of consignment in Comtrade); WLD where the row is the total over it"),
    Column("flow", "VARCHAR", "X export, M import, RX re-export, RM re-import", False),
    Column("hs_version", "SMALLINT", "HS revision of the code: 2012, 2017, 2022 ... (inferred from the year where the source does not say)", False),
    Column("hs_level", "TINYINT", "Digits in the HS code: 2, 4 or 6", False),
    Column("hs", "VARCHAR", "HS code, zero-padded text ('010121', never 10121)", False),
    Column("value_usd", "DOUBLE", "Primary trade value in US dollars", False),
    Column("cif_usd", "DOUBLE", "CIF value in US dollars, where the source gives it"),
    Column("fob_usd", "DOUBLE", "FOB value in US dollars, where the source gives it"),
    Column("qty", "DOUBLE", "Quantity in qty_unit; NULL when unknown (a reported 0 with a value is unknown, see qty_flag)"),
    Column("qty_unit", "VARCHAR", "Unit of qty (u = units, kg, ...)"),
    Column("net_kg", "DOUBLE", "Net weight in kilograms; NULL when unknown"),
    Column("qty_flag", "VARCHAR", "Why qty/net_kg are as they are: estimated, zero_as_missing, or NULL when reported"),
    Column("mode", "VARCHAR", "Mode of transport as the source names it; TOTAL for the all-modes row"),
    Column("customs", "VARCHAR", "Customs procedure code; C00 for the all-procedures row"),
    Column("partner_basis", "VARCHAR", "What partner means: origin, consignment (imports) or destination (exports)"),
)

INGEST_COLUMNS: tuple[Column, ...] = (
    Column("ingest_id", "INTEGER", "Number of the ingest run", False),
    Column("source", "VARCHAR", "Reader used"),
    Column("file", "VARCHAR", "Absolute path of the file as given"),
    Column("sha256", "VARCHAR", "SHA-256 of the file's bytes; a file with a known sha256 is not ingested twice"),
    Column("bytes", "BIGINT", "File size"),
    Column("encoding", "VARCHAR", "utf-8, or how the bytes were decoded when they were not valid UTF-8"),
    Column("delimiter", "VARCHAR", "Field delimiter found in the header"),
    Column("rows_read", "BIGINT", "Data rows in the file"),
    Column("rows_kept", "BIGINT", "Rows written to flows"),
    Column("rows_quarantined", "BIGINT", "Rows written to quarantine (rows_read = rows_kept + rows_quarantined)"),
    Column("started_at", "TIMESTAMP", "When the run began (UTC)"),
    Column("finished_at", "TIMESTAMP", "When the run committed (UTC)"),
    Column("note", "VARCHAR", "Anything the reader assumed, e.g. HS version inferred from the year"),
)

QUARANTINE_COLUMNS: tuple[Column, ...] = (
    Column("ingest_id", "INTEGER", "The ingest run that read the row", False),
    Column("file", "VARCHAR", "Source file"),
    Column("line", "BIGINT", "Line in the source file (header = line 1)"),
    Column("column_name", "VARCHAR", "Source column that failed, where one did"),
    Column("value", "VARCHAR", "The offending value as read"),
    Column("reason", "VARCHAR", "What was wrong and what was expected"),
    Column("raw", "VARCHAR", "The whole row as read, for re-processing"),
)


def create_table_sql(name: str, columns: tuple[Column, ...]) -> str:
    body = ",\n  ".join(
        f"{c.name} {c.sql_type}{'' if c.nullable else ' NOT NULL'}" for c in columns
    )
    return f"CREATE TABLE IF NOT EXISTS {name} (\n  {body}\n)"


def flows_schema() -> dict[str, pl.DataType]:
    """The polars schema of the canonical flows table."""
    return {c.name: c.polars_type for c in FLOW_COLUMNS}


def infer_hs_version(year: int) -> int:
    """HS revision in force in a year, for sources that do not say which one they used.

    >>> infer_hs_version(2021), infer_hs_version(2022), infer_hs_version(2016)
    (2017, 2022, 2012)
    """
    return max(v for v in HS_VERSIONS if v <= year) if year >= HS_VERSIONS[0] else HS_VERSIONS[0]


def hs_version_sql(year_expr: str) -> str:
    """The SQL twin of ``infer_hs_version`` for an expression holding the year."""
    whens = " ".join(f"WHEN {year_expr} >= {v} THEN {v}" for v in reversed(HS_VERSIONS[1:]))
    return f"CASE {whens} ELSE {HS_VERSIONS[0]} END"
