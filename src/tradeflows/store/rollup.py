"""The ``annual`` view as the store defines it: figures that need no roll-up pass through.

``annual`` (``views.ANNUAL_SQL``) sums the figures of each source, year, reporter, partner,
flow, partner basis and HS code. In BACI and most annual national tables each such group
holds one row, and at BACI scale the GROUP BY that finds this out was most of an
indicator's cost: on a store of 20M rows the indicator suite ran in 8.8 s, and in 3.2 s
with the groups passed through (benchmarks/README.md).

So each ingest run records, per *cell* (source, reporter, year, flow), whether its rows
there are unique on annual's key and all at the total level of every breakdown (mode,
customs procedure, second partner): table ``annual_cells``. A cell that one run alone
holds, and holds that way, is passed through row by row, its measures written as a
one-row group would sum them; every other cell (monthly data, breakdowns, two files for
one reporter-year) is rolled up exactly as before. The answer is the same either way;
``tests/store/test_rollup.py`` compares this view with ``views.ANNUAL_SQL`` on stores of
every kind. Spark, which has no ``annual_cells``, runs ``views.ANNUAL_SQL`` itself.
"""

from __future__ import annotations

import duckdb

from tradeflows.store import layout, views

CELLS_TABLE = "annual_cells"
CELLS_DDL = (
    f"CREATE TABLE IF NOT EXISTS {CELLS_TABLE} (ingest_id INTEGER NOT NULL, source VARCHAR, reporter VARCHAR, "
    "year SMALLINT, flow VARCHAR, unique_key BOOLEAN NOT NULL, all_total BOOLEAN NOT NULL)"
)
_CELL = ("source", "reporter", "year", "flow")
# annual's key beyond the cell (the reference view also groups by names and the product
# description, which follow from partner, reporter and the HS code).
_REST_OF_KEY = ("partner", "partner_basis", "hs_version", "hs_level", "hs")


