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
from dataclasses import dataclass

import polars as pl

from tradeflows.errors import ParameterError
from tradeflows.indicators.base import Scope, basket_cte, basket_flows_cte, held_years_cte, in_list, literal
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


def edges_sql(params: EdgeParams) -> str:
    """The SQL that values every leg ``params`` selects (one row per year, exporter, importer, hs)."""
    scope = params.scope
    basket_rows = basket_flows_cte(scope, name="bf", flows=["X", "M"], reporters=None, partners=None)
    involved = "TRUE"
    if params.countries:
        involved = f"({in_list('reporter', params.countries)} OR {in_list('partner', params.countries)})"
    source_rank = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(SOURCE_PRIORITY))
    divisor = repr(1 + float(params.cif_margin))
    return f"""
WITH {basket_cte(scope)},
{basket_rows},
{held_years_cte(scope, name="x_held", flows=["X"], reporters=None)},
exporters_held AS (SELECT DISTINCT reporter, year FROM x_held),
grouped AS (
  -- one figure per source, year, reporter, partner, flow and code (a code is in the basket once)
  SELECT source, year, reporter, partner, flow, hs, SUM(value_usd) AS value_usd, SUM(n_rows) AS n_rows
  FROM bf
  WHERE {involved}
  GROUP BY source, year, reporter, partner, flow, hs
),
cell_sources AS (
  SELECT year, reporter, flow, COUNT(DISTINCT source) AS n_sources FROM grouped GROUP BY year, reporter, flow
),
counted AS (
  SELECT g.*, c.n_sources
  FROM grouped g JOIN cell_sources c ON c.year = g.year AND c.reporter = g.reporter AND c.flow = g.flow
),
ranked AS (
  -- where several sources hold the figure, the preferred one; the window is costly (20M-row
  -- store: 1.6 s), so it only sees reporter-years that more than one source holds
  SELECT *, 1 AS pick FROM counted WHERE n_sources = 1
  UNION ALL
  SELECT *,
         ROW_NUMBER() OVER (
           PARTITION BY year, reporter, partner, flow, hs
           ORDER BY CASE source {source_rank} ELSE {len(SOURCE_PRIORITY)} END, source
         ) AS pick
  FROM counted WHERE n_sources > 1
),
exports AS (
  SELECT year, reporter AS exporter, partner AS importer, hs, value_usd, source, n_rows
  FROM ranked WHERE pick = 1 AND flow = 'X'
),
imports AS (
  SELECT year, partner AS exporter, reporter AS importer, hs, value_usd, source, n_rows
  FROM ranked WHERE pick = 1 AND flow = 'M'
)
SELECT
  COALESCE(x.year, m.year) AS year,
  COALESCE(x.exporter, m.exporter) AS exporter,
  COALESCE(x.importer, m.importer) AS importer,
  COALESCE(x.hs, m.hs) AS hs,
  CASE WHEN x.value_usd IS NOT NULL THEN x.value_usd WHEN h.reporter IS NOT NULL THEN 0.0
       ELSE m.value_usd / {divisor} END AS value_usd,
  CASE WHEN x.value_usd IS NOT NULL OR h.reporter IS NOT NULL THEN {literal(EXPORTER_BASIS)}
       ELSE {literal(MIRROR_BASIS)} END AS basis,
  x.value_usd AS exporter_reported_usd,
  m.value_usd AS importer_reported_usd,
  CASE WHEN x.value_usd IS NOT NULL THEN x.source ELSE m.source END AS source,
  CASE WHEN x.value_usd IS NOT NULL THEN x.n_rows WHEN h.reporter IS NOT NULL THEN 0 ELSE m.n_rows END AS n_rows,
  COALESCE(x.n_rows, 0) AS exporter_rows,
  COALESCE(m.n_rows, 0) AS importer_rows
FROM exports x
FULL OUTER JOIN imports m
  ON x.year = m.year AND x.exporter = m.exporter AND x.importer = m.importer AND x.hs = m.hs
-- An exporter whose file covers its exports of the basket that year and has no row to this
-- importer exported nothing to it: zero, by the exporter's figure, not the importer's mirror.
LEFT JOIN exporters_held h ON x.value_usd IS NULL AND h.reporter = m.exporter AND h.year = m.year
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
