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

from dataclasses import dataclass

from tradeflows.indicators.api import ScopeSpec, frame_function, public_function, runner, takes_settings
from tradeflows.indicators.base import (
    HOLDS_BOTH,
    SANCTIONED_BASKETS,
    CountriesLike,
    Scope,
    as_countries,
    basket_cte,
    basket_flows_cte,
    both_periods,
    in_list,
    join_on,
    left_out_reason,
    literal,
    names_sorted,
    one_period_only,
    partial_reason,
    period_columns,
    period_means_cte,
    period_years_cte,
    ratio_of,
    status_reason,
)

DEFAULT_BASKETS = SANCTIONED_BASKETS
DIRECT = "__direct"  # the label of the targets' leg while hubs and targets share one relation
HUBS = "__hubs"  # the label of the hubs together (a hub's own code could equal the group's label)


@dataclass(frozen=True)
class Settings:
    """Substitution's options: ``targets`` (ISO3 codes or a group); flagged where direct exports
    fell at least ``min_drop`` and a hub's rise offsets at least ``min_offset`` of the fall."""

    targets: CountriesLike = "targets"
    min_drop: float = 0.3
    min_offset: float = 0.05


SCOPE = ScopeSpec(basket=DEFAULT_BASKETS, reporter="coalition", partner="hubs", flow="X",
                  reads=(("reporter", "X"),))


