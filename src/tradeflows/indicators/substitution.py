"""Substitution (offset): how much of the fall in direct exports to the targets reappears as
exports to the hubs.

For the origins (the coalition) and basket k, baseline against after (annual means):

- ``direct_fall_usd``: the fall in the origins' exports of k to the targets (R);
- ``hub_rise_usd``: the rise in their exports of k to a hub (one row per hub, and one for
  the hubs together, ``hub`` = the group's label);
- ``offset_share = hub_rise_usd / direct_fall_usd``, where direct exports fell: the share of the
  lost direct trade that the hub's extra imports make up (1 = all of it).

Flagged: direct exports fell by at least ``min_drop`` (0.3 = 30%) and the hub's rise offsets at
least ``min_offset`` of the fall. Where direct exports did not fall there is nothing to offset:
``status`` says so and ``offset_share`` is NULL.

>>> import tempfile, pathlib, tradeflows
>>> from tradeflows.indicators.testing import load_rows
>>> store = tradeflows.open(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
>>> load_rows(store, [dict(year=y, reporter="DEU", partner=p, flow="X", hs="870323", value_usd=v)
...                   for y, p, v in ((2021, "RUS", 100.0), (2022, "RUS", 20.0), (2021, "GEO", 10.0), (2022, "GEO", 50.0))])
>>> substitution(store, basket="cars", reporter="DEU", partner="GEO", baseline=2021, after=2022).select(
...     "hub", "direct_fall_usd", "hub_rise_usd", "offset_share", "flagged").row(0)
('GEO', 80.0, 40.0, 0.5, True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from tradeflows.indicators.base import (
    DEFAULT_AFTER,
    DEFAULT_BASELINE,
    SANCTIONED_BASKETS,
    BasketLike,
    CountriesLike,
    Scope,
    YearsLike,
    as_countries,
    basket_cte,
    basket_flows_cte,
    in_list,
    join_on,
    literal,
    make_scope,
    period_columns,
    period_means_cte,
    period_years_cte,
    ratio_of,
    run,
    status_reason,
)

if TYPE_CHECKING:
    from tradeflows.store import Store

DEFAULT_BASKETS = SANCTIONED_BASKETS
DIRECT = "__direct"  # the label of the targets' leg while hubs and targets share one relation


def sql(scope: Scope, *, targets: tuple[str, ...] = ("RUS", "BLR"), min_drop: float = 0.3, min_offset: float = 0.05) -> str:
    """The substitution indicator as one SQL text; ``scope.reporters`` are the origins,
    ``scope.partners`` the hubs."""
    hubs = None if scope.partners is None else tuple(p for p in scope.partners if p not in targets)
    partners = None if hubs is None else (*hubs, *targets)
    dest = f"CASE WHEN {in_list('partner', targets)} THEN {literal(DIRECT)} ELSE partner END"
    return f"""WITH {basket_cte(scope)},
{period_years_cte(scope)},
{basket_flows_cte(scope, name="rows", flows=["X"], partners=partners)},
legs AS (SELECT source, basket, year, {dest} AS dest, value_usd, n_rows FROM rows),
{period_means_cte(scope, "means", "legs", keys=["source", "basket", "dest"],
                  means={("baseline_usd", "after_usd"): "value_usd"},
                  extra=["CAST(SUM(n_rows) AS BIGINT) AS n_rows"])},