def ensure_cells(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``annual_cells`` in a store made before it existed, recording every run's cells:
    a run without cells beside one with them would have its rows passed through twice over."""
    exists = con.execute(
        "SELECT 1 FROM duckdb_tables() WHERE database_name = current_database() AND table_name = ?", [CELLS_TABLE]
    ).fetchall()
    if not exists:
        con.execute(CELLS_DDL)
        record_cells(con)


def _unique_run(con: duckdb.DuckDBPyConnection, run: int, packed: str) -> bool:
    """Whether compact run ``run``'s rows are unique on the key ``packed`` packs. CEPII writes
    BACI sorted by year, exporter, importer and product, the key's order: keys increasing in
    file order are unique, which one pass over them in numpy shows (10M rows on a busy
    machine: 1.2 s, against 6.2 s for DuckDB's distinct count, which a file in another order
    still gets)."""
    keys = con.execute(f"SELECT {packed} AS k FROM {layout.compact_table(run)}").fetchnumpy()["k"]
    if len(keys) < 2 or bool((keys[1:] > keys[:-1]).all()):
        return True
    found = con.execute(f"SELECT count(*) = count(DISTINCT {packed}) FROM {layout.compact_table(run)}").fetchall()
    return bool(found[0][0])


def record_cells(con: duckdb.DuckDBPyConnection, ingest_ids: list[int] | None = None) -> bool:
    """Record the cells of the given runs (None: every run without cells, as in a store
    made before this table existed). True when their rows are unique on annual's key
    everywhere, so that no two of them repeat a record either. A hash collision can only
    make a cell look not unique: it is then rolled up, which is always right."""
    if ingest_ids is None:
        runs, params = f"ingest_id NOT IN (SELECT ingest_id FROM {CELLS_TABLE})", []
    else:
        runs, params = "ingest_id IN (SELECT unnest(?))", [ingest_ids]
    cell = ", ".join(_CELL)
    compact = layout.compact_runs(con, ingest_ids)
    # Compact rows (store/layout.py) are counted as stored, on their area numbers, and named
    # after: within a compact run each number is one country, the rest of annual's key is
    # constant and every code has the run's one length, so the key packs into one number
    # (year, two area numbers below 1000, a code of at most six digits). A run whose rows
    # are unique on it as a whole is unique in every cell (``_unique_run``).
    packed = "((CAST(year AS BIGINT) * 1000 + reporter) * 1000 + partner) * 1000000 + CAST(hs AS BIGINT)"
    unique = [run for run in compact if _unique_run(con, run, packed)]
    others = [run for run in compact if run not in unique]
    con.execute(f"""
INSERT INTO {CELLS_TABLE}
SELECT ingest_id, {cell}, bool_and(unique_key), bool_and(all_total)
FROM (
  SELECT ingest_id, {cell}, count(*) = 1 AS unique_key, bool_and({views.all_total('f')}) AS all_total
  FROM {layout.FULL_TABLE} f WHERE {runs}
  GROUP BY ingest_id, {cell}, hash({", ".join(_REST_OF_KEY)})
  UNION ALL
  SELECT g.ingest_id, k.source, c.iso3 AS reporter, g.year, k.flow, g.unique_key, {views.all_total('k')} AS all_total
  FROM (SELECT ingest_id, reporter, year, TRUE AS unique_key
        FROM {layout.compact_rows(unique)} WHERE {runs} GROUP BY ingest_id, reporter, year
        UNION ALL
        SELECT ingest_id, reporter, year, count(*) = count(DISTINCT {packed}) AS unique_key
        FROM {layout.compact_rows(others)} WHERE {runs} GROUP BY ingest_id, reporter, year) g
  JOIN {layout.CONSTANTS_TABLE} k ON k.ingest_id = g.ingest_id JOIN comtrade_codes c ON c.code = g.reporter
)
GROUP BY ingest_id, {cell}""", params * 3)
    if ingest_ids is None:
        return True
    found = con.execute(
        f"SELECT coalesce(bool_and(unique_key), TRUE) FROM {CELLS_TABLE} WHERE ingest_id IN (SELECT unnest(?))",
        [ingest_ids],
    ).fetchall()
    return bool(found[0][0])


def _one_row_measures(t: str) -> str:
    """``views.measures`` of a group of the one row ``t``, column for column."""
    return (
        f"{t}.value_usd, {t}.cif_usd, {t}.fob_usd, {t}.net_kg, "
        f"CASE WHEN {t}.qty_unit IS NOT NULL THEN {t}.qty END AS qty, {t}.qty_unit"
    )


_KEY = ", ".join(f"f.{c}" for c in ("source", "year", "reporter", "partner", "flow", "partner_basis", "hs_version",
                                      "hs_level", "hs"))  # fmt: skip
_ON_CELL = " AND ".join(f"a.{c} = f.{c}" for c in _CELL)

ANNUAL_SQL = f"""
CREATE OR REPLACE VIEW annual AS
WITH alone AS (
  SELECT {", ".join(_CELL)} FROM {CELLS_TABLE} GROUP BY ALL
  HAVING count(*) = 1 AND bool_and(unique_key AND all_total)
),
groups AS (
  SELECT {_KEY}, {views.measures('f')}, {views.months('f')} AS months, count(*) AS rows
  FROM figures f ANTI JOIN alone a ON {_ON_CELL}
  GROUP BY ALL
  UNION ALL
  SELECT {_KEY}, {_one_row_measures('f')},
         CAST(CASE WHEN f.month IS NULL THEN 0 ELSE 1 END AS BIGINT) AS months, CAST(1 AS BIGINT) AS rows
  FROM flows f SEMI JOIN alone a ON {_ON_CELL}
)
SELECT g.source, g.year, g.reporter, rc.name AS reporter_name, g.partner, pc.name AS partner_name,
       g.flow, g.partner_basis, g.hs_version, g.hs_level, g.hs, pr.description,
       g.value_usd, g.cif_usd, g.fob_usd, g.net_kg, g.qty, g.qty_unit, g.months, g.rows
FROM groups g
JOIN countries pc ON pc.iso3 = g.partner AND pc.kind IN ('country', 'area_nes')
LEFT JOIN countries rc ON rc.iso3 = g.reporter
LEFT JOIN products pr ON pr.hs_version = g.hs_version AND pr.hs = g.hs
"""