@takes_settings(Settings)
def sql(scope: Scope, settings: Settings) -> str:
    """The substitution indicator as one SQL text; ``scope.reporters`` are the origins,
    ``scope.partners`` the hubs.

    Each origin's series (source, origin, X, basket) is averaged over the years it holds
    (``period_years_cte``). A sum over origins compares like for like: an origin whose files
    hold only one of the two periods is left out of both (its missing period is not a fall to
    zero) and named in ``reason``; where no origin behind a row holds both, the row is
    ``not_held``."""
    targets = as_countries(settings.targets, name="targets", groups=scope.groups)[0] or ("RUS", "BLR")
    min_drop, min_offset = settings.min_drop, settings.min_offset
    hubs = None if scope.partners is None else tuple(p for p in scope.partners if p not in targets)
    partners = None if hubs is None else (*hubs, *targets)
    dest = f"CASE WHEN {in_list('partner', targets)} THEN {literal(DIRECT)} ELSE partner END"
    b, a = literal(scope.baseline.label), literal(scope.after.label)
    both = HOLDS_BOTH

    return f"""WITH {basket_cte(scope)},
{period_years_cte(scope, flows=["X"], reporters=scope.reporters)},
{basket_flows_cte(scope, name="rows", flows=["X"], partners=partners)},
hub_legs AS (SELECT source, reporter, flow, basket, year, {dest} AS dest, value_usd, n_rows FROM rows),
legs AS (
  SELECT * FROM hub_legs
  UNION ALL
  SELECT source, reporter, flow, basket, year, {literal(HUBS)}, value_usd, n_rows FROM hub_legs
  WHERE dest <> {literal(DIRECT)}
),
{period_means_cte(scope, "means", "legs", keys=["source", "basket", "dest"],
                  means={("baseline_usd", "after_usd"): both_periods("value_usd")},
                  extra=[f"CAST(SUM(CASE WHEN {both} THEN n_rows ELSE 0 END) AS BIGINT) AS n_rows",
                         f"COUNT(DISTINCT CASE WHEN {both} THEN reporter END) AS n_compared",
                         f"MAX(CASE WHEN {both} THEN py.nb END) AS baseline_years",
                         f"MAX(CASE WHEN {both} THEN py.na END) AS after_years",
                         f"MIN(CASE WHEN {both} THEN py.min_months END) AS min_months",
                         f"{one_period_only('nb')} AS no_baseline", f"{one_period_only('na')} AS no_after"])},
legs_held AS (
  -- the figures of the origins holding both periods only: NULL where none does
  SELECT source, basket, dest, CASE WHEN n_compared > 0 THEN baseline_usd END AS baseline_usd,
         CASE WHEN n_compared > 0 THEN after_usd END AS after_usd, n_rows, n_compared,
         COALESCE(baseline_years, 0) AS baseline_years, COALESCE(after_years, 0) AS after_years, min_months,
         no_baseline, no_after
  FROM means
),
direct AS (SELECT * FROM legs_held WHERE dest = {literal(DIRECT)}),
hub_rows AS (
  SELECT source, basket, CASE WHEN dest = {literal(HUBS)} THEN {literal(scope.partner_label)} ELSE dest END AS dest,
         baseline_usd, after_usd, n_rows, n_compared, baseline_years, after_years, min_months, no_baseline, no_after
  FROM legs_held WHERE dest <> {literal(DIRECT)}
),
joined AS (
  SELECT COALESCE(h.source, d.source) AS source, COALESCE(h.basket, d.basket) AS basket, h.dest AS hub,
         d.baseline_usd AS direct_baseline_usd, d.after_usd AS direct_after_usd,
         h.baseline_usd AS hub_baseline_usd, h.after_usd AS hub_after_usd,
         d.baseline_usd - d.after_usd AS direct_fall_usd, h.after_usd - h.baseline_usd AS hub_rise_usd,
         LEAST(COALESCE(h.baseline_years, 0), COALESCE(d.baseline_years, 0)) AS baseline_years,
         LEAST(COALESCE(h.after_years, 0), COALESCE(d.after_years, 0)) AS after_years,
         LEAST(h.min_months, d.min_months) AS min_months,
         -- the origins left out: holding one period only (the direct leg's or the hub's)
         {names_sorted("d.no_baseline", "h.no_baseline")} AS no_baseline, {names_sorted("d.no_after", "h.no_after")} AS no_after,
         d.n_compared AS direct_compared, h.n_compared AS hub_compared, 'X' AS flow,
         COALESCE(d.n_rows, 0) AS n_rows_direct, COALESCE(h.n_rows, 0) AS n_rows_hub
  FROM hub_rows h FULL OUTER JOIN direct d ON {join_on("h", "d", ("source", "basket"))}
),
scored AS (
  SELECT j.*,
         100.0 * ({ratio_of("direct_after_usd", "direct_baseline_usd")} - 1) AS direct_change_pct,
         100.0 * ({ratio_of("hub_after_usd", "hub_baseline_usd")} - 1) AS hub_change_pct,
         CASE WHEN direct_fall_usd > 0 THEN hub_rise_usd / direct_fall_usd END AS offset_share,
         {status_reason([
             ("direct_compared = 0 OR hub_compared = 0", "not_held",
              "'not held: no file covers the exports of ' || basket || ' of ' || CASE WHEN no_baseline <> '' THEN "
              f"no_baseline || ' in ' || {b} ELSE no_after || ' in ' || {a} END || ' (missing, not zero)'"),
             ("direct_baseline_usd IS NULL", "no_direct_data",
              f"'the origins reported no exports of the basket to ' || {literal('+'.join(targets))}"),
             ("hub_baseline_usd IS NULL", "no_hub_data",
              "'the origins reported no exports of the basket to the hub'"),
             ("direct_baseline_usd = 0", "zero_baseline",
              "'no direct exports to the targets in the baseline: nothing could fall'"),
             ("direct_fall_usd <= 0", "direct_did_not_fall",
              "'direct exports to the targets did not fall: there is nothing to offset'"),
             ("min_months < 12", "partial", partial_reason(scope, "min_months", a)),
         ], ok_reason=left_out_reason(scope, "no_baseline", "no_after", "their exports of the basket"))}
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


run = runner(sql)
frame = frame_function(Settings, run)
substitution = public_function("substitution", settings=Settings, scope=SCOPE, run=run, doc="""\
The origins' (``reporter``) rise in exports of the basket to each hub (``partner``) against
the fall in their direct exports to ``targets``.

Columns: source, basket, hub (a hub, or the hubs' label for their sum), targets, baseline,
after, baseline_years, after_years, direct_baseline_usd, direct_after_usd, direct_change_pct,
direct_fall_usd, hub_baseline_usd, hub_after_usd, hub_change_pct, hub_rise_usd, offset_share,
flagged, n_rows_direct, n_rows_hub (store rows behind each side), status, reason. The means are
over the years each origin's series holds (baseline_years, after_years: the most a series
behind the row holds in each); ``partial``: how a year held in part is compared
(``indicators.base.PARTIAL_CHOICES``; like for like by default).
""")
