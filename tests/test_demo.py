"""The demo builds a labelled synthetic store and never wipes real data."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import tradeflows
from tradeflows.cli import app
from tradeflows.demo import DEMO_QUERIES, build_demo
from tradeflows.synthetic import WorldConfig
from tests.conftest import comtrade_row

SMALL = WorldConfig(years=(2020, 2021, 2022), seed=3)


def test_demo_store_is_synthetic_and_records_what_was_planted(tmp_path):
    store, world, report = build_demo(tmp_path / "demo.duckdb", SMALL)
    sources = store.sql("SELECT DISTINCT source FROM flows")["source"].to_list()
    assert sources == ["synthetic"]
    assert report.rows_kept == len(world.flows) == store.sql("SELECT count(*) AS n FROM flows")["n"][0]
    planted = store.sql("SELECT count(*) AS n, count(DISTINCT kind) AS kinds FROM synthetic_planted")
    assert planted.row(0) == (len(world.planted), world.planted["kind"].n_unique())
    for _, query in DEMO_QUERIES:
        assert len(store.sql(query)) > 0


def test_demo_refuses_to_replace_a_store_with_real_data(tmp_path, write_comtrade):
    db = tmp_path / "real.duckdb"
    tradeflows.open(db).ingest([write_comtrade([comtrade_row()])])
    with pytest.raises(tradeflows.StoreError, match="holds real data"):
        build_demo(db, SMALL)
    assert tradeflows.open(db).sql("SELECT count(*) AS n FROM flows")["n"][0] == 1


def test_demo_command_prints_the_store_and_queries(tmp_path):
    db = tmp_path / "demo.duckdb"
    result = CliRunner().invoke(app, ["demo", "--db", str(db), "--years", "2020-2022", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "SYNTHETIC" in result.output
    assert f"--db {db}" in result.output.replace("\n", "")
    bad = CliRunner().invoke(app, ["demo", "--db", str(db), "--years", "2022-2020"])
    assert bad.exit_code == 1 and "runs backwards" in bad.output
