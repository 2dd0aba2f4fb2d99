"""Routes on the synthetic world: the planted re-export routes are found and rank above ordinary trade."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import tradeflows
from tradeflows.errors import NoDataError
from tradeflows.reference.chpl import get_chpl
from tradeflows.reference.groups import get_group
from tradeflows.routes import find_routes
from tradeflows.synthetic import WorldConfig, generate_world

CHPL_SAMPLE = get_chpl().codes[::5]  # ten codes from every tier
PRODUCTS = (*CHPL_SAMPLE, "870323", "080810", "610910", "940360")


@pytest.fixture(scope="module")
def world_store(tmp_path_factory):
    world = generate_world(WorldConfig(products=PRODUCTS))
    store = tradeflows.open(tmp_path_factory.mktemp("world") / "world.duckdb")
    store.load_frame(world.flows, source="synthetic", label="routes test world")
    return world, store


def test_planted_routes_rank_above_ordinary_trade(world_store):
    world, store = world_store
    # Every country may be an origin, so routes from countries without a planted surge compete.
    found = find_routes(store, "chpl", targets="RUS", years="2022-2024", baseline="2019-2021",
                        origins=list(world.countries))  # fmt: skip
    planted = (
        world.planted.filter(pl.col("kind") == "reexport_route", pl.col("target") == "RUS", pl.col("basket") == "chpl")
        .select("origin", "hub").unique().with_columns(planted=pl.lit(True))
    )  # fmt: skip
    routes = found.routes.join(planted, on=["origin", "hub"], how="left").with_columns(
        pl.col("planted").fill_null(False)
    )
    # every planted origin -> hub pair is recovered as a route to Russia
    assert planted.join(routes, on=["origin", "hub"], how="anti").is_empty()
    assert routes.head(10)["planted"].all(), routes.head(10)
    mean_rank = dict(routes.group_by("planted").agg(pl.col("rank").mean()).iter_rows())
    assert mean_rank[True] < 0.6 * mean_rank[False]
    assert set(routes["hub"]) <= set(get_group("hubs").members) and set(routes["target"]) == {"RUS"}
    top = routes.row(0, named=True)
    assert top["change_usd"] > 0 and top["growth_ratio"] > 1.3


def test_graph_of_the_routes(world_store):
    _, store = world_store
    found = find_routes(store, "chpl", targets="RUS", years=2023, baseline="2019-2021", hubs="KAZ,KGZ")
    graph = found.graph
    assert {n for n, role in graph.nodes(data="role") if role == "hub"} == {"KAZ", "KGZ"}
    assert graph.graph["period"] == "2023" and graph.graph["baseline"] == "2019-2021"
    assert all(graph.nodes[v]["role"] != "origin" for _, v in graph.edges)


def test_no_route_is_a_clear_error(world_store):
    _, store = world_store
    with pytest.raises(NoDataError, match="No route from"):
        find_routes(store, "chpl", targets="RUS", years=2023, baseline=2021, hubs="MNG")  # not in the world


def test_a_basket_named_by_many_bare_codes_gives_the_same_routes_and_flags(world_store):
    # A list of bare codes is one basket named by them all ("854231+..."); the SQL names it by
    # number (routes.edges.sql_scope). The name must change no figure and no flag.
    _, store = world_store
    args = dict(targets="RUS", years="2022-2024", baseline="2019-2021")
    named = find_routes(store, "chpl", **args).routes
    bare = find_routes(store, list(CHPL_SAMPLE), **args)
    assert len(bare.scope.baskets["basket"][0]) > 40  # long enough to be renamed in the SQL
    assert bare.scope.baskets["basket"][0] not in bare.sql
    assert named.height > 0 and named["flags"].str.len_chars().sum() > 0  # some routes carry flags
    # the same figures, to the last digits a different order of summation can move
    assert_frame_equal(bare.routes, named, rel_tol=1e-9)
