"""Mirror gap ("lost in transit"): exports reported by o to h against h's imports from o.

Imports are brought to FOB by dividing by 1 + ``cif_margin`` (5% by default, the usual
CIF/FOB rule of thumb). For each exporter, importer and basket, baseline and after
(annual means over the years both sides reported):

- ``gap_share_*``: (exports - imports at FOB) / exports;
- ``unreported_increase_share``: the share of the rise in exports that never shows up
  as imports, (Δ exports - Δ imports at FOB) / Δ exports, where exports rose.

Needs two-sided reporter data (Comtrade, Comext and national), not BACI, which is
already reconciled.

The pairing (the exporter's X figures beside the importer's M figures from the exporter,
imports by origin) is the one the store's ``mirror_pairs`` view is built from
(``store.views.mirror_pairs_sql``). The view pairs code by code as reported, across
sources; here the two sides come from one source and are basket totals, each side's codes
read at its own HS revision (HS4 codes through ``annual_hs4``, so a side that reports only
HS6 still counts), and a year counts only when both reporters reported that year at all.

>>> import tempfile, pathlib, tradeflows
>>> from tradeflows.indicators.testing import load_rows
>>> store = tradeflows.open(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
>>> load_rows(store, [dict(year=y, reporter=r, partner=p, flow=f, hs="8471", value_usd=v) for y, r, p, f, v in
...     ((2021, "DEU", "KGZ", "X", 100.0), (2021, "KGZ", "DEU", "M", 105.0),
...      (2022, "DEU", "KGZ", "X", 300.0), (2022, "KGZ", "DEU", "M", 157.5))])
>>> mirror_gap(store, basket="computers", reporter="DEU", partner="KGZ", baseline=2021, after=2022).select(
...     "gap_share_baseline", "gap_share_after", "unreported_increase_share").rows()
[(0.0, 0.5, 0.75)]
"""

from __future__ import annotations

from dataclasses import dataclass

from tradeflows.indicators.api import ScopeSpec, frame_function, public_function, runner, takes_settings
from tradeflows.indicators.base import (
    Scope,
    Years,
    basket_cte,
    basket_flows_cte,
    literal,
    period_columns,
    reported_cte,
    status_reason,
)
from tradeflows.schema import CIF_MARGIN
from tradeflows.store.views import mirror_pairs_sql

# A year of a pair: both sides' basket totals from one source, a missing side as 0 (whether
# its reporter reported that year at all is checked against ``reported``).
PAIR_COLUMNS = ", ".join(
    [f"COALESCE(x.{k}, m.{k}) AS {k}" for k in ("source", "basket", "exporter", "importer", "year")]
    + ["COALESCE(x.value_usd, 0) AS x", "COALESCE(m.value_usd, 0) AS m",
       "COALESCE(x.n_rows, 0) + COALESCE(m.n_rows, 0) AS n_rows"]
)  # fmt: skip


@dataclass(frozen=True)
class Settings:
    """The mirror gap's options: ``cif_margin``, the CIF/FOB margin removed from imports."""

    cif_margin: float = CIF_MARGIN


SCOPE = ScopeSpec(reporter="coalition", partner="hubs", flow="X", reads=(("reporter", "X"), ("partner", "M")))


