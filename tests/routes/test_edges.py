"""Leg values: the exporter's figure where it exists, the importer's (CIF, brought to FOB) otherwise."""

from __future__ import annotations

import polars as pl
import pytest

from tradeflows.errors import ParameterError
from tradeflows.indicators.base import make_scope
from tradeflows.routes.edges import EXPORTER_BASIS, MIRROR_BASIS, EdgeParams, edges_sql, leg_values

ROWS = [
    ("DEU", "GEO", "X", 2022, "8703", 100.0),  # both sides report: the exporter's 100 is used
    ("GEO", "DEU", "M", 2022, "8703", 110.0),
    ("GEO", "USA", "M", 2022, "8703", 210.0),  # only the importer reports: 210 / 1.05 = 200
    ("GEO", "RUS", "X", 2022, "8703", 60.0),
    ("GEO", "KAZ", "X", 2022, "8703", 70.0),
    ("KAZ", "GEO", "M", 2022, "8703", 80.0),
    ("FRA", "ITA", "X", 2022, "8703", 999.0),  # touches neither GEO nor RUS: left out
    ("GEO", "RUS", "X", 2022, "8471", 5.0),  # not in the basket
]


def legs_for(store, **kwargs):
    scope = make_scope(store, basket="cars", baseline=2021, after=2022)
    return leg_values(store, EdgeParams(scope, countries=("GEO", "RUS"), **kwargs))


def test_exporter_figure_first_mirror_otherwise(make_store):
    legs = legs_for(make_store(ROWS))
    got = {(r["exporter"], r["importer"]): r for r in legs.iter_rows(named=True)}
    assert sorted(got) == [("DEU", "GEO"), ("GEO", "KAZ"), ("GEO", "RUS"), ("USA", "GEO")]
    assert got["DEU", "GEO"]["value_usd"] == 100.0
    assert got["DEU", "GEO"]["basis"] == EXPORTER_BASIS
    assert (got["DEU", "GEO"]["exporter_reported_usd"], got["DEU", "GEO"]["importer_reported_usd"]) == (100.0, 110.0)
    assert got["USA", "GEO"]["value_usd"] == pytest.approx(200.0)
    assert got["USA", "GEO"]["basis"] == MIRROR_BASIS
    assert got["USA", "GEO"]["exporter_reported_usd"] is None
    assert got["GEO", "KAZ"]["value_usd"] == 70.0 and got["GEO", "KAZ"]["importer_reported_usd"] == 80.0
    assert set(legs["hs"]) == {"8703"} and set(legs["n_rows"]) == {1}


def test_cif_margin_is_a_parameter(make_store):
    legs = legs_for(make_store(ROWS), cif_margin=0.0)
    mirror = legs.filter(pl.col("exporter") == "USA")
    assert mirror["value_usd"].to_list() == [210.0]


def test_bad_parameters_are_refused(make_store):
    scope = make_scope(make_store(ROWS), basket="cars", baseline=2021, after=2022)
    with pytest.raises(ParameterError, match="cif_margin"):
        EdgeParams(scope, cif_margin=1.5)
    with pytest.raises(ParameterError, match="ISO3"):
        EdgeParams(scope, countries=("geo'; DROP TABLE flows; --",))


def test_sql_is_portable(make_store):
    sqlglot = pytest.importorskip("sqlglot")
    scope = make_scope(make_store(ROWS), basket="cars", baseline=2021, after=2022)
    sql = edges_sql(EdgeParams(scope, countries=("GEO",)))
    for duckdb_only in ("GROUP BY ALL", "QUALIFY", "list_", "unnest", "$"):
        assert duckdb_only not in sql
    spark = sqlglot.transpile(sql, read="duckdb", write="spark")[0]
    assert "ROW_NUMBER() OVER" in spark  # the source preference survives the translation


def test_where_two_sources_hold_a_figure_the_preferred_one_is_used(make_store):
    from .conftest import flow_rows

    store = make_store(ROWS)  # source csv
    store.load_frame(flow_rows([("GEO", "RUS", "X", 2022, "8703", 65.0),  # comtrade beside csv: comtrade's
                                ("GEO", "ARM", "X", 2022, "8703", 9.0)],  # a partner only comtrade has
                               source="comtrade"), source="comtrade", label="second source")  # fmt: skip
    got = {(r["exporter"], r["importer"]): r for r in legs_for(store).iter_rows(named=True)}
    assert (got["GEO", "RUS"]["value_usd"], got["GEO", "RUS"]["source"]) == (65.0, "comtrade")
    assert (got["GEO", "ARM"]["value_usd"], got["GEO", "ARM"]["source"]) == (9.0, "comtrade")
    assert (got["GEO", "KAZ"]["value_usd"], got["GEO", "KAZ"]["source"]) == (70.0, "csv")
    # A reporter-year only one source holds is taken as it is.
    assert (got["DEU", "GEO"]["value_usd"], got["DEU", "GEO"]["source"]) == (100.0, "csv")
