"""What a report reads off ranked routes: totals by origin and origin group, the bands of
a Sankey diagram, the worked example of the top route, and the hub's yearly series where
it reports no months. Each figure is computed here, once; reports only format them.

Origins are drawn in groups (``origin_groups``): by default every origin, as the
coalition, China and the others, so a hub fed from outside the coalition is not drawn as
if it were; with the user's origins, those alone, and the share of the hub's exports to
the targets allocated elsewhere is stated (``sankey``).

Worked by hand: a hub imports 30 from the USA, 10 from China and 10 from Turkey and exports
20 to Russia. With the coalition drawn alone, USA -> hub -> RUS carries 20 * 30 / 50 = 12,
and 20 - 12 = 8 of the 20 (40%) is allocated to origins not drawn.

>>> from tradeflows.routes.allocate import RouteYears, rank_routes
>>> legs = pl.DataFrame({"year": [2022] * 4, "exporter": ["USA", "CHN", "TUR", "H"],
...                      "importer": ["H", "H", "H", "RUS"], "hs": ["8703"] * 4, "value_usd": [30.0, 10.0, 10.0, 20.0]})
>>> groups = OriginGroups({"coalition": ("USA",)}, primary="coalition", every_origin=False)
>>> routes = rank_routes(legs, RouteYears((2022,), ()), origins=groups.codes, hubs=["H"], targets=["RUS"])
>>> drawn = sankey(routes, legs, groups, hub="H", targets=("RUS",), period=(2022,))
>>> drawn.bands.select("source", "target", "value_per_year").rows(), drawn.outside_share
([('coalition', 'H', 12.0), ('H', 'RUS', 12.0)], 0.4)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from tradeflows.indicators.base import as_countries, run

if TYPE_CHECKING:
    from tradeflows.engines import Engine
    from tradeflows.store import Store

OTHERS = "other origins"


@dataclass(frozen=True)
class OriginGroups:
    """Origins in named groups, in drawing order. ``primary`` is the group the report's
    allocation card, lead and pass-through read (the coalition by default); with
    ``every_origin`` the groups hold every country, so nothing is left undrawn."""

    groups: dict[str, tuple[str, ...]]
    primary: str
    every_origin: bool

    @property
    def label(self) -> str:
        """How the report names the origins: ``every origin (coalition, China, other origins)``."""
        names = ", ".join(self.groups)
        return f"every origin ({names})" if self.every_origin else names

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for members in self.groups.values() for c in members))

    def group_of(self) -> pl.DataFrame:
        """(origin, group): the group each origin is drawn in."""
        pairs = [(c, name) for name, members in self.groups.items() for c in members]
        frame = pl.DataFrame(pairs, schema={"origin": pl.String, "group": pl.String}, orient="row")
        return frame.unique("origin", keep="first", maintain_order=True)


def every_origin(store: Store | Engine) -> tuple[str, ...]:
    """Every country and area nes of the store's reference table that has a three-character
    code (S19, Taiwan in Comtrade); the others (``_X``, ``X1_527`` ...) no group can name, and
    what they send the hub is in the share ``sankey`` states as not drawn."""
    frame = run(store, "SELECT iso3 FROM countries WHERE kind IN ('country', 'area_nes') ORDER BY iso3")
    return tuple(c for c in frame["iso3"].to_list() if len(c) == 3 and c[0].isalpha() and c.isalnum())


def origin_groups(store: Store | Engine, origins: str | None = None) -> OriginGroups:
    """The origins a report draws: ``origins`` (ISO3 codes, group names) as one group, or by
    default every origin as the coalition, China and the others."""
    if origins is not None:
        codes, label = as_countries(origins, name="--origins")
        assert codes is not None
        return OriginGroups({label: codes}, primary=label, every_origin=False)
    coalition, _ = as_countries("coalition", name="--origins")
    assert coalition is not None
    named = {"coalition": coalition, "China": ("CHN",)}
    taken = {c for members in named.values() for c in members}
    rest = tuple(c for c in every_origin(store) if c not in taken)
    return OriginGroups({**named, OTHERS: rest}, primary="coalition", every_origin=True)


def _one_hub(routes: pl.DataFrame) -> pl.DataFrame:
    return routes.filter(pl.col("hub2").is_null())


def by_origin(routes: pl.DataFrame, groups: OriginGroups | None = None) -> pl.DataFrame:
    """One-hub routes summed by origin: value_per_year (a year on average) and value_usd
    (over the period), largest first (ties by name, so the order is reproducible); with
    ``groups``, the group each origin is drawn in."""
    out = (
        _one_hub(routes)
        .group_by("origin")
        .agg(pl.col("value_per_year").sum(), pl.col("value_usd").sum())
        .sort(["value_per_year", "origin"], descending=[True, False])
    )
    return out if groups is None else out.join(groups.group_of(), on="origin", how="left", maintain_order="left")


def by_group(routes: pl.DataFrame, groups: OriginGroups) -> pl.DataFrame:
    """One-hub routes summed by origin group, in the groups' order: group, value_per_year,
    value_usd (0 for a group no route starts from)."""
    sums = by_origin(routes, groups).group_by("group").agg(pl.col("value_per_year").sum(), pl.col("value_usd").sum())
    order = pl.DataFrame({"group": list(groups.groups)}, schema={"group": pl.String})
    return order.join(sums, on="group", how="left", maintain_order="left").fill_null(0.0)


@dataclass(frozen=True)
class Sankey:
    """The bands of a Sankey diagram origin group -> hub -> target, a year on average over the
    period (``bands``: source_role, source, target_role, target, value_per_year), and the share
    of the hub's exports to the targets not allocated to the origins drawn (goods of the
    target itself coming back, areas nes, origins left out; None where the hub exported
    nothing to the targets)."""

    bands: pl.DataFrame
    outside_share: float | None


def sankey(routes: pl.DataFrame, legs: pl.DataFrame, groups: OriginGroups, *, hub: str, targets: Sequence[str],
           period: Sequence[int]) -> Sankey:  # fmt: skip
    """The bands into and out of ``hub`` on its one-hub routes, by origin group (``groups``),
    ties broken by name; ``outside_share``: 1 - (allocated to the drawn origins / the hub's
    exports to the targets over ``period``, as the routes value them)."""
    mine = _one_hub(routes).filter(pl.col("hub") == hub).join(groups.group_of(), on="origin", how="inner")
    into = (
        mine.group_by("group").agg(pl.col("value_per_year").sum())
        .join(pl.DataFrame({"group": list(groups.groups)}), on="group", how="right")
        .filter(pl.col("value_per_year") > 0)
        .select(source_role=pl.lit("origin"), source="group", target_role=pl.lit("hub"), target=pl.lit(hub),
                value_per_year="value_per_year")
    )  # fmt: skip
    out = (
        mine.group_by("target").agg(pl.col("value_per_year").sum())
        .sort(["value_per_year", "target"], descending=[True, False])
        .select(source_role=pl.lit("hub"), source=pl.lit(hub), target_role=pl.lit("target"), target="target",
                value_per_year="value_per_year")
    )  # fmt: skip
    exports = legs.filter(pl.col("exporter") == hub, pl.col("importer").is_in(list(targets)),
                          pl.col("year").is_in(list(period)))["value_usd"].sum()  # fmt: skip
    share = 1.0 - float(mine["value_usd"].sum()) / exports if exports else None
    return Sankey(pl.concat([into, out]), share)


def fob_divisor(cif_margin: float) -> float:
    """What an importer's CIF figure is divided by to bring it to FOB (``routes.edges``)."""
    return 1 + cif_margin


