"""Routes origin -> hub(s) -> target, valued by proportional allocation, and ranked.

Trade statistics record legs, not journeys: a hub's exports of a product to the target
do not say where the goods were made. The usual answer, stated in every report, is
proportional allocation: the hub's exports of product k to target R are split among
origins in proportion to the hub's imports of k from each,

    route(o -> h -> R, k) = exports(h -> R, k) * imports(h <- o, k) / imports(h <- all, k)

computed for each HS code and year, then summed over the basket. Two-hub routes apply
the same split twice: o -> h1 -> h2 -> R = exports(h2 -> R) * share(h2 <- h1) * share(h1 <- o),
where the store has the hub-to-hub leg. Growth compares the route's mean yearly value in
the period with its mean in the baseline years, valued the same way.

Worked by hand: a hub imports 30 from A and 10 from B and exports 20 to R, so A -> hub -> R
carries 20 * 30 / 40 = 15.

>>> legs = pl.DataFrame({"year": [2022] * 3, "exporter": ["A", "B", "H"], "importer": ["H", "H", "R"],
...                      "hs": ["8703"] * 3, "value_usd": [30.0, 10.0, 20.0]})
>>> route_values(legs, origins=["A", "B"], hubs=["H"], targets=["R"])["value_usd"].to_list()
[15.0, 5.0]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import polars as pl

from tradeflows.errors import ParameterError

RankBy = Literal["change", "value", "growth"]

_KEY = ("origin", "hub", "hub2", "target")
_ROUTE_SCHEMA = {
    "year": pl.Int32, "hs": pl.String, "origin": pl.String, "hub": pl.String, "hub2": pl.String,
    "target": pl.String, "share_origin": pl.Float64, "share_hub": pl.Float64, "hub_exports_usd": pl.Float64,
    "value_usd": pl.Float64,
}  # fmt: skip


def _shares(legs: pl.DataFrame) -> pl.DataFrame:
    """Each exporter's share of its importer's imports, per year and HS code.

    Where the importer declares imports of the code that year, the shares rest on its own
    declarations alone (``importer_reported_usd``): one basis on every leg into it, so a file
    of one of its partners (its exports, valued on another basis) moves no share. Elsewhere
    they rest on the legs' values (the exporters' figures).
    """
    value = pl.col("value_usd")
    if "importer_reported_usd" in legs.columns:
        declared = pl.col("importer_reported_usd").is_not_null().any().over("year", "importer", "hs")
        value = pl.when(declared).then(pl.col("importer_reported_usd").fill_null(0.0)).otherwise(value)
    legs = legs.with_columns(__share_base=value)
    total = pl.col("__share_base").sum().over("year", "importer", "hs")
    return legs.with_columns(share=pl.when(total > 0).then(pl.col("__share_base") / total).otherwise(0.0)).drop(
        "__share_base"
    )


def route_values(
    legs: pl.DataFrame,
    *,
    origins: Iterable[str],
    hubs: Iterable[str],
    targets: Iterable[str],
    max_hubs: int = 1,
) -> pl.DataFrame:
    """Every route's value per year and HS code, from leg values (``edges.leg_values``).

    One row per (year, hs, origin, hub, hub2, target); ``hub2`` is null on one-hub routes.
    ``share_origin`` is the origin's share of the first hub's imports, ``share_hub`` the
    first hub's share of the second hub's imports (1 on one-hub routes), ``hub_exports_usd``
    the last hub's exports to the target.
    """
    if max_hubs not in (1, 2):
        raise ParameterError(f"max_hubs={max_hubs!r}: expected 1 or 2")
    origins, hubs, targets = list(origins), list(hubs), list(targets)
    declared = ["importer_reported_usd"] if "importer_reported_usd" in legs.columns else []
    legs = legs.filter(pl.col("value_usd") > 0).select("year", "exporter", "importer", "hs", "value_usd", *declared)
    # A share rests on the legs into its importer alone, and only shares of hubs' imports are used.
    shares = _shares(legs.filter(pl.col("importer").is_in(hubs)))
    first = shares.filter(pl.col("exporter").is_in(origins), pl.col("importer").is_in(hubs)).select(
        "year", "hs", origin="exporter", hub="importer", share_origin="share"
    )
    last = legs.filter(pl.col("exporter").is_in(hubs), pl.col("importer").is_in(targets)).select(
        "year", "hs", hub="exporter", target="importer", hub_exports_usd="value_usd"
    )
    one = (
        first.join(last, on=["year", "hs", "hub"])
        .filter(pl.col("origin") != pl.col("target"))
        .with_columns(hub2=pl.lit(None, pl.String), share_hub=pl.lit(1.0))
    )
    parts = [one]
    if max_hubs == 2:
        between = shares.filter(
            pl.col("exporter").is_in(hubs), pl.col("importer").is_in(hubs), pl.col("exporter") != pl.col("importer")
        ).select("year", "hs", hub="exporter", hub2="importer", share_hub="share")
        two = (
            first.join(between, on=["year", "hs", "hub"])
            .join(last.rename({"hub": "hub2"}), on=["year", "hs", "hub2"])
            .filter(
                (pl.col("origin") != pl.col("hub2"))
                & (pl.col("origin") != pl.col("target"))
                & (pl.col("hub") != pl.col("target"))
            )
        )
        parts.append(two)
    frame = pl.concat([p.select(list(_ROUTE_SCHEMA)[:-1]) for p in parts])
    frame = frame.with_columns(value_usd=pl.col("hub_exports_usd") * pl.col("share_origin") * pl.col("share_hub"))
    return frame.cast(_ROUTE_SCHEMA).sort("year", "hs", *_KEY, nulls_last=True)


@dataclass(frozen=True)
class RouteYears:
    """The years compared: ``period`` (after) and ``baseline`` (before)."""

    period: tuple[int, ...]
    baseline: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.period:
            raise ParameterError("No period years given; pass --years, e.g. --years 2023 or 2022-2023")
        overlap = sorted(set(self.period) & set(self.baseline))
        if overlap:
            raise ParameterError(f"Years {overlap} are in both the period and the baseline; choose disjoint years")


def _reported(legs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(country, year) that reported exports, and that reported imports, of the basket.

    Legs from ``edges.leg_values`` say which side reported; bare legs (hand-made) are
    taken as reported by the exporter for exports and by the importer for imports.
    """
    x = legs.filter(pl.col("exporter_reported_usd").is_not_null()) if "exporter_reported_usd" in legs.columns else legs
    m = legs.filter(pl.col("importer_reported_usd").is_not_null()) if "importer_reported_usd" in legs.columns else legs
    return (
        x.select(country="exporter", year="year").unique().with_columns(x_held=pl.lit(True)),
        m.select(country="importer", year="year").unique().with_columns(m_held=pl.lit(True)),
    )


