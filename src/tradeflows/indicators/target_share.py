"""Target share: each partner's share of a reporter's trade in a basket, baseline against after.

For hub h and basket k, the share of h's exports of k that go to each destination
(``--partner RUS`` keeps the target's row; without it every destination is listed),
pooled over the baseline years and over the after years, and the change in
percentage points. Ranked within each reporter by that change: the destinations whose
share rose most come first. Shares are of the sum over partner countries (world rows
never enter it).

>>> import tempfile, pathlib, tradeflows
>>> from tradeflows.indicators.testing import load_rows
>>> store = tradeflows.open(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
>>> load_rows(store, [dict(year=y, reporter="GEO", partner=p, hs="8703", value_usd=v) for y, p, v in
...     ((2021, "RUS", 10.0), (2021, "DEU", 90.0), (2022, "RUS", 60.0), (2022, "DEU", 40.0))])
>>> target_share(store, basket="cars", reporter="GEO", baseline=2021, after=2022).select(
...     "partner", "share_baseline", "share_after", "change_pp", "rank").rows()
[('RUS', 0.1, 0.6, 50.0, 1), ('DEU', 0.9, 0.4, -50.0, 2)]
"""

from __future__ import annotations

from dataclasses import dataclass

from tradeflows.indicators.api import ScopeSpec, frame_function, public_function, runner, takes_settings
from tradeflows.indicators.base import (
    Scope,
    basket_cte,
    basket_flows_cte,
    in_list,
    join_on,
    literal,
    not_held,
    period_columns,
    period_sum,
    period_years_cte,
    status_reason,
)


@dataclass(frozen=True)
class Settings:
    """Target share takes no options of its own."""


SCOPE = ScopeSpec()


@takes_settings(Settings)
def sql(scope: Scope, settings: Settings) -> str:
    """The target-share indicator as one SQL text."""
    b, a = scope.baseline, scope.after
    keys = ("source", "basket", "reporter", "flow")
    g = ", ".join(keys)
    return f"""WITH {basket_cte(scope)},
{period_years_cte(scope, flows=[scope.flow])},
{basket_flows_cte(scope, partners=None)},
totals AS (
  SELECT {g},
         {period_sum(b)} AS total_baseline, {period_sum(a)} AS total_after,
         MAX(py.nb) AS baseline_years, MAX(py.na) AS after_years
  FROM bf JOIN period_years py USING (source, reporter, flow, basket) GROUP BY {g}
),
by_partner AS (
  SELECT {g}, partner,
         {period_sum(b)} AS partner_baseline, {period_sum(a)} AS partner_after,
         CAST({period_sum(b, "n_rows")} AS BIGINT) AS n_rows_baseline,
         CAST({period_sum(a, "n_rows")} AS BIGINT) AS n_rows_after
  FROM bf GROUP BY {g}, partner
),
shares AS (
  SELECT p.source, p.basket, p.reporter, p.partner, p.flow, t.baseline_years, t.after_years,
         CASE WHEN t.baseline_years > 0 THEN p.partner_baseline / t.baseline_years END AS baseline_usd,
         CASE WHEN t.after_years > 0 THEN p.partner_after / t.after_years END AS after_usd,
         CASE WHEN t.total_baseline > 0 THEN p.partner_baseline / t.total_baseline END AS share_baseline,
         CASE WHEN t.total_after > 0 THEN p.partner_after / t.total_after END AS share_after,
         p.n_rows_baseline, p.n_rows_after,
         {status_reason([
             ("t.baseline_years = 0", "no_baseline_data",
              f"{not_held('p', literal(b.label))}"),
             ("t.after_years = 0", "no_after_data",
              f"{not_held('p', literal(a.label))}"),
             ("t.total_baseline = 0 OR t.total_after = 0", "zero_total",
              "'the reporter''s total is zero in one period: a share is undefined'"),
         ])}
  FROM by_partner p JOIN totals t ON {join_on("t", "p", keys)}
)
SELECT source, basket, reporter, partner, flow, {period_columns(scope)},
       baseline_years, after_years, baseline_usd, after_usd, share_baseline, share_after,
       100.0 * (share_after - share_baseline) AS change_pp,
       RANK() OVER (PARTITION BY source, basket, reporter, flow
                    ORDER BY CASE WHEN status = 'ok' THEN share_after - share_baseline END DESC NULLS LAST) AS rank,
       n_rows_baseline, n_rows_after, status, reason
FROM shares
WHERE {in_list("partner", scope.partners)}
ORDER BY source, basket, reporter, flow, rank, partner"""


run = runner(sql)
frame = frame_function(Settings, run)
target_share = public_function("target_share", settings=Settings, scope=SCOPE, run=run, doc="""\
Each partner's share of the reporter's basket trade, baseline vs after, ranked by the rise.

Columns: source, basket, reporter, partner, flow, baseline, after, baseline_years,
after_years, baseline_usd and after_usd (annual means, USD), share_baseline and
share_after (0-1), change_pp (percentage points), rank (1 = largest rise),
n_rows_baseline, n_rows_after, status, reason.
""")
