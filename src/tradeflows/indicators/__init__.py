"""Anomaly indicators: the evidence of circumvention, each defined once as SQL.

Every indicator is a module declaring its ``Settings`` (its own options), its ``SCOPE``
(defaults for the common keywords, the series it reads) and ``sql(scope, settings) -> str``
(one SQL text over the store's views, kept transpilable); ``indicators.api`` makes from
them the function of the indicator's name that resolves its parameters against a store and
returns a polars DataFrame with provenance columns (baseline years, rows behind each
figure, source) and a ``status``/``reason`` where a figure cannot be computed.

``INDICATORS`` is the registry, by CLI name: each entry's ``settings(...)``, ``scope(store,
...)``, ``sql(scope, settings)`` and ``run(store, scope, settings)`` are what the CLI, the
screen, reports, benchmarks and other engines call (``INDICATORS["growth"].sql(scope)``).

>>> list(INDICATORS)[:3]
['growth', 'excess', 'mirror-gap']
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

import polars as pl

from tradeflows.indicators.absorption import absorption
from tradeflows.indicators.api import ScopeSpec
from tradeflows.indicators.base import (
    SCOPE_PARAMETERS,
    Scope,
    describe_runs,
    describe_scope,
    make_scope,
    resolve_scope,
    runs_behind,
)
from tradeflows.indicators.consignment import origin_consignment
from tradeflows.indicators.did import did
from tradeflows.indicators.excess import excess
from tradeflows.indicators.exempt_siblings import exempt_siblings
from tradeflows.indicators.growth import growth
from tradeflows.indicators.hub_score import hub_score
from tradeflows.indicators.mirror import mirror_gap
from tradeflows.indicators.mirror_imports import mirror_imports
from tradeflows.indicators.new_flows import new_flows
from tradeflows.indicators.passthrough import pass_through
from tradeflows.indicators.substitution import substitution
from tradeflows.indicators.target_share import target_share
from tradeflows.indicators.unit_value import unit_value

if TYPE_CHECKING:
    from tradeflows.engines import Engine
    from tradeflows.store import Store


@dataclass(frozen=True)
class Indicator:
    """A registry entry: an indicator's module and what the CLI shows of it."""

    name: str
    module_name: str
    summary: str
    key_columns: tuple[str, ...] = ()  # what a terminal table shows; files get every column

    @property
    def module(self) -> ModuleType:
        return importlib.import_module(f"tradeflows.indicators.{self.module_name}")

    @property
    def spec(self) -> ScopeSpec:
        return self.module.SCOPE

    def settings(self, **options: Any) -> Any:
        """The indicator's settings: its defaults with ``options`` changed."""
        return self.module.Settings(**options)

    def scope(self, store: Store | Engine | None, **keywords: Any) -> Scope:
        """The Scope of a call, with the indicator's defaults (``ScopeSpec.resolve``)."""
        return self.spec.resolve(store, **keywords)

    def sql(self, scope: Scope, settings: Any = None) -> str:
        return self.module.sql(scope, settings if settings is not None else self.settings())

    def run(self, store: Store | Engine, scope: Scope, settings: Any = None) -> pl.DataFrame:
        return self.module.run(store, scope, settings if settings is not None else self.settings())

    def runs(self, store: Store | Engine, scope: Scope, settings: Any = None) -> str:
        """Provenance: the ingest runs behind the series the indicator reads (``ScopeSpec.reads``)."""
        sides = self.spec.sides(scope, settings if settings is not None else self.settings())
        return describe_runs(runs_behind(store, scope, sides=sides))