def _years_held(keys: pl.DataFrame, reported: tuple[pl.DataFrame, pl.DataFrame], years: tuple[int, ...],
                name: str) -> pl.DataFrame:  # fmt: skip
    """How many of ``years`` each route can be valued in: every leg on it must be observable
    (its exporter reported exports of the basket that year, or its importer reported
    imports: ``reported``, from ``_reported``). A year no one on a leg reported is missing
    for the route, not zero."""
    x_held, m_held = reported
    frame = keys.join(pl.DataFrame({"year": list(years)}, schema={"year": x_held.schema["year"]}), how="cross")
    ok = pl.lit(True)
    hops = (("origin", "hub"), ("hub", "hub2"), ("hub", "target"), ("hub2", "target"))
    for i, (a, b) in enumerate(hops):
        frame = frame.join(x_held.rename({"country": a, "x_held": f"x{i}"}), on=[a, "year"], how="left").join(
            m_held.rename({"country": b, "m_held": f"m{i}"}), on=[b, "year"], how="left"
        )
        observable = pl.col(f"x{i}").fill_null(False) | pl.col(f"m{i}").fill_null(False)
        if a == "hub" and b == "target":  # only one-hub routes end hub -> target
            ok &= pl.col("hub2").is_not_null() | observable
        elif b == "hub2" or a == "hub2":  # hub -> hub2 and hub2 -> target, on two-hub routes only
            ok &= pl.col("hub2").is_null() | observable
        else:
            ok &= observable
    return frame.filter(ok).group_by(list(_KEY)).agg(pl.len().alias(name))


