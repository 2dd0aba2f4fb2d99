"""Indicator flags on routes: what the indicators say about each route's legs.

A route stands on two legs the hub itself reports: its imports from the origin and its
exports to the target. The indicators (``tradeflows.indicators``) are run on those
legs as the hub reports them, and their verdicts are attached to the route:

- ``growth`` of each leg over the period against the baseline (flagged at a doubling,
  or a robust z-score of 3.5 where there are 3+ baseline years);
- ``new_flows``: an import leg absent throughout the baseline and above 1 million USD after.

The flags are the indicators' own; nothing here redefines them.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from tradeflows.indicators.base import Scope
from tradeflows.indicators.growth import frame as growth_frame
from tradeflows.indicators.new_flows import frame as new_flows_frame
from tradeflows.routes.edges import sql_scope
from tradeflows.store import Store

FLAG_COLUMNS = {
    "in_growth": "Hub's reported imports from the origin: period mean / baseline mean (indicator growth)",
    "out_growth": "Hub's reported exports to the target: period mean / baseline mean (indicator growth)",
    "flags": "Indicator flags on the route's legs, in words",
}


def _scope(found, *, flow: str, partners: tuple[str, ...]) -> Scope:
    """The route's scope as the indicators take it for the hub's legs: the hubs as reporters,
    ``partners``, ``flow``, each year compared like for like (the indicators' default)."""
    return replace(sql_scope(found.scope), reporters=found.hubs, partners=partners, flow=flow,
                   partial="like_for_like")  # fmt: skip


def _leg_growth(store: Store, found, *, flow: str, partners: tuple[str, ...], partner_key: str) -> pl.DataFrame:
    frame = growth_frame(store, _scope(found, flow=flow, partners=partners), by_partner=True)
    name = "in" if flow == "M" else "out"
    return (
        frame.filter(pl.col("period") == found.scope.after.label, pl.col("status") == "ok")
        .group_by(hub="reporter", **{partner_key: "partner"})
        .agg(pl.col("ratio").max().alias(f"{name}_growth"), pl.col("flagged").any().alias(f"{name}_flagged"))
    )


def attach_flags(store: Store, found) -> pl.DataFrame:
    """``found.routes`` with ``in_growth``, ``out_growth`` and ``flags`` (see ``FLAG_COLUMNS``).

    The indicators run on the scope ``find_routes`` resolved (no second resolution of the
    basket against the store)."""
    routes = found.routes
    last_hub = pl.coalesce("hub2", "hub")
    into = _leg_growth(store, found, flow="M", partners=found.origins, partner_key="origin")
    out = _leg_growth(store, found, flow="X", partners=found.targets, partner_key="target")
    new = new_flows_frame(store, _scope(found, flow="M", partners=found.origins))
    new = (
        new.filter(pl.col("flagged"))
        .select(hub="reporter", origin="partner")
        .unique()
        .with_columns(new_in=pl.lit(True))
    )
    routes = (
        routes.join(into, on=["hub", "origin"], how="left")
        .with_columns(last_hub.alias("__last"))
        .join(out.rename({"hub": "__last"}), on=["__last", "target"], how="left")
        .join(new, on=["hub", "origin"], how="left")
        .drop("__last")
    )

    def words(row: dict) -> str:
        parts = []
        if row["new"]:
            parts.append("new route (nothing in the baseline)")
        if row["new_in"]:
            parts.append("new import flow from the origin")
        if row["in_flagged"]:
            parts.append(f"imports from origin ×{row['in_growth']:.1f}")
        if row["out_flagged"]:
            parts.append(f"exports to target ×{row['out_growth']:.1f}")
        return "; ".join(parts)

    flags = [words(r) for r in routes.select("new", "new_in", "in_flagged", "in_growth", "out_flagged", "out_growth")
             .iter_rows(named=True)]  # fmt: skip
    return routes.drop("in_flagged", "out_flagged", "new_in").with_columns(flags=pl.Series(flags, dtype=pl.String))
