"""Proportional allocation on hand-made legs, every expected value worked out by hand."""

from __future__ import annotations

import polars as pl
import pytest

from tradeflows.errors import ParameterError
from tradeflows.routes.allocate import RouteYears, rank_routes, route_values


def legs(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["year", "exporter", "importer", "hs", "value_usd"], orient="row")


LEGS = legs([
    # 2022, product 870321: H imports A 30, B 10 (shares 3/4, 1/4) and exports 20 to R.
    (2022, "A", "H", "870321", 30.0), (2022, "B", "H", "870321", 10.0), (2022, "H", "R", "870321", 20.0),
    # 2022, product 870322: H imports A 10, C 40 (C is no origin but counts in the total: A's share 1/5),
    # exports 50 to R.
    (2022, "A", "H", "870322", 10.0), (2022, "C", "H", "870322", 40.0), (2022, "H", "R", "870322", 50.0),
    # 2022, 870321: the second hub H2 imports 10 from H and 30 from D (H's share 1/4), exports 40 to R.
    (2022, "H", "H2", "870321", 10.0), (2022, "D", "H2", "870321", 30.0), (2022, "H2", "R", "870321", 40.0),
    # 2021 (baseline), 870321: H imports A 10, B 10, exports 4 to R. H2 reports nothing in 2021.
    (2021, "A", "H", "870321", 10.0), (2021, "B", "H", "870321", 10.0), (2021, "H", "R", "870321", 4.0),
    # H3: imports A 10 in 2021 and exports 5 to R; in 2022 imports A 10 and B 10, exports 10 to R.
    (2021, "A", "H3", "870321", 10.0), (2021, "H3", "R", "870321", 5.0),
    (2022, "A", "H3", "870321", 10.0), (2022, "B", "H3", "870321", 10.0), (2022, "H3", "R", "870321", 10.0),
])  # fmt: skip
ROLES = {"origins": ["A", "B"], "hubs": ["H", "H2", "H3"], "targets": ["R"]}


def test_one_hub_routes_by_product():
    values = route_values(LEGS.filter(pl.col("year") == 2022), **ROLES)
    got = {(r["origin"], r["hub"], r["hs"]): r["value_usd"] for r in values.iter_rows(named=True)}
    assert got == {
        ("A", "H", "870321"): pytest.approx(20 * 30 / 40),  # 15
        ("B", "H", "870321"): pytest.approx(20 * 10 / 40),  # 5
        ("A", "H", "870322"): pytest.approx(50 * 10 / 50),  # 10
        ("A", "H3", "870321"): pytest.approx(10 * 10 / 20),  # 5
        ("B", "H3", "870321"): pytest.approx(10 * 10 / 20),  # 5
    }


def test_two_hub_routes_apply_the_split_twice():
    values = route_values(LEGS.filter(pl.col("year") == 2022), **ROLES, max_hubs=2).filter(pl.col("hub2").is_not_null())
    got = {(r["origin"], r["hub"], r["hub2"]): r["value_usd"] for r in values.iter_rows(named=True)}
    # H2 -> R 40, H's share of H2's imports 10/40, A's share of H's imports 30/40 (B's 10/40).
    assert got == {("A", "H", "H2"): pytest.approx(40 * 0.25 * 0.75), ("B", "H", "H2"): pytest.approx(40 * 0.25 * 0.25)}


def test_allocation_never_exceeds_the_hub_exports():
    values = route_values(LEGS, origins=["A", "B", "C", "D", "H"], hubs=["H", "H2", "H3"], targets=["R"])
    by_hub = values.group_by("year", "hub", "hs").agg(pl.col("value_usd").sum(), pl.col("hub_exports_usd").first())
    assert (by_hub["value_usd"] <= by_hub["hub_exports_usd"] + 1e-9).all()


def test_rank_with_growth_and_new_routes():
    ranked = rank_routes(LEGS, RouteYears((2022,), (2021,)), **ROLES, max_hubs=2)
    rows = {r["path"]: r for r in ranked.iter_rows(named=True)}
    a_h = rows["A → H → R"]
    assert a_h["value_usd"] == pytest.approx(25.0)  # 15 + 10 over the basket
    assert a_h["baseline_per_year"] == pytest.approx(2.0)  # 4 * 10/20 in 2021
    assert a_h["growth_ratio"] == pytest.approx(12.5) and a_h["change_usd"] == pytest.approx(23.0)
    assert a_h["share_of_hub_exports"] == pytest.approx(25 / 70)  # H exported 20 + 50 to R
    b_h3 = rows["B → H3 → R"]
    assert b_h3["new"] and b_h3["baseline_per_year"] == 0.0 and b_h3["growth_ratio"] is None
    # In 2021 every leg of A -> H -> H2 -> R was observable (H reported exports, R imports from
    # H and H3 but none from H2): the route was zero then, so it is new, not missing.
    a_h2 = rows["A → H → H2 → R"]
    assert a_h2["baseline_per_year"] == 0.0 and a_h2["new"] and a_h2["value_usd"] == pytest.approx(7.5)
    assert ranked["path"].to_list() == [
        "A → H → R",
        "A → H → H2 → R",
        "B → H3 → R",
        "B → H → R",
        "B → H → H2 → R",
        "A → H3 → R",
    ]  # changes 23, 7.5, 5, 3, 2.5, 0
    assert ranked["rank"].to_list() == [1, 2, 3, 4, 5, 6]


def test_rank_by_value():
    ranked = rank_routes(LEGS, RouteYears((2022,), (2021,)), **ROLES, rank_by="value")
    # values 25, then three of 5 ordered by their change (5, 3, 0)
    assert ranked["path"].to_list() == ["A → H → R", "B → H3 → R", "B → H → R", "A → H3 → R"]


def test_bad_arguments():
    with pytest.raises(ParameterError, match="max_hubs"):
        route_values(LEGS, **ROLES, max_hubs=3)
    with pytest.raises(ParameterError, match="both the period and the baseline"):
        RouteYears((2021, 2022), (2021,))
    with pytest.raises(ParameterError, match="rank_by"):
        rank_routes(LEGS, RouteYears((2022,), (2021,)), **ROLES, rank_by="size")  # type: ignore[arg-type]


def test_a_year_nobody_reported_a_leg_is_missing_for_the_route():
    # In 2021 nobody reported the legs A -> H or H -> H2: the two-hub route has no baseline (not a zero one),
    # while D -> H2 -> R, observable in 2021, has one.
    rows = legs([
        (2021, "D", "H2", "870321", 10.0), (2021, "H2", "R", "870321", 5.0),
        (2022, "A", "H", "870321", 10.0), (2022, "H", "H2", "870321", 10.0),
        (2022, "D", "H2", "870321", 10.0), (2022, "H2", "R", "870321", 8.0),
    ])  # fmt: skip
    roles = {"origins": ["A", "D"], "hubs": ["H", "H2"], "targets": ["R"]}
    ranked = rank_routes(rows, RouteYears((2022,), (2021,)), **roles, max_hubs=2)
    got = {r["path"]: r for r in ranked.iter_rows(named=True)}
    route = got["A → H → H2 → R"]
    assert route["value_usd"] == pytest.approx(8 * 0.5 * 1.0)  # H2 -> R 8, H's share 10/20, A's share of H 1
    assert route["baseline_years"] == 0 and route["baseline_per_year"] is None and not route["new"]
    assert got["D → H2 → R"]["baseline_per_year"] == pytest.approx(5.0)  # 5 * 10/10 in 2021
