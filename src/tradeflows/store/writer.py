"""Everything an ingest run writes, in one place: its rows (``layout``'s row tables and the run's
constants), its quarantined rows, the product descriptions its file gave, its bookkeeping
(``annual_cells``, ``held``, ``superseded``) and its line in ``ingests``.

The loader (``store/loader.py``) decides what to read and how; the statements that change
the store are the functions below, each called inside the run's transaction (``Run``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from tradeflows.schema import FLOW_COLUMNS
from tradeflows.store import layout, rollup, vintages
from tradeflows.store.plan import quote_ident
from tradeflows.store.stage import STAGE

_FLOW_NAMES = ", ".join(c.name for c in FLOW_COLUMNS)
_STAGED_FLOW_COLUMNS = ", ".join(c.name for c in FLOW_COLUMNS if c.name not in ("source", "ingest_id"))


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def next_ingest_id(con: duckdb.DuckDBPyConnection) -> int:
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open and refuses register() after it.
    return con.execute("SELECT coalesce(max(ingest_id), 0) + 1 FROM ingests").fetchall()[0][0]


def forget(con: duckdb.DuckDBPyConnection, ingest_ids: list[int]) -> None:
    """Remove every trace of the given runs: rows, quarantine, log, cells, holdings, vintages."""
    layout.forget(con, ingest_ids)
    for table in ("quarantine", "ingests", rollup.CELLS_TABLE):
        con.execute(f"DELETE FROM {table} WHERE ingest_id IN (SELECT unnest(?))", [ingest_ids])
    vintages.forget(con, ingest_ids)


class Run:
    """One ingest run as one transaction: earlier runs of the same file are forgotten and a
    new ingest id given; everything commits together or nothing does (a kill included).

    A class, not a generator: a Ctrl-C landing between a generator's yield and the with
    body would leave its rollback to garbage collection, after the connection is closed.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, earlier: list[int]) -> None:
        self.con, self.earlier = con, earlier

    def __enter__(self) -> int:
        self.con.execute("BEGIN")
        try:
            if self.earlier:
                forget(self.con, self.earlier)
            return next_ingest_id(self.con)
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        self.con.execute("COMMIT" if exc_type is None else "ROLLBACK")


def write_rows(con: duckdb.DuckDBPyConnection, rows_sql: str, params: Sequence[object]) -> int:
    """Write the rows ``rows_sql`` selects (every canonical column) to ``flow_rows``."""
    return con.execute(f"INSERT INTO {layout.FULL_TABLE} {rows_sql}", list(params)).fetchall()[0][0]


def write_compact(
    con: duckdb.DuckDBPyConnection, ingest_id: int, source: str, rows_sql: str, constants: dict[str, object]
) -> int:
    """Run ``ingest_id`` as a compact run (store/layout.py): its table from the rows ``rows_sql``
    selects (the compact columns, in file order), the canonical columns its rows share once,
    and ``flows`` written again to show them."""
    con.execute(layout.compact_table_sql(ingest_id, rows_sql))
    names = ["ingest_id", "source", *constants]
    con.execute(
        f"INSERT INTO {layout.CONSTANTS_TABLE} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        [ingest_id, source, *constants.values()],
    )
    con.execute(layout.flows_view_sql(con))
    return con.execute(f"SELECT count(*) FROM {layout.compact_table(ingest_id)}").fetchall()[0][0]


def write_staged(con: duckdb.DuckDBPyConnection, source: str, ingest_id: int) -> None:
    """The staged rows that passed every check (``stage.stage_sql``)."""
    con.execute(
        f"INSERT INTO {layout.FULL_TABLE} SELECT ? AS source, ? AS ingest_id, {_STAGED_FLOW_COLUMNS} "
        f"FROM {STAGE} WHERE __reason IS NULL",
        [source, ingest_id],
    )


def write_staged_products(con: duckdb.DuckDBPyConnection, ingest_id: int) -> None:
    """Descriptions the staged file gave for codes the products table does not describe yet."""
    con.execute(
        f"INSERT INTO products SELECT DISTINCT ON (hs_version, hs) hs_version, hs_level, hs, __description, ? "
        f"FROM {STAGE} s WHERE __reason IS NULL AND __description IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM products p WHERE p.hs_version = s.hs_version AND p.hs = s.hs)",
        [ingest_id],
    )


def write_canonical_stage(con: duckdb.DuckDBPyConnection, ingest_id: int, file: Path) -> None:
    """A canonical Parquet file's staged rows (``parquet.stage_sql``): the kept ones with their
    own source and line, the others quarantined."""
    columns = ", ".join(quote_ident(c.name) for c in FLOW_COLUMNS if c.name != "ingest_id")
    con.execute(
        f"INSERT INTO {layout.FULL_TABLE} BY NAME SELECT ? AS ingest_id, {columns} FROM {STAGE} WHERE __reason IS NULL",
        [ingest_id],
    )
    con.execute(
        f"INSERT INTO quarantine SELECT ?, ?, __rn + 1, __column, __value, __reason, __raw "
        f"FROM {STAGE} WHERE __reason IS NOT NULL",
        [ingest_id, str(file)],
    )


def write_frame(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, *, source: str, ingest_id: int) -> int:
    """Canonical rows made in Python (a synthetic world), as run ``ingest_id``."""
    rows = frame.select(c.name for c in FLOW_COLUMNS).with_columns(
        pl.lit(source).alias("source"), pl.lit(ingest_id, dtype=pl.Int32).alias("ingest_id")
    )
    con.register("__frame", rows.to_arrow())
    try:
        con.execute(f"INSERT INTO {layout.FULL_TABLE} SELECT {_FLOW_NAMES} FROM __frame")
    finally:
        con.unregister("__frame")
    return len(rows)


def write_quarantine(
    con: duckdb.DuckDBPyConnection, ingest_id: int, file: Path | str,
    rows: Sequence[tuple[int, str | None, str | None, str, str | None]],
) -> None:  # fmt: skip
    """Rows not kept: (line, column, value, reason, raw text) each."""
    if rows:
        con.executemany("INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [(ingest_id, str(file), *row) for row in rows])  # fmt: skip


def write_cells(con: duckdb.DuckDBPyConnection, ingest_id: int) -> bool:
    """The run's ``annual_cells`` (store/rollup.py); True when its rows are unique on annual's key."""
    return rollup.record_cells(con, [ingest_id])


def write_log(
    con: duckdb.DuckDBPyConnection,
    ingest_id: int,
    *,
    source: str,
    path: Path | str,
    sha256: str | None,
    size: int | None,
    encoding: str | None,
    delimiter: str | None,
    read: int,
    kept: int,
    quarantined: int,
    started: datetime,
    note: str,
) -> None:
    """The run's row in ``ingests``, and what the run holds and supersedes (``vintages.record_run``)."""
    vintages.record_run(con, ingest_id)
    con.execute(
        "INSERT INTO ingests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [ingest_id, source, str(path), sha256, size, encoding, delimiter, read, kept, quarantined, started, now(),
         note],
    )  # fmt: skip
