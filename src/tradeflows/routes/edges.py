"""Leg values: one figure per (year, exporter, importer, HS code), defined once in SQL.

A leg e -> i of product k can be known twice: as e's exports to i (FOB, as e reports
them) and as i's imports from e (CIF, as i reports them). The leg takes the exporter's
figure where the store has it (zero where the exporter's file covers its exports of the
basket that year and has no row to the importer) and the importer's (the mirror) where the
exporter's series is not held, and says which in ``basis``. Imports are valued CIF
(freight and insurance to i's border included), so a mirror figure is brought to FOB by
dividing it by ``1 + cif_margin`` (an assumption, 5% by default, stated in every report).
Both sides' figures as reported are kept beside the value used, so a gap between them
stays visible.

The basket's rows come from the indicators' one reading of the store
(``indicators.base.basket_flows_cte``: HS2/HS4 codes through ``annual_hs4``, HS6 codes
through ``annual``, one level of each breakdown, no world rows, imports by origin rather
than consignment). The SQL is portable (CTEs, a window function, literals instead of
bind parameters) so that the same definition can be transpiled to another engine.

>>> from tradeflows.indicators.base import Years
>>> from tradeflows.reference.baskets import get_basket, resolve_basket
>>> held = pl.DataFrame({"hs_version": [2022], "hs_level": [4], "hs": ["8703"]})  # what a store holds
>>> scope = Scope(resolve_basket(get_basket("cars"), held), None, None, "X", Years(2021, 2021), Years(2022, 2023))
>>> sql = edges_sql(EdgeParams(scope, countries=("GEO",)))
>>> "annual_hs4" in sql and "'reported by exporter'" in sql
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import polars as pl

from tradeflows.errors import ParameterError
from tradeflows.indicators.base import (
    Scope,
    basket_cte,
    basket_flows_cte,
    held_years_cte,
    in_list,
    literal,
    source_filter,
)
from tradeflows.schema import CIF_MARGIN
from tradeflows.store import Store

EXPORTER_BASIS = "reported by exporter"
MIRROR_BASIS = "mirror: importer's imports"
DEFAULT_CIF_MARGIN = CIF_MARGIN  # stated in every report
# When several sources hold the same figure, the leg takes one: the most detailed
# reported statistics first, reconciled or derived data after.
SOURCE_PRIORITY = ("comtrade", "national", "eurostat", "baci", "csv", "synthetic")

EDGE_COLUMNS = {
    "year": "Reference year",
    "exporter": "Country the goods leave (ISO3)",
    "importer": "Country the goods enter (ISO3)",
    "hs": "HS code at the basket's level (4 or 6 digits)",
    "value_usd": "Leg value used for routes, FOB US dollars",
    "basis": f"'{EXPORTER_BASIS}' or '{MIRROR_BASIS}'",
    "exporter_reported_usd": "The exporter's figure, FOB, as reported (NULL when it did not report)",
    "importer_reported_usd": "The importer's figure, CIF, as reported (NULL when it did not report)",
    "source": "Source of the figure used",
    "n_rows": "Rows of the flows table behind the figure used",
    "exporter_rows": "Rows behind the exporter's figure (0 when it did not report)",
    "importer_rows": "Rows behind the importer's figure (0 when it did not report)",
}


@dataclass(frozen=True)
class EdgeParams:
    """What ``edges_sql`` selects.

    ``scope`` is an indicator scope (``tradeflows.indicators.base.make_scope``): the
    resolved basket, the years from the baseline's first to the period's last, and the
    source. Its reporters, partners and flow are not used: a leg needs both sides.
    ``countries``, when given, keeps the legs that start or end in one of them (with
    every partner of theirs, so their totals are complete).
    """

    scope: Scope
    countries: tuple[str, ...] | None = None
    cif_margin: float = DEFAULT_CIF_MARGIN

    def __post_init__(self) -> None:
        bad = [c for c in self.countries or () if not re.fullmatch(r"[A-Z0-9_]{2,8}", c)]
        if bad:
            raise ParameterError(f"countries={bad!r}: expected ISO3 codes in capitals, e.g. 'GEO'")
        if not 0 <= self.cif_margin < 1:
            raise ParameterError(f"cif_margin={self.cif_margin!r}: expected a share between 0 and 1, e.g. 0.05")


# A basket of bare codes is named by them all (653 HS6 codes: 4.5 KB), and the name is
# written into every row of p_basket and kept as a group key on every row: past this
# length the SQL names a basket by its number (new flows on a 20M-row store: 13.5 s to 0.9 s).
_LONG_NAME = 40


def sql_scope(scope: Scope) -> Scope:
    """``scope`` with each basket whose name is long named ``basket N`` instead, for the SQL
    alone: results here never show the name (``RouteSet`` keeps the scope as resolved)."""
    names = scope.baskets["basket"].unique(maintain_order=True).to_list()
    if all(len(n) <= _LONG_NAME for n in names):
        return scope
    short = {n: n if len(n) <= _LONG_NAME else f"basket {i + 1}" for i, n in enumerate(names)}
    return replace(scope, baskets=scope.baskets.with_columns(pl.col("basket").replace_strict(short)))


def edges_sql(params: EdgeParams) -> str:
    """The SQL that values every leg ``params`` selects (one row per year, exporter, importer, hs)."""
    scope = sql_scope(params.scope)
    basket_rows = basket_flows_cte(scope, name="bf", flows=["X", "M"], reporters=None, partners=None)
    involved = "TRUE"
    if params.countries:
        involved = f"({in_list('reporter', params.countries)} OR {in_list('partner', params.countries)})"
    source_rank = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(SOURCE_PRIORITY))
    divisor = repr(1 + float(params.cif_margin))
    years = f"h.year BETWEEN {scope.first_year} AND {scope.last_year}"
    held_where = " AND ".join([in_list("h.flow", ["X", "M"]), years, source_filter(scope, "h.source")])
    on_cell = "s.year = g.year AND s.reporter = g.reporter AND s.flow = g.flow"
    x_side = "CASE WHEN flow = 'X' THEN {} END"
    m_side = "CASE WHEN flow = 'M' THEN {} END"
    return f"""
