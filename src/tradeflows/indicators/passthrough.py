"""Pass-through: how much of a hub's extra imports from the coalition goes on to the targets.

For hub h (``reporter``) and basket k, from h's own reports:

- ``pass_through`` = min(Δ imports of h from the origins, Δ exports of h to the targets)
  / Δ imports, Δ being the after-period annual mean minus the baseline mean; defined only
  where imports rose;
- the correlation of the monthly import series with the export series ``lag`` months
  later, for lags 0 to ``max_lag``: ``best_lag_months`` and its ``lag_correlation``.
  Months present on both sides only; at least 12 such months, else no correlation.

>>> import tempfile, pathlib, tradeflows
>>> from tradeflows.indicators.testing import load_rows
>>> store = tradeflows.open(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
>>> load_rows(store, [dict(year=y, reporter="KAZ", partner=p, flow=f, hs="847130", value_usd=v) for y, p, f, v in
...     ((2021, "DEU", "M", 100.0), (2022, "DEU", "M", 300.0), (2021, "RUS", "X", 10.0), (2022, "RUS", "X", 110.0))])
>>> pass_through(store, basket="computers", reporter="KAZ", baseline=2021, after=2022).select(
...     "delta_imports_usd", "delta_exports_usd", "pass_through", "lag_status").row(0)
(200.0, 100.0, 0.5, 'no_monthly_data')
"""

from __future__ import annotations

from dataclasses import dataclass

from tradeflows.indicators.api import ScopeSpec, frame_function, public_function, runner, takes_settings
from tradeflows.indicators.base import (
    CountriesLike,
    Scope,
    as_countries,
    basket_cte,
    basket_flows_cte,
    join_on,
    literal,
    not_held,
    partial_reason,
    pass_through_share,
    period_columns,
    period_means_cte,
    period_years_cte,
    rows_where,
    values_table,
)

MIN_MONTHS = 12


def _monthly_cte(scope: Scope, name: str, flow: str, partners: tuple[str, ...] | None) -> str:
    """Monthly figures of the basket from ``figures``: per reporter, the coarsest level it reports."""
    where = rows_where(scope, "f", flows=[flow], reporters=scope.reporters, partners=partners,
                       first_year=scope.first_year, last_year=scope.last_year) + " AND f.month IS NOT NULL"  # fmt: skip
    return f"""{name}_rows AS (
  SELECT f.source, b.basket, f.reporter, f.year * 12 + f.month - 1 AS t, f.hs_level, f.value_usd,
         MIN(f.hs_level) OVER (PARTITION BY f.source, f.reporter, b.basket, b.code, f.hs_version) AS use_level
  FROM figures f JOIN p_basket b
    ON f.hs_version = b.hs_version AND left(f.hs, 2) = left(b.code, 2) AND f.hs LIKE b.code || '%'
   AND f.hs_level >= b.code_level
  WHERE {where}
),
{name} AS (
  SELECT source, basket, reporter, t, SUM(value_usd) AS value_usd FROM {name}_rows
  WHERE hs_level = use_level GROUP BY source, basket, reporter, t
)"""


@dataclass(frozen=True)
class Settings:
    """Pass-through's options: ``origin``, the suppliers (ISO3 codes or a group); ``max_lag``, the
    longest lag in months tried for the lagged correlation."""

    origin: CountriesLike = "coalition"
    max_lag: int = 6


SCOPE = ScopeSpec(reporter="hubs", partner="targets", flow="X", reads=(("reporter", "M"), ("reporter", "X")))