def rank_routes(
    legs: pl.DataFrame,
    years: RouteYears,
    *,
    origins: Iterable[str],
    hubs: Iterable[str],
    targets: Iterable[str],
    max_hubs: int = 1,
    rank_by: RankBy = "change",
) -> pl.DataFrame:
    """Routes valued over the period and the baseline, with growth, ranked.

    ``legs`` must hold the period and baseline years. Each route's yearly mean is taken
    over the years in which every leg on it was observable (one of its two countries
    reported that flow of the basket): a year nobody reported is missing, not zero. A
    route with baseline years but no baseline value is ``new``; one with no baseline
    year has no baseline, change or growth (null), and ranks after those that do. Ranked by ``change`` (mean
    yearly value now minus in the baseline), ``value`` (period total) or ``growth`` (ratio).
    """
    if rank_by not in ("change", "value", "growth"):
        raise ParameterError(f"rank_by={rank_by!r}: expected 'change', 'value' or 'growth'")
    origins, hubs, targets = list(origins), list(hubs), list(targets)
    values = route_values(legs, origins=origins, hubs=hubs, targets=targets, max_hubs=max_hubs)
    last_hub = pl.coalesce("hub2", "hub").alias("last_hub")
    keys = values.select(_KEY).unique()
    # The last hub's whole exports to the target over the period: the total being split.
    exports = (
        legs.filter(pl.col("exporter").is_in(hubs), pl.col("year").is_in(list(years.period)))
        .group_by(last_hub="exporter", target="importer")
        .agg(hub_exports_usd=pl.col("value_usd").sum())
    )
    parts, reported = {}, _reported(legs)
    for name, wanted in (("period", years.period), ("baseline", years.baseline)):
        in_years = pl.col("year").is_in(list(wanted))
        totals = values.filter(in_years).group_by(_KEY).agg(pl.col("value_usd").sum().alias(f"{name}_total_usd"))
        parts[name] = (totals, _years_held(keys, reported, wanted, f"{name}_years"))
    routes = (
        parts["period"][0]
        .join(parts["baseline"][0], on=list(_KEY), how="left", nulls_equal=True)
        .join(parts["period"][1], on=list(_KEY), how="left", nulls_equal=True)
        .join(parts["baseline"][1], on=list(_KEY), how="left", nulls_equal=True)
        .with_columns(last_hub)
        .join(exports, on=["last_hub", "target"], how="left")
    )
    routes = routes.with_columns(
        value_usd=pl.col("period_total_usd"),
        value_per_year=pl.col("period_total_usd") / pl.col("period_years"),
        baseline_per_year=pl.when(pl.col("baseline_years") > 0).then(
            pl.col("baseline_total_usd").fill_null(0.0) / pl.col("baseline_years")
        ),
        share_of_hub_exports=pl.col("period_total_usd") / pl.col("hub_exports_usd"),
    )
    routes = routes.with_columns(
        change_usd=pl.col("value_per_year") - pl.col("baseline_per_year"),
        growth_ratio=pl.when(pl.col("baseline_per_year") > 0).then(
            pl.col("value_per_year") / pl.col("baseline_per_year")
        ),
        new=(pl.col("baseline_years") > 0) & (pl.col("baseline_per_year") == 0) & (pl.col("value_per_year") > 0),
    )
    sort = {"change": ["change_usd", "value_usd"], "value": ["value_usd", "change_usd"],
            "growth": ["growth_ratio", "value_usd"]}[rank_by]  # fmt: skip
    routes = routes.sort([*sort, *_KEY], descending=[True, True, False, False, False, False], nulls_last=True)
    arrow = " → "
    path = pl.concat_str(
        [pl.col("origin"), pl.col("hub"), pl.col("hub2"), pl.col("target")], separator=arrow, ignore_nulls=True
    )
    return routes.with_row_index("rank", offset=1).select(
        pl.col("rank").cast(pl.Int32),
        path.alias("path"),
        *_KEY,
        "value_usd",
        "value_per_year",
        "baseline_per_year",
        "change_usd",
        "growth_ratio",
        "new",
        "share_of_hub_exports",
        "hub_exports_usd",
        pl.col("period_years").cast(pl.Int32),
        pl.col("baseline_years").fill_null(0).cast(pl.Int32),
    )
