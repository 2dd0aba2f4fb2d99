"""Vintages and holdings: what each ingest run supersedes, and what its file covers.

**Vintages.** The same figure (source and identity: reporter, partner, second partner,
flow, year, month, HS revision, level and code, mode, customs procedure, partner basis,
``views.IDENTITY``) read from two files is one figure: statistics offices revise, users
download overlapping periods. The later ingest run stands; the earlier run's rows stay in
``flows`` (nothing is deleted) and are listed in table ``superseded``, which the ``standing``
view leaves out, and every other view builds on ``standing``. A run records, in its own
transaction, every earlier run's identity it repeats; forgetting a run (``--replace``)
removes what it superseded and what superseded it, so the next-latest vintage stands again.

Only the cells (source, reporter, year, flow: ``annual_cells``) that an earlier run also
holds are compared, so a file of another reporter, year or source costs no scan of the store.

**Holdings.** Each run records, in table ``held``, the (source, reporter, flow, partner
basis, HS revision, level, code, year, month) its file covers: a code is held in the months
where the file has any row for it (any partner, the world included); HS6 rows hold their
HS4 heading as well. A series is held in a month only where some run holds it: a month no
file covers is missing, never zero trade (``indicators.base.held_years_cte``).
"""

from __future__ import annotations

import duckdb

from tradeflows.store import layout, rollup, views

SUPERSEDED_TABLE = "superseded"
HELD_TABLE = "held"

_IDENTITY_TYPES = {
    "source": "VARCHAR", "reporter": "VARCHAR", "partner": "VARCHAR", "partner2": "VARCHAR", "flow": "VARCHAR",
    "year": "SMALLINT", "month": "TINYINT", "hs_version": "SMALLINT", "hs_level": "TINYINT", "hs": "VARCHAR",
    "mode": "VARCHAR", "customs": "VARCHAR", "partner_basis": "VARCHAR",
}  # fmt: skip
_HELD_COLUMNS = ("source", "reporter", "flow", "partner_basis", "hs_version", "hs_level", "hs", "year", "month")

DDL = (
    f"CREATE TABLE IF NOT EXISTS {SUPERSEDED_TABLE} (ingest_id INTEGER NOT NULL, "
    + ", ".join(f"{c} {_IDENTITY_TYPES[c]}" for c in views.IDENTITY)
    + ", by_ingest_id INTEGER NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS {HELD_TABLE} (ingest_id INTEGER NOT NULL, "
    + ", ".join(f"{c} {_IDENTITY_TYPES[c]}" for c in _HELD_COLUMNS)
    + ")",
)

_ID = ", ".join(views.IDENTITY)


def standing_sql(con: duckdb.DuckDBPyConnection) -> str:
    """The store's ``standing`` view as the store now is, written again whenever a run supersedes
    figures or is forgotten. The runs some later run revised are known at ingest time and
    named in the view: the rows of every other run pass as they are (in a store nothing
    revised, ``standing`` is ``flows``), and only the rows of revised runs are compared with
    ``superseded`` figure by figure. It gives the rows of the portable definition
    (``views.STANDING_SQL``, which Spark runs), without an anti-join over every row."""
    found = con.execute(f"SELECT DISTINCT ingest_id FROM {SUPERSEDED_TABLE} ORDER BY ingest_id").fetchall()
    if not found:
        return "CREATE OR REPLACE VIEW standing AS SELECT * FROM flows"
    runs = ", ".join(str(int(run)) for (run,) in found)
    return f"""
CREATE OR REPLACE VIEW standing AS
SELECT * FROM flows WHERE ingest_id NOT IN ({runs})
UNION ALL
SELECT * FROM flows f WHERE ingest_id IN ({runs})
  AND NOT EXISTS (SELECT 1 FROM {SUPERSEDED_TABLE} s WHERE s.ingest_id = f.ingest_id AND {views.same('s', 'f')})
"""