WITH {basket_cte(scope)},
{basket_rows},
{held_years_cte(scope, name="x_held", flows=["X"], reporters=None)},
exporters_held AS (SELECT DISTINCT reporter, year FROM x_held),
multi_source AS (
  -- (year, reporter, flow) whose files come from more than one source (table held, small):
  -- a superset of the cells where two sources give one figure, which alone need a choice
  SELECT h.year, h.reporter, h.flow FROM held h
  WHERE {held_where}
  GROUP BY h.year, h.reporter, h.flow HAVING COUNT(DISTINCT h.source) > 1
),
grouped AS (
  -- one figure per source, year, reporter, partner, flow and code (a code is in the basket once)
  SELECT source, year, reporter, partner, flow, hs, SUM(value_usd) AS value_usd, SUM(n_rows) AS n_rows
  FROM bf g
  WHERE {involved} AND EXISTS (SELECT 1 FROM multi_source s WHERE {on_cell})
  GROUP BY source, year, reporter, partner, flow, hs
),
picked AS (
  -- where several sources hold the figure, the preferred one
  SELECT source, year, reporter, partner, flow, hs, value_usd, n_rows FROM (
    SELECT *, ROW_NUMBER() OVER (
             PARTITION BY year, reporter, partner, flow, hs
             ORDER BY CASE source {source_rank} ELSE {len(SOURCE_PRIORITY)} END, source
           ) AS pick
    FROM grouped
  ) ranked WHERE pick = 1
),
sources AS (
  -- the sources of the store's files, numbered: a leg carries its sides' sources as numbers
  -- (a text kept per leg through the aggregate below cost as much as the sums)
  SELECT source, ROW_NUMBER() OVER (ORDER BY source) AS sid FROM (SELECT DISTINCT source FROM held) d
),
sides AS (
  -- a cell of one source: its rows are that source's figure as they are
  SELECT d.sid, r.year, r.reporter, r.partner, r.flow, r.hs, r.value_usd, r.n_rows
  FROM (
    SELECT source, year, reporter, partner, flow, hs, value_usd, n_rows FROM bf g
    WHERE {involved} AND NOT EXISTS (SELECT 1 FROM multi_source s WHERE {on_cell})
    UNION ALL
    SELECT * FROM picked
  ) r
  JOIN sources d ON d.source = r.source
),
legs AS (
  -- both sides of each leg in one pass: its exporter's figure (flow X) and its importer's (M);
  -- each side comes from one cell, so from one source
  SELECT year,
         CASE WHEN flow = 'X' THEN reporter ELSE partner END AS exporter,
         CASE WHEN flow = 'X' THEN partner ELSE reporter END AS importer,
         hs,
         SUM({x_side.format("value_usd")}) AS x_value, SUM({x_side.format("n_rows")}) AS x_rows,
         MIN({x_side.format("sid")}) AS x_sid,
         SUM({m_side.format("value_usd")}) AS m_value, SUM({m_side.format("n_rows")}) AS m_rows,
         MIN({m_side.format("sid")}) AS m_sid
  FROM sides
  GROUP BY year, CASE WHEN flow = 'X' THEN reporter ELSE partner END,
           CASE WHEN flow = 'X' THEN partner ELSE reporter END, hs
)
SELECT
  l.year, l.exporter, l.importer, l.hs,
  CASE WHEN l.x_value IS NOT NULL THEN l.x_value WHEN h.reporter IS NOT NULL THEN 0.0
       ELSE l.m_value / {divisor} END AS value_usd,
  CASE WHEN l.x_value IS NOT NULL OR h.reporter IS NOT NULL THEN {literal(EXPORTER_BASIS)}
       ELSE {literal(MIRROR_BASIS)} END AS basis,
  l.x_value AS exporter_reported_usd,
  l.m_value AS importer_reported_usd,
  d.source,
  CASE WHEN l.x_value IS NOT NULL THEN l.x_rows WHEN h.reporter IS NOT NULL THEN 0 ELSE l.m_rows END AS n_rows,
  COALESCE(l.x_rows, 0) AS exporter_rows,
  COALESCE(l.m_rows, 0) AS importer_rows