@takes_settings(Settings)
def sql(scope: Scope, settings: Settings) -> str:
    """The pass-through indicator as one SQL text; ``scope.reporters`` are hubs, ``scope.partners`` targets."""
    origins, _ = as_countries(settings.origin, name="origin", groups=scope.groups)
    max_lag = settings.max_lag
    targets = scope.partners
    lags = values_table({"lag": "INTEGER"}, [(i,) for i in range(max_lag + 1)])
    keys = ("source", "basket", "reporter")
    return f"""WITH {basket_cte(scope)},
{period_years_cte(scope, flows=["M", "X"], reporters=scope.reporters)},
{basket_flows_cte(scope, name="imp_rows", flows=["M"], partners=origins)},
{basket_flows_cte(scope, name="exp_rows", flows=["X"], partners=targets)},
{period_means_cte(scope, "imp", "imp_rows", keys=keys, means={("m_b", "m_a"): "value_usd"},
                  extra=["SUM(n_rows) AS n_rows"])},
{period_means_cte(scope, "exp", "exp_rows", keys=keys, means={("x_b", "x_a"): "value_usd"},
                  extra=["SUM(n_rows) AS n_rows"])},
hub_series AS (
  SELECT source, basket, reporter FROM imp UNION SELECT source, basket, reporter FROM exp
),
annual_sums AS (
  SELECT k.source, k.basket, k.reporter,
         CASE WHEN pm.nb > 0 THEN COALESCE(i.m_b, 0) END AS m_b, CASE WHEN pm.na > 0 THEN COALESCE(i.m_a, 0) END AS m_a,
         CASE WHEN px.nb > 0 THEN COALESCE(e.x_b, 0) END AS x_b, CASE WHEN px.na > 0 THEN COALESCE(e.x_a, 0) END AS x_a,
         COALESCE(LEAST(pm.nb, px.nb), 0) AS baseline_years, COALESCE(LEAST(pm.na, px.na), 0) AS after_years,
         LEAST(pm.min_months, px.min_months) AS min_months,
         CAST(COALESCE(i.n_rows, 0) + COALESCE(e.n_rows, 0) AS BIGINT) AS n_rows
  FROM hub_series k
  LEFT JOIN imp i ON {join_on("i", "k", keys)}
  LEFT JOIN exp e ON {join_on("e", "k", keys)}
  LEFT JOIN period_years pm ON {join_on("pm", "k", keys)} AND pm.flow = 'M'
  LEFT JOIN period_years px ON {join_on("px", "k", keys)} AND px.flow = 'X'
),
{_monthly_cte(scope, "m_monthly", "M", origins)},
{_monthly_cte(scope, "x_monthly", "X", targets)},
lags AS ({lags}),
lagged AS (
  SELECT m.source, m.basket, m.reporter, l.lag, CORR(m.value_usd, x.value_usd) AS r, COUNT(*) AS n_months
  FROM m_monthly m CROSS JOIN lags l
  JOIN x_monthly x ON {join_on("x", "m", keys)} AND x.t = m.t + l.lag
  GROUP BY m.source, m.basket, m.reporter, l.lag
),
best AS (
  SELECT source, basket, reporter, lag, r, n_months,
         ROW_NUMBER() OVER (PARTITION BY source, basket, reporter
                            ORDER BY CASE WHEN n_months >= {MIN_MONTHS} THEN r END DESC NULLS LAST, lag) AS pick
  FROM lagged
)
SELECT s.source, s.basket, s.reporter AS hub, {literal(scope.partner_label)} AS targets,
       {period_columns(scope, years=True)},
       s.m_b AS imports_baseline_usd, s.m_a AS imports_after_usd, s.x_b AS exports_baseline_usd,
       s.x_a AS exports_after_usd, s.m_a - s.m_b AS delta_imports_usd, s.x_a - s.x_b AS delta_exports_usd,
       {pass_through_share(("s.m_b", "s.m_a"), ("s.x_b", "s.x_a"))} AS pass_through,
       CASE WHEN bl.n_months >= {MIN_MONTHS} THEN bl.lag END AS best_lag_months,
       CASE WHEN bl.n_months >= {MIN_MONTHS} THEN bl.r END AS lag_correlation,
       COALESCE(bl.n_months, 0) AS n_months, s.n_rows,
       CASE WHEN s.m_a - s.m_b <= 0 THEN 'imports_did_not_rise'
            WHEN s.m_b IS NULL OR s.x_b IS NULL THEN 'no_baseline_data'
            WHEN s.m_a IS NULL OR s.x_a IS NULL THEN 'no_after_data'
            WHEN s.min_months < 12 THEN 'partial' ELSE 'ok' END AS status,
       CASE WHEN bl.n_months IS NULL THEN 'no_monthly_data'
            WHEN bl.n_months < {MIN_MONTHS} OR bl.r IS NULL THEN 'too_few_observations' ELSE 'ok' END AS lag_status,
       TRIM(BOTH '; ' FROM
         CASE WHEN s.m_a - s.m_b <= 0 THEN 'imports from the origins did not rise: pass-through undefined; '
              WHEN s.m_b IS NULL THEN {not_held("s", literal(scope.baseline.label), flow="'M'")} || '; '
              WHEN s.x_b IS NULL THEN {not_held("s", literal(scope.baseline.label), flow="'X'")} || '; '
              WHEN s.m_a IS NULL THEN {not_held("s", literal(scope.after.label), flow="'M'")} || '; '
              WHEN s.x_a IS NULL THEN {not_held("s", literal(scope.after.label), flow="'X'")} || '; '
              WHEN s.min_months < 12 THEN {partial_reason(scope, "s.min_months", literal(scope.after.label))} || '; '
              ELSE '' END ||
         CASE WHEN bl.n_months IS NULL THEN 'no monthly figures on both sides: no lagged correlation'
              WHEN bl.n_months < {MIN_MONTHS} OR bl.r IS NULL
              THEN 'fewer than {MIN_MONTHS} months on both sides, or a flat series: no lagged correlation'
              ELSE '' END) AS reason
FROM annual_sums s
LEFT JOIN best bl ON {join_on("bl", "s", keys)} AND bl.pick = 1
ORDER BY pass_through DESC NULLS LAST, s.source, s.basket, s.reporter"""


run = runner(sql)
frame = frame_function(Settings, run)
pass_through = public_function("pass_through", settings=Settings, scope=SCOPE, run=run, doc="""\
Pass-through of hubs' (``reporter``) extra imports from ``origin`` to ``partner`` (the targets).

Columns: source, basket, hub, targets, baseline, after, imports_* and exports_*
(annual means, USD), delta_imports_usd, delta_exports_usd, pass_through (0-1),
best_lag_months, lag_correlation, n_months, n_rows, status, lag_status, reason.
""")
