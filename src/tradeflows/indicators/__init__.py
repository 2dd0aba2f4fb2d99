"""Anomaly indicators: the evidence of circumvention, each defined once as SQL.

Every indicator is a module with ``sql(scope, ...) -> str`` (one SQL text over the
store's views, kept transpilable), ``frame(store, scope, ...)`` that runs it, and a
function of the indicator's name that resolves its parameters against a store and
returns a polars DataFrame with provenance columns (baseline years, rows behind each
figure, source) and a ``status``/``reason`` where a figure cannot be computed.

``INDICATORS`` maps each CLI name to its module and one-sentence summary, for the
CLI, reports and other engines (``INDICATORS["growth"].module.sql(scope)``).

>>> list(INDICATORS)[:3]
['growth', 'excess', 'mirror-gap']
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

import polars as pl

from tradeflows.indicators.base import SCOPE_PARAMETERS, Scope, describe_scope, make_scope
from tradeflows.indicators.did import did
from tradeflows.indicators.excess import excess
from tradeflows.indicators.growth import growth
from tradeflows.indicators.hub_score import hub_score
from tradeflows.indicators.mirror import mirror_gap
from tradeflows.indicators.mirror_imports import mirror_imports
from tradeflows.indicators.new_flows import new_flows
from tradeflows.indicators.passthrough import pass_through
from tradeflows.indicators.target_share import target_share
from tradeflows.indicators.unit_value import unit_value

if TYPE_CHECKING:
    from tradeflows.store import Store


@dataclass(frozen=True)
class Indicator:
    name: str
    module_name: str
    summary: str

    @property
    def module(self) -> ModuleType:
        return importlib.import_module(f"tradeflows.indicators.{self.module_name}")


INDICATORS: dict[str, Indicator] = {
    i.name: i
    for i in (
        Indicator("growth", "growth", "Each after year against the baseline mean: ratio, per cent, robust z-score."),
        Indicator("excess", "excess", "Observed minus the baseline trend extended to the after years, in USD."),
        Indicator("mirror-gap", "mirror", "Exports reported by o minus h's imports from o at FOB; share of the rise unrecorded."),
        Indicator("pass-through", "passthrough", "Share of a hub's extra imports sent on to the targets; best monthly lag."),
        Indicator("did", "did", "Difference-in-differences with fixed effects: relative increase to hubs, in per cent."),
        Indicator("unit-value", "unit_value", "Price per kg or unit against the same code's other routes (robust z)."),
        Indicator("new-flows", "new_flows", "Flows absent in the baseline that appear above a threshold after."),
        Indicator("target-share", "target_share", "Each partner's share of the reporter's basket trade, baseline vs after."),
        Indicator("mirror-imports", "mirror_imports", "The target's imports rebuilt from its partners' exports, by supplier."),
        Indicator("hub-score", "hub_score", "Ranks (hub, basket) pairs on imports, exports to targets, share and pass-through."),
    )
}


def compute(name: str, store: Store, **kwargs: Any) -> tuple[pl.DataFrame, str]:
    """Run indicator ``name`` (CLI spelling) and return its frame and a provenance line."""
    module = INDICATORS[name].module
    if "basket" not in kwargs and hasattr(module, "DEFAULT_BASKETS"):
        kwargs["basket"] = module.DEFAULT_BASKETS
    common = {k: kwargs.pop(k) for k in list(kwargs) if k in SCOPE_PARAMETERS}
    scope = make_scope(store, **common)
    if "groups" in common and "groups" in module.frame.__code__.co_varnames:
        kwargs["groups"] = common["groups"]
    return module.frame(store, scope, **kwargs), describe_scope(scope)


__all__ = [
    "INDICATORS", "Indicator", "Scope", "compute", "did", "excess", "growth", "hub_score", "make_scope",
    "mirror_gap", "mirror_imports", "new_flows", "pass_through", "target_share", "unit_value",
]  # fmt: skip