def example_route(routes: pl.DataFrame) -> dict:
    """The top route's row with ``hub_exports_per_year``: its last hub's exports to the target
    a year on average over the years the route is valued in, the figure its share applies to."""
    top = routes.row(0, named=True)
    return {**top, "hub_exports_per_year": top["hub_exports_usd"] / top["period_years"]}


def annual_series(legs: pl.DataFrame, hub: str, origins: Sequence[str], targets: Sequence[str]) -> pl.DataFrame:
    """The hub's imports (from ``origins``, from others) and exports (to ``targets``, to
    others) by year from the leg values, in the series of ``indicators.hub_profile.monthly``
    (month null): the chart's data where the hub reports no monthly figures."""
    from tradeflows.indicators.hub_profile import SERIES

    into = legs.filter(pl.col("importer") == hub).with_columns(
        series=pl.when(pl.col("exporter").is_in(list(origins))).then(pl.lit(SERIES[0])).otherwise(pl.lit(SERIES[1])),
        flow=pl.lit("M"))  # fmt: skip
    out = legs.filter(pl.col("exporter") == hub).with_columns(
        series=pl.when(pl.col("importer").is_in(list(targets))).then(pl.lit(SERIES[2])).otherwise(pl.lit(SERIES[3])),
        flow=pl.lit("X"))  # fmt: skip
    return (
        pl.concat([into, out])
        .group_by("year", "flow", "series")
        .agg(pl.col("value_usd").sum(), pl.col("n_rows").sum())
        .with_columns(month=pl.lit(None, pl.Int64))
        .sort("year", "series")
    )
