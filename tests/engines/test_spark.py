"""Every indicator, every view and the route legs give the same table on Spark as on DuckDB,
from the one definition, on a synthetic world and on the real Comtrade files."""

from __future__ import annotations

import pytest

from tradeflows.indicators import INDICATORS, compute
from tradeflows.indicators.base import make_scope
from tradeflows.routes import EdgeParams, find_routes, leg_values
from tradeflows.store.views import DOCS

from .support import assert_same_table

pytestmark = pytest.mark.spark

# What each world is asked: its own baskets, hubs and years (the real files are Armenia's
# and Georgia's car trade, 2017-2023).
ARGS = {
    "synthetic": {"basket": ["computers", "cars"], "baseline": "2019-2021", "after": "2022-2024"},
    "real": {"basket": "cars", "reporter": "ARM,GEO", "baseline": "2019-2021", "after": "2022-2023"},
}
VIEWS = [name for name, (kind, _, _) in DOCS.items() if kind == "view"]


def _args(name: str, world: str) -> dict:
    args = dict(ARGS[world])
    if name == "hub-score" and world == "synthetic":
        del args["basket"]  # its default baskets
    return args


@pytest.mark.parametrize("world", ["synthetic", "real"])
@pytest.mark.parametrize("name", list(INDICATORS))
def test_indicator_same_on_both_engines(engines, name: str, world: str) -> None:
    duck, spark = engines[world]
    expected, note = compute(name, duck, **_args(name, world))
    got, spark_note = compute(name, spark, **_args(name, world))
    assert note == spark_note
    assert_same_table(expected, got)


@pytest.mark.parametrize("world", ["synthetic", "real"])
@pytest.mark.parametrize("view", VIEWS)
def test_view_same_on_both_engines(engines, view: str, world: str) -> None:
    duck, spark = engines[world]
    query = f"SELECT * FROM {view}"
    assert_same_table(duck.sql(query), spark.sql(query))


@pytest.mark.parametrize("world", ["synthetic", "real"])
def test_route_legs_same_on_both_engines(engines, world: str) -> None:
    duck, spark = engines[world]
    scope = make_scope(duck, basket="cars", baseline="2019-2021", after="2022-2023")
    params = EdgeParams(scope, countries=("ARM", "GEO", "KAZ", "RUS"))
    legs = leg_values(duck, params)
    assert legs.height > 0
    assert_same_table(legs, leg_values(spark, params))


def test_routes_same_on_both_engines(engines) -> None:
    duck, spark = engines["synthetic"]
    expected = find_routes(duck, "cars", targets="RUS", years="2022-2024", baseline="2019-2021")
    got = find_routes(spark, "cars", targets="RUS", years="2022-2024", baseline="2019-2021")
    assert expected.routes.height > 0
    assert_same_table(expected.routes, got.routes)
