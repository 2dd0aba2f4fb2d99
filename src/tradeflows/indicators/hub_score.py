"""Hub score: a ranking of (hub, basket) pairs that shows the evidence it combines.

For each hub h and basket k, baseline against after (annual means):

- ``imports_ratio``: the origins' (coalition's) exports of k to h, as the origins report
  them (mirror data: hubs' own import records are patchy, the coalition's are not); an origin
  whose files hold only one of the two periods is left out of both and named in ``reason``;
- ``exports_to_target_ratio``: h's reported exports of k to the targets;
- ``target_share_change_pp``: the change in the share of h's exports of k going to the targets;
- ``pass_through``: min(Δ imports, Δ exports to targets) / Δ imports, where imports rose.

``score`` is the mean of the components' percentile ranks across all pairs (1 = the
top on every component): it orders, it does not test. ``flagged`` is absolute: the
exports to the targets at least ``threshold`` times their baseline and at least
``min_pass_through`` of the extra imports passed on — a world with nothing planted
should flag nothing.
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
    pass_through_share,
    period_columns,
    period_means_cte,
    period_years_cte,
)

DEFAULT_BASKETS = SANCTIONED_BASKETS
COMPONENTS = ("imports_ratio", "exports_to_target_ratio", "target_share_change_pp", "pass_through")


@dataclass(frozen=True)
class Settings:
    """The hub score's options: ``origin``, the suppliers (ISO3 codes or a group); flagged where the
    exports to the targets are at least ``threshold`` times their baseline and at least
    ``min_pass_through`` of the extra imports was passed on."""

    origin: CountriesLike = "coalition"
    threshold: float = 1.5
    min_pass_through: float = 0.2


SCOPE = ScopeSpec(basket=DEFAULT_BASKETS, reporter="hubs", partner="targets", flow="X",
                  reads=(("reporter", "X"), ("origin", "X")))


@takes_settings(Settings)
def sql(scope: Scope, settings: Settings) -> str:
    """The hub score as one SQL text; ``scope.reporters`` are the hubs, ``scope.partners`` the targets."""
    origins = as_countries(settings.origin, name="origin", groups=scope.groups)[0] or ()
    threshold, min_pass_through = settings.threshold, settings.min_pass_through
    hubs, targets = scope.reporters, scope.partners or ("RUS", "BLR")
    to_targets = f"CASE WHEN {in_list('partner', targets)} THEN value_usd ELSE 0 END"

    def ratio(p: str) -> str:
        return f"CASE WHEN {p}_baseline > 0 THEN {p}_after / {p}_baseline END"

    comps = {
        "imports_ratio": f"LN({ratio('imp')})",
        "exports_to_target_ratio": f"LN({ratio('tgt')})",
        "target_share_change_pp": "target_share_change_pp",
        "pass_through": "pass_through",
    }
    ranks = ",\n         ".join(
        f"CASE WHEN {e} IS NOT NULL THEN PERCENT_RANK() OVER (PARTITION BY source, CASE WHEN {e} IS NULL THEN 0 ELSE 1 END "
        f"ORDER BY {e}) END AS rank_{c}"
        for c, e in comps.items()
    )
    rank_sum = " + ".join(f"COALESCE(rank_{c}, 0)" for c in comps)
    rank_n = " + ".join(f"CASE WHEN rank_{c} IS NULL THEN 0 ELSE 1 END" for c in comps)
    return f"""WITH {basket_cte(scope)},
{period_years_cte(scope)},
{basket_flows_cte(scope, name="imp_rows", flows=["X"], reporters=list(origins) if origins else None, partners=hubs)},
{basket_flows_cte(scope, name="exp_rows", flows=["X"], reporters=hubs, partners=None)},
{period_means_cte(scope, "imp_all", "imp_rows", keys=["source", "basket", "partner AS hub"],
                  means={("imp_baseline", "imp_after"): both_periods("value_usd")},
                  extra=[f"CAST(SUM(CASE WHEN {HOLDS_BOTH} THEN n_rows ELSE 0 END) AS BIGINT) AS n_rows_imports",
                         f"COUNT(DISTINCT CASE WHEN {HOLDS_BOTH} THEN reporter END) AS n_compared",
                         f"{one_period_only('nb')} AS no_baseline", f"{one_period_only('na')} AS no_after"])},