FROM legs l
-- An exporter whose file covers its exports of the basket that year and has no row to this
-- importer exported nothing to it: zero, by the exporter's figure, not the importer's mirror.
LEFT JOIN exporters_held h ON l.x_value IS NULL AND h.reporter = l.exporter AND h.year = l.year
LEFT JOIN sources d ON d.sid = CASE WHEN l.x_value IS NOT NULL THEN l.x_sid ELSE l.m_sid END
ORDER BY year, exporter, importer, hs
""".strip()


_SCHEMA = {
    "year": pl.Int32, "exporter": pl.String, "importer": pl.String, "hs": pl.String, "value_usd": pl.Float64,
    "basis": pl.String, "exporter_reported_usd": pl.Float64, "importer_reported_usd": pl.Float64,
    "source": pl.String, "n_rows": pl.Int64, "exporter_rows": pl.Int64, "importer_rows": pl.Int64,
}  # fmt: skip


def leg_values(store: Store, params: EdgeParams) -> pl.DataFrame:
    """Run ``edges_sql(params)`` against ``store``: one row per leg, columns as ``EDGE_COLUMNS``."""
    frame = store.sql(edges_sql(params))
    if frame.is_empty():
        return pl.DataFrame(schema=_SCHEMA)
    return frame.cast(_SCHEMA)  # type: ignore[arg-type]
