"""Excess: observed trade minus a counterfactual extended from the baseline trend.

For each series (reporter, partner set or partner, basket, flow) a straight line is
fitted by least squares to the baseline years' values (years the reporter reported,
zeros where it reported no trade in the basket) and extended to each after year; the
counterfactual is floored at zero. With a single baseline year the counterfactual is
that year's value (``method = 'mean'``). The last row of each series sums the excess
over the after period, in USD, when it has more than one year.

>>> import tempfile, pathlib, tradeflows
>>> from tradeflows.indicators.testing import load_rows
>>> store = tradeflows.open(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
>>> load_rows(store, [dict(year=y, reporter="KAZ", partner="RUS", hs="847130", value_usd=v)
...                   for y, v in ((2019, 10.0), (2020, 20.0), (2021, 30.0), (2022, 100.0))])
>>> excess(store, basket="computers", reporter="KAZ", baseline="2019-2021", after=2022).select(
...     "period", "method", "counterfactual_usd", "value_usd", "excess_usd").rows()
[('2022', 'trend', 40.0, 100.0, 60.0)]
"""

from __future__ import annotations

from dataclasses import dataclass

from tradeflows.indicators.api import ScopeSpec, frame_function, public_function, runner, takes_settings
from tradeflows.indicators.base import (
    Scope,
    basket_cte,
    basket_flows_cte,
    join_on,
    literal,
    period_columns,
    status_reason,
)
from tradeflows.indicators.growth import KEYS, panel_ctes


@dataclass(frozen=True)
class Settings:
    """Excess's options: ``by_partner`` one series per partner instead of their sum."""

    by_partner: bool = False


SCOPE = ScopeSpec()


@takes_settings(Settings)
def sql(scope: Scope, settings: Settings) -> str:
    """The excess indicator as one SQL text."""
    by_partner = settings.by_partner
    b, a = scope.baseline, scope.after
    k = ", ".join(KEYS)
    kk = ", ".join("k." + c for c in KEYS)
    x = f"(year - {b.first})"
    total = (
        ""
        if a.first == a.last
        else f"""
  UNION ALL
  SELECT {k}, {literal(a.label + " total")} AS period, 9999 AS sort_year, MAX(baseline_years), MAX(method), MAX(slope),
         SUM(counterfactual_usd), SUM(value_usd), MAX(n_rows_baseline), CAST(SUM(n_rows) AS BIGINT)
  FROM post GROUP BY {k}"""
    )
    return f"""WITH {basket_cte(scope)},
{basket_flows_cte(scope)}{panel_ctes(scope, by_partner=by_partner)},
sums AS (
  SELECT {k}, COUNT(*) AS n, SUM({x}) AS sx, SUM(value_usd) AS sy,
         SUM({x} * {x}) AS sxx, SUM({x} * value_usd) AS sxy, CAST(SUM(n_rows) AS BIGINT) AS n_rows_baseline
  FROM panel WHERE year BETWEEN {b.first} AND {b.last} GROUP BY {k}
),
fit AS (
  SELECT {k}, n AS baseline_years, n_rows_baseline,
         CASE WHEN n >= 2 AND n * sxx - sx * sx <> 0 THEN (n * sxy - sx * sy) / (n * sxx - sx * sx) ELSE 0 END AS slope,
         CASE WHEN n >= 2 AND n * sxx - sx * sx <> 0 THEN 'trend' ELSE 'mean' END AS method,
         sx / n AS mx, sy / n AS my
  FROM sums
),
post AS (
  SELECT {kk}, p.year, p.value_usd, p.n_rows, f.baseline_years, f.n_rows_baseline, f.method, f.slope,
         CASE WHEN f.my + f.slope * ((p.year - {b.first}) - f.mx) > 0
              THEN f.my + f.slope * ((p.year - {b.first}) - f.mx) ELSE 0 END AS counterfactual_usd
  FROM series_keys k
  JOIN panel p ON {join_on("p", "k", KEYS)} AND p.year BETWEEN {a.first} AND {a.last}
  LEFT JOIN fit f ON {join_on("f", "k", KEYS)}
),
rows_out AS (
  SELECT {k}, CAST(year AS VARCHAR) AS period, year AS sort_year, baseline_years, method, slope,
         counterfactual_usd, value_usd, n_rows_baseline, n_rows
  FROM post{total}
)
SELECT {k}, period, {period_columns(scope, after=False)}, COALESCE(baseline_years, 0) AS baseline_years, method,
       slope AS trend_usd_per_year, counterfactual_usd, value_usd,
       CASE WHEN baseline_years IS NOT NULL THEN value_usd - counterfactual_usd END AS excess_usd,
       CASE WHEN counterfactual_usd > 0 THEN 100.0 * (value_usd - counterfactual_usd) / counterfactual_usd END AS excess_pct,
       COALESCE(n_rows_baseline, 0) AS n_rows_baseline, n_rows,
       {status_reason([
           ("baseline_years IS NULL", "no_baseline_data",
            f"'the reporter reported no ' || flow || ' figures in ' || {literal(b.label)}"),
           ("counterfactual_usd = 0", "zero_counterfactual",
            "'the baseline trend reaches zero: excess in USD only, no per cent'"),
       ], ok_reason="CASE WHEN method = 'mean' "
                    "THEN 'one baseline year: counterfactual is that year''s value, no trend' END")}
FROM rows_out
ORDER BY {k}, sort_year"""


run = runner(sql)
frame = frame_function(Settings, run)
excess = public_function("excess", settings=Settings, scope=SCOPE, run=run, doc="""\
Observed minus the baseline-trend counterfactual, per after year and summed, in USD.

Columns: source, basket, reporter, partner, flow, period, baseline, baseline_years,
method (trend or mean), trend_usd_per_year, counterfactual_usd, value_usd, excess_usd,
excess_pct, n_rows_baseline, n_rows, status, reason.
""")
