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

from typing import TYPE_CHECKING

import polars as pl

from tradeflows.indicators.base import (
    DEFAULT_AFTER,
    DEFAULT_BASELINE,
    BasketLike,
    CountriesLike,
    Scope,
    YearsLike,
    basket_cte,
    basket_flows_cte,
    literal,
    make_scope,
    not_held,
    period_columns,
    period_sum,
    reported_cte,
    run,
    status_reason,
)

if TYPE_CHECKING:
    from tradeflows.store import Store


def sql(scope: Scope, *, min_usd: float = 1e6) -> str:
    """The new-flows indicator as one SQL text."""
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


def new_flows(
    store: Store,
    *,
    basket: BasketLike | list[BasketLike],
    reporter: CountriesLike = None,
    partner: CountriesLike = None,
    flow: str = "X",
    baseline: YearsLike = DEFAULT_BASELINE,
    after: YearsLike = DEFAULT_AFTER,
    min_usd: float = 1e6,
    source: str | None = None,
    baskets: dict | None = None,
    groups: dict | None = None,
    partial: str = "like_for_like",
) -> pl.DataFrame:
    """Flows (reporter, partner, code) with no trade in the baseline and at least ``min_usd`` in an after year.

    Columns: source, basket, reporter, partner, flow, hs, baseline, baseline_years,
    baseline_usd (0), first_year, after_usd (sum over the after years), max_year_usd,
    n_rows, flagged, status, reason.
    """
    scope = make_scope(store, basket=basket, reporter=reporter, partner=partner, flow=flow, baseline=baseline,
                       after=after, source=source, baskets=baskets, groups=groups, partial=partial)  # fmt: skip
    return frame(store, scope, min_usd=min_usd)


def frame(store: Store, scope: Scope, **options: float) -> pl.DataFrame:
    """Run the indicator for an already resolved scope."""
    return run(store, sql(scope, **options))