imp AS (
  -- the origins holding both periods only (the rule of substitution): NULL where none does
  SELECT source, basket, hub, CASE WHEN n_compared > 0 THEN imp_baseline END AS imp_baseline,
         CASE WHEN n_compared > 0 THEN imp_after END AS imp_after, n_rows_imports,
         {names_sorted("no_baseline")} AS no_baseline, {names_sorted("no_after")} AS no_after
  FROM imp_all
),
{period_means_cte(scope, "exp", "exp_rows", keys=["source", "basket", "reporter AS hub"],
                  means={("tgt_baseline", "tgt_after"): to_targets, ("all_baseline", "all_after"): "value_usd"},
                  extra=["CAST(SUM(n_rows) AS BIGINT) AS n_rows_exports", "MAX(py.nb) AS baseline_years",
                         "MAX(py.na) AS after_years"])},
pairs AS (
  SELECT COALESCE(i.source, e.source) AS source, COALESCE(i.basket, e.basket) AS basket, COALESCE(i.hub, e.hub) AS hub,
         i.imp_baseline, i.imp_after, i.no_baseline, i.no_after,
         e.tgt_baseline, e.tgt_after, e.all_baseline, e.all_after,
         COALESCE(i.n_rows_imports, 0) AS n_rows_imports, COALESCE(e.n_rows_exports, 0) AS n_rows_exports,
         COALESCE(e.baseline_years, 0) AS baseline_years, COALESCE(e.after_years, 0) AS after_years
  FROM imp i FULL OUTER JOIN exp e ON {join_on("e", "i", ("source", "basket", "hub"))}
),
components AS (
  SELECT p.*,
         {ratio("imp")} AS imports_ratio,
         {ratio("tgt")} AS exports_to_target_ratio,
         CASE WHEN all_baseline > 0 AND all_after > 0
              THEN 100.0 * (tgt_after / all_after - tgt_baseline / all_baseline) END AS target_share_change_pp,
         {pass_through_share(("imp_baseline", "imp_after"), ("tgt_baseline", "tgt_after"))} AS pass_through
  FROM pairs p
),
ranked AS (
  SELECT c.*,
         {ranks}
  FROM components c
)
SELECT source, hub, basket, {period_columns(scope, years=True)},
       CASE WHEN ({rank_n}) > 0 THEN ({rank_sum}) / ({rank_n}) END AS score,
       {rank_n} AS components_used,
       COALESCE(exports_to_target_ratio >= {literal(float(threshold))}
                AND pass_through >= {literal(float(min_pass_through))}, FALSE) AS flagged,
       imp_baseline AS imports_baseline_usd, imp_after AS imports_after_usd, imports_ratio,
       tgt_baseline AS exports_to_target_baseline_usd, tgt_after AS exports_to_target_after_usd,
       exports_to_target_ratio, target_share_change_pp, pass_through,
       n_rows_imports, n_rows_exports,
       CASE WHEN ({rank_n}) = 4 THEN 'ok' WHEN ({rank_n}) > 0 THEN 'partial' ELSE 'no_data' END AS status,
       TRIM(BOTH ' ' FROM
         CASE WHEN imp_baseline IS NULL AND no_baseline || no_after <> ''
              THEN 'no origin''s files hold its exports to the hub in both periods; '
              WHEN imp_baseline IS NULL THEN 'no origin exports to the hub in the store; ' ELSE '' END ||
         COALESCE({left_out_reason(scope, "no_baseline", "no_after", "their exports of the basket to the hub")}
                  || '; ', '') ||
         CASE WHEN imp_baseline = 0 THEN 'no imports in the baseline; ' ELSE '' END ||
         CASE WHEN tgt_baseline IS NULL THEN 'no file covers the hub''s exports of the basket in the baseline; '
              ELSE '' END ||
         CASE WHEN tgt_baseline = 0 THEN 'no exports to the targets in the baseline; ' ELSE '' END ||
         CASE WHEN imp_after - imp_baseline <= 0 THEN 'imports did not rise: no pass-through; ' ELSE '' END
       ) AS reason
FROM ranked
ORDER BY source, score DESC NULLS LAST, hub, basket"""


run = runner(sql)
frame = frame_function(Settings, run)
hub_score = public_function("hub_score", settings=Settings, scope=SCOPE, run=run, doc="""\
Rank (hub, basket) pairs by the evidence of re-export to the targets, components shown.

``reporter`` are the hubs, ``partner`` the targets, ``origin`` the suppliers. Columns:
source, hub, basket, baseline, after, score (0-1, ranked within the source), components_used, flagged, the USD means
behind each component, imports_ratio, exports_to_target_ratio, target_share_change_pp,
pass_through, n_rows_imports, n_rows_exports, status (ok, partial: some components missing,
no_data), reason (why a component is missing).
""")
