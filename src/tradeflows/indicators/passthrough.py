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

from typing import TYPE_CHECKING

import polars as pl

from tradeflows.indicators.base import (
    DEFAULT_AFTER,
    DEFAULT_BASELINE,
    BasketLike,
    CountriesLike,
    Scope,
    YearsLike,
    as_countries,
    basket_cte,
    basket_flows_cte,
    join_on,
    literal,
    make_scope,
    pass_through_share,
    period_columns,
    period_means_cte,
    period_years_cte,
    rows_where,
    run,
    values_table,
)

if TYPE_CHECKING:
    from tradeflows.store import Store

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


def sql(scope: Scope, *, origins: tuple[str, ...] | None, max_lag: int = 6) -> str:
    """The pass-through indicator as one SQL text; ``scope.reporters`` are hubs, ``scope.partners`` targets."""
    targets = scope.partners
    lags = values_table({"lag": "INTEGER"}, [(i,) for i in range(max_lag + 1)])
    keys = ("source", "basket", "reporter")
    g = ", ".join(keys)
    return f"""WITH {basket_cte(scope)},
{period_years_cte(scope)},
{basket_flows_cte(scope, name="imp_rows", flows=["M"], partners=origins)},
{basket_flows_cte(scope, name="exp_rows", flows=["X"], partners=targets)},
{period_means_cte(scope, "imp", "imp_rows", keys=keys, means={("m_b", "m_a"): "value_usd"},
                  extra=["SUM(n_rows) AS n_rows"])},
{period_means_cte(scope, "exp", "exp_rows", keys=keys, means={("x_b", "x_a"): "value_usd"},
                  extra=["SUM(n_rows) AS n_rows"])},
annual_pairs AS (
  SELECT {g}, m_b, m_a, 0 AS x_b, 0 AS x_a, n_rows FROM imp
  UNION ALL
  SELECT {g}, 0, 0, x_b, x_a, n_rows FROM exp
),
annual_sums AS (
  SELECT {g}, SUM(m_b) AS m_b, SUM(m_a) AS m_a, SUM(x_b) AS x_b, SUM(x_a) AS x_a,
         CAST(SUM(n_rows) AS BIGINT) AS n_rows
  FROM annual_pairs GROUP BY {g}
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
       CASE WHEN s.m_a - s.m_b > 0 THEN 'ok' ELSE 'imports_did_not_rise' END AS status,
       CASE WHEN bl.n_months IS NULL THEN 'no_monthly_data'
            WHEN bl.n_months < {MIN_MONTHS} OR bl.r IS NULL THEN 'too_few_observations' ELSE 'ok' END AS lag_status,
       TRIM(BOTH ' ' FROM
         CASE WHEN s.m_a - s.m_b > 0 THEN '' ELSE 'imports from the origins did not rise: pass-through undefined; ' END ||
         CASE WHEN bl.n_months IS NULL THEN 'no monthly figures on both sides: no lagged correlation'
              WHEN bl.n_months < {MIN_MONTHS} OR bl.r IS NULL
              THEN 'fewer than {MIN_MONTHS} months on both sides, or a flat series: no lagged correlation'
              ELSE '' END) AS reason
FROM annual_sums s
LEFT JOIN best bl ON {join_on("bl", "s", keys)} AND bl.pick = 1
ORDER BY pass_through DESC NULLS LAST, s.source, s.basket, s.reporter"""


def pass_through(
    store: Store,
    *,
    basket: BasketLike | list[BasketLike],
    reporter: CountriesLike = "hubs",
    partner: CountriesLike = "targets",
    origin: CountriesLike = "coalition",
    baseline: YearsLike = DEFAULT_BASELINE,
    after: YearsLike = DEFAULT_AFTER,
    max_lag: int = 6,
    source: str | None = None,
    baskets: dict | None = None,
    groups: dict | None = None,
    flow: str = "X",
) -> pl.DataFrame:
    """Pass-through of hubs' (``reporter``) extra imports from ``origin`` to ``partner`` (the targets).

    Columns: source, basket, hub, targets, baseline, after, imports_* and exports_*
    (annual means, USD), delta_imports_usd, delta_exports_usd, pass_through (0-1),
    best_lag_months, lag_correlation, n_months, n_rows, status, lag_status, reason.
    """
    scope = make_scope(store, basket=basket, reporter=reporter, partner=partner, flow="X", baseline=baseline,
                       after=after, source=source, baskets=baskets, groups=groups)  # fmt: skip
    return frame(store, scope, origin=origin, max_lag=max_lag, groups=groups)


def frame(store: Store, scope: Scope, *, origin: CountriesLike = "coalition", groups: dict | None = None,
          max_lag: int = 6) -> pl.DataFrame:  # fmt: skip
    """Run the indicator for an already resolved scope."""
    origins, _ = as_countries(origin, name="origin", groups=groups)
    return run(store, sql(scope, origins=origins, max_lag=max_lag))
