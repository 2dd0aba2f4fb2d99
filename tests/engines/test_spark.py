"""Every indicator, every view and the route legs give the same table on Spark as on DuckDB,
from the one definition, on a synthetic world and on the real Comtrade files."""

from __future__ import annotations

import io

import polars as pl
import pytest
from typer.testing import CliRunner

from tradeflows.cli import app
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


def test_spark_reads_the_dataset_as_duckdb_and_polars_do(engines):
    from tradeflows.store.dataset import scan_dataset

    duck, spark = engines["real"]
    query = "SELECT year, reporter, flow, count(*) AS n, sum(value_usd) AS v FROM flows GROUP BY year, reporter, flow"
    expected = duck.sql(query)
    by_polars = (
        scan_dataset(spark.dataset).group_by("year", "reporter", "flow")
        .agg(n=pl.len(), v=pl.col("value_usd").sum()).collect()
    )  # fmt: skip
    assert_same_table(expected, spark.sql(query))
    assert_same_table(expected, by_polars.select(expected.columns))


def test_cli_hub_score_is_the_same_table_on_both_engines(engines, small_world_store):
    runner = CliRunner()
    args = ["indicators", "hub-score", "--db", str(small_world_store.path), "--format", "csv"]
    duck = runner.invoke(app, args)
    spark = runner.invoke(app, [*args, "--engine", "spark"])
    assert duck.exit_code == 0, duck.output
    assert spark.exit_code == 0, spark.output
    assert_same_table(pl.read_csv(io.StringIO(duck.stdout)), pl.read_csv(io.StringIO(spark.stdout)))
