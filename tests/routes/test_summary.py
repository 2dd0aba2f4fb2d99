"""routes.summary on hand-made legs: totals by origin and group, the Sankey, the worked example."""

from __future__ import annotations

import polars as pl
import pytest

from tradeflows.routes.allocate import RouteYears, rank_routes
from tradeflows.routes.summary import (
    OTHERS,
    OriginGroups,
    annual_series,
    by_group,
    by_origin,
    example_route,
    origin_groups,
    sankey,
)

# 2022: the hub H imports 30 from the USA, 10 from China, 10 from Turkey; exports 20 to RUS
# and 10 to KAZ. 2023: the same imports, exports 40 to RUS only.
LEGS = pl.DataFrame({
    "year": [2022] * 5 + [2023] * 4,
    "exporter": ["USA", "CHN", "TUR", "H", "H", "USA", "CHN", "TUR", "H"],
    "importer": ["H", "H", "H", "RUS", "KAZ", "H", "H", "H", "RUS"],
    "hs": ["8703"] * 9,
    "value_usd": [30.0, 10.0, 10.0, 20.0, 10.0, 30.0, 10.0, 10.0, 40.0],
    "n_rows": [1] * 9,
})  # fmt: skip
GROUPS = OriginGroups({"coalition": ("USA",), "China": ("CHN",), OTHERS: ("TUR",)}, "coalition", every_origin=True)


@pytest.fixture(scope="module")
def routes() -> pl.DataFrame:
    return rank_routes(LEGS, RouteYears((2022, 2023), ()), origins=GROUPS.codes, hubs=["H"], targets=["RUS", "KAZ"])


def test_totals_by_origin_and_group(routes):
    # USA's share 30/50 = 60%: to RUS 12 (2022) + 24 (2023) over 2 years = 18 a year; to KAZ 6 in 2022 over
    # the 2 years the route is valued in = 3 a year; 21 a year in all. China and Turkey 10/50 = 20% each: 7.
    totals = dict(by_origin(routes, GROUPS).select("origin", "value_per_year").rows())
    assert totals == pytest.approx({"USA": 21.0, "CHN": 7.0, "TUR": 7.0})
    assert by_origin(routes)["origin"].to_list() == ["USA", "CHN", "TUR"]  # ties by name
    assert by_group(routes, GROUPS).rows() == [("coalition", 21.0, 42.0), ("China", 7.0, 14.0), (OTHERS, 7.0, 14.0)]


def test_sankey_bands_and_nothing_left_out(routes):
    drawn = sankey(routes, LEGS, GROUPS, hub="H", targets=("RUS", "KAZ"), period=(2022, 2023))
    bands = {(s, t): v for s, t, v in drawn.bands.select("source", "target", "value_per_year").rows()}
    # into H: the groups' totals; out of H: (20 + 40) / 2 = 30 a year to RUS, 10 / 2 = 5 to KAZ
    assert bands == pytest.approx({("coalition", "H"): 21.0, ("China", "H"): 7.0, (OTHERS, "H"): 7.0,
                                   ("H", "RUS"): 30.0, ("H", "KAZ"): 5.0})  # fmt: skip
    assert drawn.outside_share == pytest.approx(0.0)


def test_example_of_the_top_route(routes):
    top = example_route(routes)
    # USA -> H -> RUS: H's exports to RUS, (20 + 40) / 2 = 30 a year, of which 60% = 18
    assert (top["path"], top["hub_exports_per_year"], top["value_per_year"]) == ("USA → H → RUS", 30.0, 18.0)


def test_annual_series_from_the_legs():
    series = annual_series(LEGS, "H", ("USA",), ("RUS",)).filter(year=2022)
    assert dict(series.select("series", "value_usd").rows()) == {
        "imports from origins": 30.0, "imports from others": 20.0, "exports to targets": 20.0,
        "exports to others": 10.0}  # fmt: skip


def test_origin_groups_of_the_user_or_every_origin(tmp_path):
    import tradeflows

    store = tradeflows.open(tmp_path / "s.duckdb")
    mine = origin_groups(store, "USA,JPN")
    assert (mine.groups, mine.primary, mine.every_origin) == ({"USA+JPN": ("USA", "JPN")}, "USA+JPN", False)
    every = origin_groups(store)
    assert list(every.groups) == ["coalition", "China", OTHERS] and "TUR" in every.groups[OTHERS]
    assert "USA" in every.groups["coalition"] and "USA" not in every.groups[OTHERS]