@takes_settings(Settings)
def sql(scope: Scope, settings: Settings) -> str:
    """The mirror-gap indicator as one SQL text; ``scope.reporters`` export, ``scope.partners`` import."""
    cif_margin = settings.cif_margin
    b, a = scope.baseline, scope.after
    exporters, importers = scope.reporters, scope.partners
    fob = f"(1 + {literal(float(cif_margin))})"

    def period(p: str, years: Years) -> str:
        within = f"{years.between('y.year')} AND y.both_reported = 1"
        return (f"AVG(CASE WHEN {within} THEN y.x END) AS x_{p}, AVG(CASE WHEN {within} THEN y.m END) / {fob} AS m_{p}, "
                f"SUM(CASE WHEN {within} THEN 1 ELSE 0 END) AS years_{p}")  # fmt: skip

    return f"""WITH {basket_cte(scope)},
{basket_flows_cte(scope, name="xs", flows=["X"], reporters=exporters, partners=importers)},
{basket_flows_cte(scope, name="ms_o", flows=["M"], reporters=importers, partners=exporters)},
{basket_flows_cte(scope, name="ms_c", flows=["M"], reporters=importers, partners=exporters, basis="consignment")},
consigned AS (SELECT DISTINCT source, reporter, basket FROM ms_c),
ms AS (
  -- The importer's imports by consignment where the store holds them (the exporter's own
  -- shipments), else by origin (re-exported goods then appear under their makers).
  SELECT * FROM ms_c
  UNION ALL
  SELECT o.* FROM ms_o o
  WHERE NOT EXISTS (SELECT 1 FROM consigned c WHERE c.source = o.source AND c.reporter = o.reporter
                    AND c.basket = o.basket)
),
{reported_cte(scope, name="rep_x", flows=["X"], reporters=exporters)},
{reported_cte(scope, name="rep_m", flows=["M"], reporters=importers)},
{mirror_pairs_sql("xs", "ms", keys=["basket"], measures="SUM(value_usd) AS value_usd, SUM(n_rows) AS n_rows",
                  columns=PAIR_COLUMNS, same_source=True, name="pair_years", m_basis_chosen=True)},
yearly AS (
  SELECT p.source, p.basket, p.exporter, p.importer, p.year, p.x, p.m,
         CAST(p.n_rows AS BIGINT) AS n_rows,
         CASE WHEN rx.reporter IS NOT NULL AND rm.reporter IS NOT NULL THEN 1 ELSE 0 END AS both_reported
  FROM pair_years p
  LEFT JOIN rep_x rx ON rx.source = p.source AND rx.reporter = p.exporter AND rx.basket = p.basket AND rx.year = p.year
  LEFT JOIN rep_m rm ON rm.source = p.source AND rm.reporter = p.importer AND rm.basket = p.basket AND rm.year = p.year
),
pairs AS (
  SELECT y.source, y.basket, y.exporter, y.importer,
         {period("b", b)},
         {period("a", a)},
         CAST(SUM(y.n_rows) AS BIGINT) AS n_rows
  FROM yearly y GROUP BY y.source, y.basket, y.exporter, y.importer
)
SELECT p.source, p.basket, p.exporter, p.importer, {period_columns(scope)},
       CASE WHEN c.reporter IS NULL THEN 'origin' ELSE 'consignment' END AS import_basis,
       {literal(float(cif_margin))} AS cif_margin, years_b AS baseline_years, years_a AS after_years,
       x_b AS exports_baseline_usd, m_b AS imports_fob_baseline_usd, x_a AS exports_after_usd,
       m_a AS imports_fob_after_usd,
       CASE WHEN x_b > 0 THEN (x_b - m_b) / x_b END AS gap_share_baseline,
       CASE WHEN x_a > 0 THEN (x_a - m_a) / x_a END AS gap_share_after,
       CASE WHEN x_a - x_b > 0 THEN ((x_a - x_b) - (m_a - m_b)) / (x_a - x_b) END AS unreported_increase_share,
       n_rows,
       {status_reason([
           ("years_b = 0 OR years_a = 0", "not_two_sided",
            "'exporter and importer did not both report in each period: the gap would compare data with no data'"),
           ("x_b = 0 OR x_a = 0", "no_exports", "'no exports in one period: a share of exports is undefined'"),
           ("x_a - x_b <= 0", "exports_did_not_rise", "'exports did not rise: unreported_increase_share undefined'"),
           ("c.reporter IS NULL", "importer_by_origin",
            "'the importer records imports by country of origin and the store holds none by consignment: goods the "
            "exporter re-exported appear under their makers, so the gap is not goods lost'"),
       ])}
FROM pairs p LEFT JOIN consigned c ON c.source = p.source AND c.reporter = p.importer AND c.basket = p.basket
ORDER BY CASE WHEN x_a - x_b > 0 THEN ((x_a - x_b) - (m_a - m_b)) / (x_a - x_b) END DESC NULLS LAST,
         source, basket, exporter, importer"""


run = runner(sql)
frame = frame_function(Settings, run)
mirror_gap = public_function("mirror_gap", settings=Settings, scope=SCOPE, run=run, doc="""\
Exports of ``reporter`` to ``partner`` against the partner's imports from them, at FOB.

Columns: source, basket, exporter, importer, baseline, after, cif_margin,
baseline_years and after_years (years both sides reported), exports_* and
imports_fob_* (annual means, USD), gap_share_baseline, gap_share_after,
unreported_increase_share, n_rows, status, reason.
""")