direct AS (SELECT * FROM means WHERE dest = {literal(DIRECT)}),
hub_rows AS (
  SELECT source, basket, dest AS hub, baseline_usd, after_usd, n_rows FROM means WHERE dest <> {literal(DIRECT)}
  UNION ALL
  SELECT source, basket, {literal(scope.partner_label)} AS hub, SUM(baseline_usd), SUM(after_usd),
         CAST(SUM(n_rows) AS BIGINT)
  FROM means WHERE dest <> {literal(DIRECT)} GROUP BY source, basket
),
joined AS (
  SELECT COALESCE(h.source, d.source) AS source, COALESCE(h.basket, d.basket) AS basket, h.hub,
         d.baseline_usd AS direct_baseline_usd, d.after_usd AS direct_after_usd,
         h.baseline_usd AS hub_baseline_usd, h.after_usd AS hub_after_usd,
         d.baseline_usd - d.after_usd AS direct_fall_usd, h.after_usd - h.baseline_usd AS hub_rise_usd,
         COALESCE(d.n_rows, 0) AS n_rows_direct, COALESCE(h.n_rows, 0) AS n_rows_hub
  FROM hub_rows h FULL OUTER JOIN direct d ON {join_on("h", "d", ("source", "basket"))}
),
scored AS (
  SELECT j.*,
         100.0 * ({ratio_of("direct_after_usd", "direct_baseline_usd")} - 1) AS direct_change_pct,
         100.0 * ({ratio_of("hub_after_usd", "hub_baseline_usd")} - 1) AS hub_change_pct,
         CASE WHEN direct_fall_usd > 0 THEN hub_rise_usd / direct_fall_usd END AS offset_share,
         {status_reason([
             ("direct_baseline_usd IS NULL", "no_direct_data",
              f"'the origins reported no exports of the basket to ' || {literal('+'.join(targets))}"),
             ("hub_baseline_usd IS NULL", "no_hub_data",
              "'the origins reported no exports of the basket to the hub'"),
             ("direct_baseline_usd = 0", "zero_baseline",
              "'no direct exports to the targets in the baseline: nothing could fall'"),
             ("direct_fall_usd <= 0", "direct_did_not_fall",
              "'direct exports to the targets did not fall: there is nothing to offset'"),
         ])}
  FROM joined j
)
SELECT source, basket, hub, {literal("+".join(targets))} AS targets, {period_columns(scope, years=True)},
       direct_baseline_usd, direct_after_usd, direct_change_pct, direct_fall_usd,
       hub_baseline_usd, hub_after_usd, hub_change_pct, hub_rise_usd, offset_share,
       COALESCE(direct_change_pct <= {literal(-100.0 * min_drop)} AND hub_rise_usd > 0
                AND offset_share >= {literal(float(min_offset))}, FALSE) AS flagged,
       n_rows_direct, n_rows_hub, status, reason
FROM scored
ORDER BY source, basket, CASE WHEN hub = {literal(scope.partner_label)} THEN 0 ELSE 1 END, offset_share DESC NULLS LAST, hub"""


def substitution(
    store: Store,
    *,
    basket: BasketLike | list[BasketLike] = DEFAULT_BASKETS,
    reporter: CountriesLike = "coalition",
    partner: CountriesLike = "hubs",
    targets: CountriesLike = "targets",
    baseline: YearsLike = DEFAULT_BASELINE,
    after: YearsLike = DEFAULT_AFTER,
    min_drop: float = 0.3,
    min_offset: float = 0.05,
    source: str | None = None,
    baskets: dict | None = None,
    groups: dict | None = None,
) -> pl.DataFrame:
    """The origins' (``reporter``) rise in exports of the basket to each hub (``partner``) against
    the fall in their direct exports to ``targets``.

    Columns: source, basket, hub (a hub, or the hubs' label for their sum), targets, baseline,
    after, baseline_years, after_years, direct_baseline_usd, direct_after_usd, direct_change_pct,
    direct_fall_usd, hub_baseline_usd, hub_after_usd, hub_change_pct, hub_rise_usd, offset_share,
    flagged, n_rows_direct, n_rows_hub (store rows behind each side), status, reason.
    """
    scope = make_scope(store, basket=basket, reporter=reporter, partner=partner, flow="X", baseline=baseline,
                       after=after, source=source, baskets=baskets, groups=groups)  # fmt: skip
    return frame(store, scope, targets=targets, min_drop=min_drop, min_offset=min_offset, groups=groups)


def frame(store: Store, scope: Scope, *, targets: CountriesLike = "targets", groups: dict | None = None,
          **options: float) -> pl.DataFrame:  # fmt: skip
    """Run the indicator for an already resolved scope (``scope.partners`` are the hubs)."""
    members, _ = as_countries(targets, name="targets", groups=groups)
    return run(store, sql(scope, targets=members or ("RUS", "BLR"), **options))
