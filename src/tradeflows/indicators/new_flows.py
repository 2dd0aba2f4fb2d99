"""New flows: trade absent throughout the baseline that appears afterwards above a threshold.

The export-control red flag "a buyer who never received such goods before February
2022": for each reporter, partner and code of the basket (at the level the basket
resolved to), no trade in any baseline year the reporter reported, and at least
``min_usd`` in some after year. A code the reporter did not report at all in the
baseline cannot be called new (``no_baseline_data``): missing is not zero.

>>> import tempfile, pathlib, tradeflows
>>> from tradeflows.indicators.testing import load_rows
>>> store = tradeflows.open(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
>>> load_rows(store, [dict(year=2021, reporter="DEU", partner="FRA", hs="854231", value_usd=9e6),
...                   dict(year=2022, reporter="DEU", partner="KGZ", hs="854231", value_usd=2e6)])
>>> new_flows(store, basket="chpl", reporter="DEU", baseline=2021, after=2022).select(
...     "partner", "hs", "first_year", "after_usd", "flagged").rows()
[('KGZ', '854231', 2022, 2000000.0, True)]
"""

from __future__ import annotations

from dataclasses import dataclass

from tradeflows.indicators.api import ScopeSpec, frame_function, public_function, runner, takes_settings
from tradeflows.indicators.base import (
    Scope,
    basket_cte,
    basket_flows_cte,
    literal,
    not_held,
    period_columns,
    period_sum,
    reported_cte,
    status_reason,
)


@dataclass(frozen=True)
class Settings:
    """New flows' options: ``min_usd``, the smallest after-year value that counts."""

    min_usd: float = 1e6


SCOPE = ScopeSpec()


@takes_settings(Settings)
def sql(scope: Scope, settings: Settings) -> str:
    """The new-flows indicator as one SQL text."""
    min_usd = settings.min_usd
    b, a = scope.baseline, scope.after
    k = "source, basket, reporter, partner, flow, hs"
    return f"""WITH {basket_cte(scope)},
{basket_flows_cte(scope)},
{reported_cte(scope)},
yearly AS (
  SELECT {k}, year, SUM(value_usd) AS value_usd, CAST(SUM(n_rows) AS BIGINT) AS n_rows FROM bf GROUP BY {k}, year
),
cells AS (
  SELECT {k},
         {period_sum(b)} AS baseline_usd, {period_sum(a)} AS after_usd,
         MAX(CASE WHEN {a.between()} THEN value_usd END) AS max_year_usd,
         MIN(CASE WHEN {a.between()} AND value_usd > 0 THEN year END) AS first_year,
         CAST({period_sum(a, "n_rows")} AS BIGINT) AS n_rows
  FROM yearly GROUP BY {k}
),
coverage AS (
  SELECT source, reporter, flow, basket, COUNT(*) AS baseline_years FROM reported WHERE {b.between()}
  GROUP BY source, reporter, flow, basket
)
SELECT c.source, c.basket, c.reporter, c.partner, c.flow, c.hs, {period_columns(scope, after=False)},
       COALESCE(v.baseline_years, 0) AS baseline_years, c.baseline_usd, c.first_year, c.after_usd, c.max_year_usd,
       c.n_rows, COALESCE(v.baseline_years, 0) > 0 AND c.max_year_usd >= {literal(float(min_usd))} AS flagged,
       {status_reason([
           ("v.baseline_years IS NULL", "no_baseline_data",
            f"{not_held('c', literal(b.label))} || ': absent is not zero'"),
           (f"c.max_year_usd < {literal(float(min_usd))}", "below_threshold",
            f"'no after year reaches ' || {literal(f'{min_usd:,.0f}')} || ' USD'"),
       ])}
FROM cells c
LEFT JOIN coverage v ON v.source = c.source AND v.reporter = c.reporter AND v.flow = c.flow AND v.basket = c.basket
WHERE c.baseline_usd = 0 AND c.after_usd > 0
ORDER BY flagged DESC, c.after_usd DESC, c.reporter, c.partner, c.hs"""


run = runner(sql)
frame = frame_function(Settings, run)
new_flows = public_function("new_flows", settings=Settings, scope=SCOPE, run=run, doc="""\
Flows (reporter, partner, code) with no trade in the baseline and at least ``min_usd`` in an after year.

Columns: source, basket, reporter, partner, flow, hs, baseline, baseline_years,
baseline_usd (0), first_year, after_usd (sum over the after years), max_year_usd,
n_rows, flagged, status, reason.
""")