def write_standing(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(standing_sql(con))


def record_run(con: duckdb.DuckDBPyConnection, ingest_id: int) -> None:
    """Record what run ``ingest_id`` (its rows already in ``flows`` and its cells in
    ``annual_cells``) supersedes and what it holds; called inside the run's transaction."""
    record_superseded(con, ingest_id)
    record_held(con, [ingest_id])


def record_superseded(con: duckdb.DuckDBPyConnection, ingest_id: int) -> int:
    """Mark the figures of earlier runs that run ``ingest_id`` gives again; returns how many
    (identity, earlier run) pairs it supersedes."""
    cell = " AND ".join(f"o.{c} = n.{c}" for c in ("source", "reporter", "year", "flow"))
    overlap = con.execute(
        f"SELECT count(*) FROM {rollup.CELLS_TABLE} n JOIN {rollup.CELLS_TABLE} o ON {cell} "
        "AND o.ingest_id < n.ingest_id WHERE n.ingest_id = ?",
        [ingest_id],
    ).fetchall()[0][0]
    if not overlap:
        return 0
    same = " AND ".join(f"o.{c} IS NOT DISTINCT FROM n.{c}" for c in views.IDENTITY)
    cells = (f"SELECT o.source, o.reporter, o.year, o.flow FROM {rollup.CELLS_TABLE} n JOIN {rollup.CELLS_TABLE} o "
             f"ON {cell} AND o.ingest_id < n.ingest_id WHERE n.ingest_id = $run")  # fmt: skip
    on_cell = " AND ".join(f"f.{c} = c.{c}" for c in ("source", "reporter", "year", "flow"))
    con.execute(
        f"""
INSERT INTO {SUPERSEDED_TABLE}
WITH cells AS ({cells}),
new AS (SELECT DISTINCT {_ID} FROM flows f SEMI JOIN cells c ON {on_cell} WHERE f.ingest_id = $run),
old AS (SELECT DISTINCT ingest_id, {_ID} FROM flows f SEMI JOIN cells c ON {on_cell} WHERE f.ingest_id < $run)
SELECT o.ingest_id, {", ".join("o." + c for c in views.IDENTITY)}, $run
FROM old o SEMI JOIN new n ON {same}""",
        {"run": ingest_id},
    )
    write_standing(con)
    return con.execute(f"SELECT count(*) FROM {SUPERSEDED_TABLE} WHERE by_ingest_id = ?", [ingest_id]).fetchall()[0][0]


def record_held(con: duckdb.DuckDBPyConnection, ingest_ids: list[int] | None = None) -> None:
    """Record what the given runs hold (None: every run without a record, as in a store
    written before ``held`` existed)."""
    if ingest_ids is None:
        runs, params = f"ingest_id NOT IN (SELECT ingest_id FROM {HELD_TABLE})", []
    else:
        runs, params = "ingest_id IN (SELECT unnest(?))", [ingest_ids]
    columns = ", ".join(_HELD_COLUMNS)
    compact_runs = layout.compact_runs(con, ingest_ids)
    heading = ", ".join("CAST(4 AS TINYINT)" if c == "hs_level" else "left(hs, 4)" if c == "hs" else c
                        for c in _HELD_COLUMNS)  # fmt: skip
    # Compact rows (store/layout.py): the distinct (reporter, year, code) of the rows as stored,
    # then named; the run's constants give the rest.
    named = ", ".join({"reporter": "c.iso3 AS reporter", "year": "d.year", "hs": "d.hs"}.get(h, f"k.{h}")
                      for h in _HELD_COLUMNS)  # fmt: skip
    con.execute(
        f"""
INSERT INTO {HELD_TABLE}
WITH run_rows AS (
  SELECT DISTINCT ingest_id, {columns} FROM {layout.FULL_TABLE} WHERE {runs}
  UNION ALL
  SELECT d.ingest_id, {named}
  FROM (SELECT DISTINCT ingest_id, reporter, year, hs FROM {layout.compact_rows(compact_runs)} WHERE {runs}) d
  JOIN {layout.CONSTANTS_TABLE} k ON k.ingest_id = d.ingest_id JOIN comtrade_codes c ON c.code = d.reporter
)
SELECT ingest_id, {columns} FROM run_rows
UNION
SELECT ingest_id, {heading} FROM run_rows WHERE hs_level = 6""",
        params + params,
    )


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``superseded`` and ``held`` in a store made before them: every run's holdings
    recorded, and the runs' repeated figures superseded in ingest order."""
    present = {
        name for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()
    }  # fmt: skip
    for ddl in DDL:
        con.execute(ddl)
    if HELD_TABLE not in present:
        record_held(con)
    if SUPERSEDED_TABLE not in present:
        for (run,) in con.execute("SELECT DISTINCT ingest_id FROM flows ORDER BY ingest_id").fetchall():
            record_superseded(con, run)


def forget(con: duckdb.DuckDBPyConnection, ingest_ids: list[int]) -> None:
    """Remove what the runs held and superseded, and their being superseded: the latest
    remaining vintage of each figure stands again."""
    con.execute(
        f"DELETE FROM {SUPERSEDED_TABLE} WHERE ingest_id IN (SELECT unnest($r)) OR by_ingest_id IN (SELECT unnest($r))",
        {"r": ingest_ids},
    )
    con.execute(f"DELETE FROM {HELD_TABLE} WHERE ingest_id IN (SELECT unnest(?))", [ingest_ids])
    write_standing(con)
