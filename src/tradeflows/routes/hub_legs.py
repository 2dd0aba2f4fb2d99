"""The legs a hub's routes stand on, per year on average, each over the years its series holds.

A hub's imports from a partner are read on one basis: the hub's own declarations (CIF
brought to FOB) in the years its import series holds, as the route shares are
(``allocate._shares``); only where the hub declares no imports in a period does a leg fall
back to the exporter's figure, over the years the exporter's series holds. Its exports to
the targets likewise: its own declarations where its export series holds the years, the
importers' otherwise. So a leg's yearly mean divides by the years *that leg* is observed
in, never by the years some other leg (another reporter's file) holds, and a file of one
of the hub's partners changes none of these figures.

>>> legs = pl.DataFrame({"year": [2021, 2022, 2022], "exporter": ["USA", "USA", "GEO"],
...     "importer": ["GEO", "GEO", "KAZ"], "hs": ["8703"] * 3, "value_usd": [100.0, 300.0, 50.0],
...     "basis": ["mirror: importer's imports"] * 2 + ["reported by exporter"],
...     "exporter_reported_usd": [None, None, 50.0], "importer_reported_usd": [105.0, 315.0, None],
...     "n_rows": [1, 1, 1], "exporter_rows": [0, 0, 1], "importer_rows": [1, 1, 0]})
>>> held = pl.DataFrame({"reporter": ["GEO", "GEO", "GEO", "ARM", "ARM"], "flow": ["M", "M", "X", "X", "X"],
...                      "year": [2021, 2022, 2022, 2020, 2021]})
>>> hub_legs(legs, held, "GEO", ("KAZ",), period=(2022,), baseline=(2020, 2021), cif_margin=0.05).select(
...     "leg", "period_per_year", "baseline_per_year", "baseline_years").rows()
[('USA → GEO', 300.0, 100.0, 1), ('all partners → GEO', 300.0, 100.0, 1), ('GEO → KAZ', 50.0, None, 0)]
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from tradeflows.routes.edges import EXPORTER_BASIS, MIRROR_BASIS

LEG_COLUMNS = ("period_per_year", "baseline_per_year", "period_basis", "period_rows", "period_years", "baseline_years")


def _years(held: pl.DataFrame, country: str, flow: str, wanted: Sequence[int]) -> list[int]:
    rows = held.filter(pl.col("reporter") == country, pl.col("flow") == flow, pl.col("year").is_in(list(wanted)))
    return sorted(set(rows["year"].to_list()))


def _side(legs: pl.DataFrame, held: pl.DataFrame, key: str, *, own_flow: str, own_country: str,
          other_flow: str, wanted: Sequence[int], column: str, rows: str, basis: str, divisor: float,
          ) -> pl.DataFrame:  # fmt: skip
    """Per ``key`` (the partner): the mean yearly value over the years observed, the basis, rows, years."""
    years = _years(held, own_country, own_flow, wanted)
    if years:  # the hub's own declarations, over the years its series holds
        part = legs.filter(pl.col("year").is_in(years)).with_columns(
            value=pl.col(column).fill_null(0.0) / divisor, basis=pl.lit(basis), n_rows=pl.col(rows)
        )
        out = part.group_by(key).agg(pl.col("value").sum(), pl.col("basis").first(), pl.col("n_rows").sum())
        return out.with_columns(years=pl.lit(len(years), pl.Int32), per_year=pl.col("value") / len(years))
    # The hub declares nothing in the period: each partner's own figure, over the years its series holds.
    partner_years = held.filter(pl.col("flow") == other_flow, pl.col("year").is_in(list(wanted))).select(
        pl.col("reporter").alias(key), "year"
    ).unique()
    part = legs.filter(pl.col("year").is_in(list(wanted))).join(partner_years, on=[key, "year"])
    out = part.group_by(key).agg(
        pl.col("value_usd").sum().alias("value"), pl.col("basis").unique().sort().str.join("; "),
        pl.col("n_rows").sum(), pl.col("year").n_unique().cast(pl.Int32).alias("years"),
    )  # fmt: skip
    counted = partner_years.group_by(key).agg(pl.len().cast(pl.Int32).alias("held"))
    out = out.join(counted, on=key, how="left").with_columns(years=pl.col("held")).drop("held")
    return out.with_columns(per_year=pl.col("value") / pl.col("years"))


def hub_legs(legs: pl.DataFrame, held: pl.DataFrame, hub: str, targets: Sequence[str], *, period: Sequence[int],
             baseline: Sequence[int], cif_margin: float, top: int = 10) -> pl.DataFrame:  # fmt: skip
    """The hub's imports from its ``top`` partners and from all, and its exports to each
    target: per year on average over the period and the baseline, with the basis, the rows
    and the years each mean divides by. ``legs`` are ``edges.leg_values``; ``held`` the
    years each country's series of the basket holds (reporter, flow, year:
    ``indicators.base.series_years``)."""
    into = legs.filter(pl.col("importer") == hub)
    out_of = legs.filter(pl.col("exporter") == hub, pl.col("importer").is_in(list(targets)))
    parts = {}
    for name, frame, key, spec in (
        ("into", into, "exporter", dict(own_flow="M", other_flow="X",
                                        column="importer_reported_usd", rows="importer_rows", basis=MIRROR_BASIS,
                                        divisor=1 + cif_margin)),
        ("all", into.with_columns(exporter=pl.lit("all partners")), "exporter",
         dict(own_flow="M", other_flow="X", column="importer_reported_usd", rows="importer_rows", basis=MIRROR_BASIS,
              divisor=1 + cif_margin)),
        ("out", out_of, "importer", dict(own_flow="X", other_flow="M",
                                         column="exporter_reported_usd", rows="exporter_rows",
                                         basis=EXPORTER_BASIS, divisor=1.0)),
    ):  # fmt: skip
        sides = []
        for when, wanted in (("period", period), ("baseline", baseline)):
            side = _side(frame, held, key, own_country=hub, wanted=wanted, **spec)
            sides.append(side.select(
                key, pl.col("per_year").alias(f"{when}_per_year"), pl.col("basis").alias(f"{when}_basis"),
                pl.col("n_rows").alias(f"{when}_rows"), pl.col("years").alias(f"{when}_years"),
            ))  # fmt: skip
        joined = sides[0].join(sides[1], on=key, how="left").with_columns(pl.col("baseline_years").fill_null(0))
        parts[name] = joined.sort(["period_per_year", key], descending=[True, False], nulls_last=True)
    return pl.concat([
        pl.concat([parts["into"].head(top), parts["all"]]).select(
            pl.format("{} → {}", "exporter", pl.lit(hub)).alias("leg"), *LEG_COLUMNS),
        parts["out"].select(pl.format("{} → {}", pl.lit(hub), "importer").alias("leg"), *LEG_COLUMNS),
    ])  # fmt: skip
