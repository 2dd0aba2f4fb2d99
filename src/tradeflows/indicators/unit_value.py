"""Unit-value outliers: a flow's price per kg (or per unit) against the same code's other routes.

For each reporter, partner, code and year: log(value / net_kg) (``per="kg"``) or
log(value / qty) (``per="unit"``), and its robust z-score against every route of the same
code, flow and year in the store: (log uv - median) / (1.4826 x MAD). |z| >= ``z_threshold``
flags over- or under-invoicing; ``z_change`` is the move from the route's own baseline
mean z, so a hub or target route that turned cheap after the sanctions stands out against
routes that were always cheap. A flow without a quantity has no unit value
(``zero_quantity``); a code with fewer than ``min_routes`` routes has no reference
(``too_few_observations``).

>>> import tempfile, pathlib, tradeflows
>>> from tradeflows.indicators.testing import load_rows
>>> store = tradeflows.open(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
>>> load_rows(store, [dict(year=2022, reporter=r, partner=p, hs="851713", value_usd=v, net_kg=1.0)
...     for r, p, v in (("CHN", "DEU", 100.0), ("CHN", "FRA", 110.0), ("KOR", "DEU", 90.0),
...                     ("KOR", "FRA", 100.0), ("ARE", "RUS", 25.0))])
>>> uv = unit_value(store, basket="smartphones", baseline=2021, after=2022, min_routes=5)
>>> row = uv.filter(uv["partner"] == "RUS").row(0, named=True)
>>> round(row["unit_value"], 6), round(row["median_unit_value"], 6), row["flagged"]
(25.0, 100.0, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tradeflows.indicators.api import ScopeSpec, frame_function, public_function, runner, takes_settings
from tradeflows.indicators.base import (
    Scope,
    basket_cte,
    basket_flows_cte,
    in_list,
    join_on,
    literal,
    robust_z,
    status_reason,
)


@dataclass(frozen=True)
class Settings:
    """Unit value's options: ``per`` kg (net weight) or unit (quantity); flagged where the robust z
    is at least ``z_threshold`` against at least ``min_routes`` routes."""

    per: Literal["kg", "unit"] = "kg"
    z_threshold: float = 3.5
    min_routes: int = 5


SCOPE = ScopeSpec()


@takes_settings(Settings)
def sql(scope: Scope, settings: Settings) -> str:
    """The unit-value indicator as one SQL text; the reference is every route, the output the scope's."""
    per, z_threshold, min_routes = settings.per, settings.z_threshold, settings.min_routes
    qty = "net_kg" if per == "kg" else "qty"
    keys = ("source", "basket", "flow", "hs", "year")  # the routes of one code and year compared
    k = ", ".join(keys)
    b, a = scope.baseline, scope.after
    return f"""WITH {basket_cte(scope)},
{basket_flows_cte(scope, name="every_route", reporters=None, partners=None)},
routes AS (
  SELECT {k}, reporter, partner, SUM(value_usd) AS value_usd, SUM({qty}) AS quantity,
         {"'kg'" if per == "kg" else "MAX(qty_unit)"} AS qty_unit, CAST(SUM(n_rows) AS BIGINT) AS n_rows
  FROM every_route GROUP BY {k}, reporter, partner
),
priced AS (
  SELECT r.*, CASE WHEN quantity > 0 AND value_usd > 0 THEN LN(value_usd / quantity) END AS log_uv FROM routes r
),
med AS (
  SELECT {k}, COUNT(log_uv) AS n_routes,
         PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY log_uv) AS median_log_uv
  FROM priced WHERE log_uv IS NOT NULL GROUP BY {k}
),
mad AS (
  SELECT p.source, p.basket, p.flow, p.hs, p.year,
         PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY ABS(p.log_uv - m.median_log_uv)) AS mad_log_uv
  FROM priced p JOIN med m ON {join_on("m", "p", keys)}
  WHERE p.log_uv IS NOT NULL GROUP BY p.source, p.basket, p.flow, p.hs, p.year
),
scored AS (
  SELECT p.*, m.n_routes, m.median_log_uv, d.mad_log_uv,
         CASE WHEN p.log_uv IS NOT NULL AND m.n_routes >= {int(min_routes)} AND d.mad_log_uv > 0
              THEN {robust_z("p.log_uv", "m.median_log_uv", "d.mad_log_uv")} END AS robust_z
  FROM priced p
  LEFT JOIN med m ON {join_on("m", "p", keys)}
  LEFT JOIN mad d ON {join_on("d", "p", keys)}
)
SELECT source, basket, reporter, partner, flow, hs, year,
       CASE WHEN {b.between()} THEN 'baseline' ELSE 'after' END AS period,
       {literal(per)} AS per, value_usd, quantity, qty_unit, EXP(log_uv) AS unit_value, EXP(median_log_uv) AS median_unit_value,
       robust_z,
       robust_z - AVG(CASE WHEN {b.between()} THEN robust_z END)
         OVER (PARTITION BY source, basket, reporter, partner, flow, hs) AS z_change,
       COALESCE(ABS(robust_z) >= {literal(float(z_threshold))}, FALSE) AS flagged, n_routes, n_rows,
       {status_reason([
           ("log_uv IS NULL", "zero_quantity", f"'no quantity ({qty}) or no value: a unit value is undefined'"),
           (f"n_routes < {int(min_routes)}", "too_few_observations",
            f"'only ' || CAST(n_routes AS VARCHAR) || ' routes price this code in ' || CAST(year AS VARCHAR) || "
            f"'; at least {int(min_routes)} needed for a reference'"),
           ("mad_log_uv = 0", "no_spread", "'every route has the same unit value: no spread to compare against'"),
       ])}
FROM scored
WHERE {in_list("reporter", scope.reporters)} AND {in_list("partner", scope.partners)}
  AND ({b.between()} OR {a.between()})
ORDER BY flagged DESC, ABS(robust_z) DESC NULLS LAST, source, basket, reporter, partner, hs, year"""


run = runner(sql)
frame = frame_function(Settings, run)
unit_value = public_function("unit_value", settings=Settings, scope=SCOPE, run=run, doc="""\
Unit values of the scope's flows against the median of every route of the same code and year.

Columns: source, basket, reporter, partner, flow, hs, year, period, per, value_usd,
quantity, qty_unit, unit_value (USD per kg or unit), median_unit_value, robust_z, z_change,
flagged, n_routes (routes in the reference), n_rows, status, reason.
""")
