"""Growth: each after-period year (and the after-period mean) against the baseline mean.

For every reporter (and partner, with ``by_partner``) and basket: the baseline mean of
annual values, each after year's value, their ratio and per-cent change, and a robust
z-score of the after value against the baseline years (median and MAD, 3+ years needed).
A year no file covers for the series (source, reporter, flow, basket: ``held_years_cte``)
is missing, not zero: the baseline mean is over the years the series holds
(``baseline_years``), whatever else the store holds; a held year with no row is zero.

Flagged: ratio >= ``threshold`` (a doubling by default), and robust z >= ``z_threshold``
when one is given. The z-score is off by default: against three baseline years of a series
that trends, the MAD is tiny and ordinary growth scores far beyond 3.5 (in a synthetic world
with nothing planted, 59 of 140 hub-basket series did), so it is shown, not flagged on.

>>> import tempfile, pathlib, polars as pl, tradeflows
>>> store = tradeflows.open(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
>>> rows = [dict(year=y, reporter="GEO", partner="RUS", flow="X", hs="870323", value_usd=v)
...         for y, v in ((2021, 100.0), (2022, 250.0))]
>>> from tradeflows.indicators.testing import load_rows
>>> load_rows(store, rows)
>>> growth(store, basket="cars", reporter="GEO", baseline=2021, after=2022).select(
...     "period", "baseline_usd", "value_usd", "ratio", "growth_pct", "flagged", "status").row(0)
('2022', 100.0, 250.0, 2.5, 150.0, True, 'ok')
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
    not_held,
    partial_reason,
    period_columns,
    reported_cte,
    robust_z,
    status_reason,
    values_table,
    years_text,
)

KEYS = ("source", "basket", "reporter", "partner", "flow")  # a series


def panel_ctes(scope: Scope, *, by_partner: bool) -> str:
    """CTEs ``series`` and ``panel``: one row per series and reported year, zeros filled in.

    Shared by growth and excess, which read the same annual panel.
    """
    partner = "partner" if by_partner else literal(scope.partner_label)
    k = ", ".join(KEYS)
    return f""",
{reported_cte(scope)},
series AS (
  SELECT source, basket, reporter, {partner} AS partner, flow, year,
         SUM(value_usd) AS value_usd, CAST(SUM(n_rows) AS BIGINT) AS n_rows
  FROM bf GROUP BY source, basket, reporter, {partner}, flow, year
),
series_keys AS (SELECT DISTINCT {k} FROM series),
panel AS (
  SELECT {", ".join("k." + c for c in KEYS)}, r.year, r.months,
         COALESCE(s.value_usd, 0) AS value_usd, COALESCE(s.n_rows, 0) AS n_rows
  FROM series_keys k
  JOIN reported r ON r.source = k.source AND r.reporter = k.reporter AND r.flow = k.flow AND r.basket = k.basket
  LEFT JOIN series s ON {join_on("s", "k", KEYS)} AND s.year = r.year
)"""


@dataclass(frozen=True)
class Settings:
    """Growth's options: ``by_partner`` one series per partner instead of their sum; flagged
    where the ratio is at least ``threshold`` (and the robust z at least ``z_threshold`` if given)."""

    by_partner: bool = False
    threshold: float = 2.0
    z_threshold: float | None = None


SCOPE = ScopeSpec()


@takes_settings(Settings)
def sql(scope: Scope, settings: Settings) -> str:
    """The growth indicator as one SQL text over the store's views."""
    by_partner, threshold, z_threshold = settings.by_partner, settings.threshold, settings.z_threshold
    b, a = scope.baseline, scope.after
    k = ", ".join(KEYS)
    kk = ", ".join("k." + c for c in KEYS)
    z_flag = "" if z_threshold is None else f" OR robust_z >= {literal(float(z_threshold))}"
    # Like for like, every year of a series with a short year is cut: each of its rows says so.
    if scope.partial == "like_for_like":
        short, shortest = "sm.min_months < 12", "sm.min_months"
    else:
        short, shortest = "q.months < 12 OR m.baseline_months < 12", "LEAST(q.months, m.baseline_months)"
    mean_row = (
        ""
        if a.first == a.last
        else f"""
  UNION ALL
  SELECT {kk}, {literal(a.label)} AS period, 9999 AS sort_year, COUNT(p.year) AS after_years, MIN(p.months) AS months,
         AVG(p.value_usd) AS value_usd, CAST(COALESCE(SUM(p.n_rows), 0) AS BIGINT) AS n_rows
  FROM series_keys k LEFT JOIN panel p ON {join_on("p", "k", KEYS)} AND p.year BETWEEN {a.first} AND {a.last}
  GROUP BY {kk}"""
    )
    return f"""WITH {basket_cte(scope)},
{basket_flows_cte(scope)}{panel_ctes(scope, by_partner=by_partner)},
base AS (
  SELECT {k}, COUNT(*) AS baseline_years, MIN(months) AS baseline_months, AVG(value_usd) AS baseline_usd,
         {years_text(b, "MAX(CASE WHEN year = {y} THEN 1 END)")} AS baseline_not_held,
         CAST(SUM(n_rows) AS BIGINT) AS n_rows_baseline,
         PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY value_usd) AS baseline_median
  FROM panel WHERE year BETWEEN {b.first} AND {b.last} GROUP BY {k}
),
spread AS (
  SELECT {", ".join("p." + c for c in KEYS)},
         PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY ABS(p.value_usd - m.baseline_median)) AS baseline_mad
  FROM panel p JOIN base m ON {join_on("p", "m", KEYS)}
  WHERE p.year BETWEEN {b.first} AND {b.last}
  GROUP BY {", ".join("p." + c for c in KEYS)}
),
after_years AS (
  {values_table({"year": "INTEGER"}, [(y,) for y in a.years])}
),
post AS (
  SELECT {kk}, CAST(y.year AS VARCHAR) AS period, y.year AS sort_year, COUNT(p.year) AS after_years,
         MIN(p.months) AS months, MAX(p.value_usd) AS value_usd, COALESCE(MAX(p.n_rows), 0) AS n_rows
  FROM series_keys k CROSS JOIN after_years y
  LEFT JOIN panel p ON {join_on("p", "k", KEYS)} AND p.year = y.year
  GROUP BY {kk}, y.year{mean_row}
),
series_months AS (SELECT {k}, MIN(months) AS min_months FROM panel GROUP BY {k}),
scored AS (
  SELECT {", ".join("q." + c for c in KEYS)}, q.period, q.sort_year, q.after_years,
         COALESCE(m.baseline_years, 0) AS baseline_years, m.baseline_usd, q.value_usd,
         CASE WHEN m.baseline_usd > 0 AND q.after_years > 0 THEN q.value_usd / m.baseline_usd END AS ratio,
         CASE WHEN m.baseline_years >= 3 AND d.baseline_mad > 0 AND q.after_years > 0
              THEN {robust_z("q.value_usd", "m.baseline_median", "d.baseline_mad")} END AS robust_z,
         COALESCE(m.n_rows_baseline, 0) AS n_rows_baseline, q.n_rows,
         {status_reason([
             ("m.baseline_years IS NULL", "no_baseline_data",
              f"{not_held('q', literal(b.label))}"),
             ("q.after_years = 0", "no_after_data",
              f"{not_held('q', 'q.period')}"),
             ("m.baseline_usd = 0", "zero_baseline",
              "'no trade in the baseline: a ratio is undefined (see new-flows)'"),
             (short, "partial", partial_reason(scope, shortest, "q.period")),
         ], ok_reason="NULLIF(CONCAT_WS('; ', CASE WHEN m.baseline_not_held <> '' THEN 'baseline over the years held ("
                      "not held: ' || m.baseline_not_held || ')' END, "
                      "CASE WHEN m.baseline_years < 3 THEN 'robust_z needs 3+ baseline years' "
                      "WHEN d.baseline_mad = 0 THEN 'robust_z undefined: the baseline does not vary' END), '')")}
  FROM post q
  LEFT JOIN base m ON {join_on("m", "q", KEYS)}
  LEFT JOIN series_months sm ON {join_on("sm", "q", KEYS)}
  LEFT JOIN spread d ON {join_on("d", "q", KEYS)}
)
SELECT {k}, period, {period_columns(scope, after=False)}, baseline_years, after_years,
       baseline_usd, value_usd, ratio, 100.0 * (ratio - 1) AS growth_pct, robust_z,
       COALESCE(ratio >= {literal(float(threshold))}{z_flag}, FALSE) AS flagged,
       n_rows_baseline, n_rows, status, reason
FROM scored
ORDER BY {k}, sort_year"""


run = runner(sql)
frame = frame_function(Settings, run)
growth = public_function("growth", settings=Settings, scope=SCOPE, run=run, doc="""\
Growth of each after year (and the after mean) against the baseline mean, in USD and per cent.

Columns: source, basket, reporter, partner (the set's label unless ``by_partner``),
flow, period, baseline (years), baseline_years and after_years (years with data),
baseline_usd (annual mean), value_usd, ratio, growth_pct, robust_z, flagged,
n_rows_baseline and n_rows (store rows behind each figure), status, reason.
""")