INDICATORS: dict[str, Indicator] = {  # fmt: skip
    i.name: i
    for i in (
        Indicator(
            "growth",
            "growth",
            "Each after year against the baseline mean: ratio, per cent, robust z-score.",
            (
                "reporter",
                "partner",
                "basket",
                "period",
                "baseline",
                "baseline_usd",
                "value_usd",
                "ratio",
                "growth_pct",
                "flagged",
                "n_rows",
                "status",
            ),
        ),
        Indicator(
            "excess",
            "excess",
            "Observed minus the baseline trend extended to the after years, in USD.",
            (
                "reporter",
                "partner",
                "basket",
                "period",
                "baseline",
                "method",
                "counterfactual_usd",
                "value_usd",
                "excess_usd",
                "excess_pct",
                "status",
            ),
        ),
        Indicator(
            "mirror-gap",
            "mirror",
            "Exports reported by o minus h's imports from o at FOB; share of the rise unrecorded.",
            (
                "exporter",
                "importer",
                "basket",
                "exports_after_usd",
                "imports_fob_after_usd",
                "gap_share_baseline",
                "gap_share_after",
                "unreported_increase_share",
                "status",
            ),
        ),
        Indicator(
            "pass-through",
            "passthrough",
            "Share of a hub's extra imports sent on to the targets; best monthly lag.",
            (
                "hub",
                "basket",
                "delta_imports_usd",
                "delta_exports_usd",
                "pass_through",
                "best_lag_months",
                "lag_correlation",
                "n_months",
                "status",
            ),
        ),
        Indicator(
            "did",
            "did",
            "Difference-in-differences with fixed effects: relative increase to hubs, in per cent.",
            (
                "basket",
                "group",
                "pct_increase",
                "pct_ci_low",
                "pct_ci_high",
                "p_value",
                "n_obs",
                "n_clusters",
                "status",
            ),
        ),
        Indicator(
            "unit-value",
            "unit_value",
            "Price per kg or unit against the same code's other routes (robust z).",
            (
                "reporter",
                "partner",
                "hs",
                "year",
                "unit_value",
                "median_unit_value",
                "robust_z",
                "z_change",
                "flagged",
                "status",
            ),
        ),
        Indicator(
            "new-flows",
            "new_flows",
            "Flows absent in the baseline that appear above a threshold after.",
            ("reporter", "partner", "hs", "first_year", "after_usd", "max_year_usd", "flagged", "status"),
        ),
        Indicator(
            "target-share",
            "target_share",
            "Each partner's share of the reporter's basket trade, baseline vs after.",
            (
                "reporter",
                "partner",
                "basket",
                "baseline",
                "after",
                "share_baseline",
                "share_after",
                "change_pp",
                "rank",
                "n_rows_after",
                "status",
            ),
        ),
        Indicator(
            "mirror-imports",
            "mirror_imports",
            "The target's imports rebuilt from its partners' exports, by supplier.",
            (
                "target",
                "exporter",
                "basket",
                "baseline_usd",
                "after_usd",
                "ratio",
                "share_baseline",
                "share_after",
                "change_pp",
                "status",
            ),
        ),
        Indicator(
            "hub-score",
            "hub_score",
            "Ranks (hub, basket) pairs on imports, exports to targets, share and pass-through.",
            (
                "hub",
                "basket",
                "score",
                "flagged",
                "imports_ratio",
                "exports_to_target_ratio",
                "target_share_change_pp",
                "pass_through",
                "n_rows_imports",
                "n_rows_exports",
            ),
        ),
        Indicator(
            "hub-profile",
            "hub_profile",
            "A hub's imports, exports and exports to the targets as it reports them: means, ratios, targets' share.",
            ("hub", "basket", "imports_baseline_usd", "imports_after_usd", "imports_ratio", "exports_ratio",
             "targets_baseline_usd", "targets_after_usd", "targets_ratio", "targets_share_baseline",
             "targets_share_after", "status"),
        ),
        Indicator(
            "substitution",
            "substitution",
            "The origins' rise in exports to each hub against the fall in their direct exports to the targets.",
            ("basket", "hub", "direct_baseline_usd", "direct_after_usd", "direct_change_pct", "hub_change_pct",
             "offset_share", "flagged", "n_rows_direct", "n_rows_hub", "status"),
        ),
        Indicator(
            "exempt-siblings",
            "exempt_siblings",
            "Unsanctioned HS6 codes sharing a heading with the basket, growing against ordinary goods.",
            ("basket", "hs", "sibling_baseline_usd", "sibling_after_usd", "sibling_ratio", "inside_ratio",
             "control_ratio", "relative_growth", "flagged", "n_rows", "status"),
        ),
        Indicator(
            "absorption",
            "absorption",
            "A hub's imports of the basket against its own baseline and a demand proxy where one is given.",
            ("hub", "basket", "imports_baseline_usd", "imports_after_usd", "imports_ratio", "retained_after_usd",
             "proxy_ratio", "absorption_ratio", "flagged", "n_rows_imports", "status"),
        ),
    )
}  # fmt: skip


def compute(name: str, store: Store | Engine, **kwargs: Any) -> tuple[pl.DataFrame, str]:
    """Run indicator ``name`` (CLI spelling) on keywords as the CLI gives them (scope keywords by
    the indicator's names, the rest its settings; ``baseline``/``after`` None: from the years its
    series hold): its frame and a provenance line. The scope is resolved once."""
    entry = INDICATORS[name]
    taken = {*entry.spec.keywords(), *SCOPE_PARAMETERS}
    scope = entry.scope(store, **{k: v for k, v in kwargs.items() if k in taken})
    settings = entry.settings(**{k: v for k, v in kwargs.items() if k not in taken})
    frame = entry.run(store, scope, settings)
    return frame, f"{describe_scope(scope)} | {entry.runs(store, scope, settings)}"


__all__ = [
    "INDICATORS", "Indicator", "Scope", "absorption", "compute", "did", "excess", "exempt_siblings", "growth",
    "hub_score", "make_scope", "resolve_scope", "mirror_gap", "mirror_imports", "new_flows", "origin_consignment", "pass_through",
    "substitution", "target_share", "unit_value",
]  # fmt: skip
