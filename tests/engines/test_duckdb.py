"""DuckDB on the store: a command's engine (keep_views) computes the views its queries read more
than once a single time, and gives the same frames as the plain engine."""

from __future__ import annotations

import importlib

import pytest
from polars.testing import assert_frame_equal

import tradeflows
from tradeflows.engines import DuckDBEngine, open_engine
from tradeflows.indicators import INDICATORS
from tradeflows.indicators.base import basket_rows_sql, make_scope
from tradeflows.indicators.testing import load_rows

KEPT = "SELECT table_name FROM duckdb_tables() WHERE temporary ORDER BY table_name"


@pytest.fixture
def store(tmp_path):
    store = tradeflows.open(tmp_path / "s.duckdb")
    load_rows(store, [dict(year=y, reporter=r, partner=p, flow=f, hs="870323", value_usd=v)
                      for y, v in ((2021, 10.0), (2022, 30.0))
                      for r, p, f in (("GEO", "RUS", "X"), ("DEU", "GEO", "X"), ("GEO", "DEU", "M"))])  # fmt: skip
    return store


@pytest.mark.parametrize("name", ["growth", "mirror-gap", "pass-through", "hub-score", "unit-value"])
def test_kept_views_give_the_same_frames(store, name):
    entry = INDICATORS[name]
    plain = DuckDBEngine(store)
    scope = entry.scope(plain, basket="cars", baseline=2021, after=2022)
    with open_engine("duckdb", store=store, keep_views=True) as kept:
        assert_frame_equal(entry.run(kept, scope), entry.run(plain, scope))


def test_a_view_read_more_than_once_is_kept_one_read_once_is_not(store):
    with open_engine("duckdb", store=store, keep_views=True) as engine:
        engine.sql("SELECT count(*) AS n FROM annual")  # annual once, figures once through it
        assert engine.sql(KEPT).is_empty()
        engine.sql("SELECT count(*) AS n FROM figures a JOIN figures b USING (reporter)")
        assert engine.sql(KEPT)["table_name"].to_list() == ["figures"]
        # annual was read before: it is kept now, built from the kept figures.
        # (10 + 30) for each of the three series
        assert engine.sql("SELECT sum(value_usd) AS v FROM annual")["v"][0] == 120.0
        assert engine.sql(KEPT)["table_name"].to_list() == ["annual", "figures"]
    # The plain engine keeps nothing between queries.
    assert DuckDBEngine(store).sql(KEPT).is_empty()


@pytest.mark.parametrize(("module", "options"), [
    ("growth", {"by_partner": True}), ("target_share", {}), ("hub_profile", {}),
    ("passthrough", {"origin": "coalition"}),
])  # fmt: skip
def test_an_engine_cut_to_the_basket_gives_the_stores_figures(real_store, module, options):
    # Georgia's and Armenia's files; Georgia's 2023 holds eleven months: the like-for-like
    # reading of figures month by month is exercised.
    scope = make_scope(real_store, basket="cars", reporter="GEO", partner="RUS,KAZ", baseline=2021, after="2022-2023")
    indicator = importlib.import_module(f"tradeflows.indicators.{module}")
    with DuckDBEngine(real_store, keep_views=True) as engine:
        engine.cut(basket_rows_sql(scope))
        on_cut = indicator.frame(engine, scope, **options)
    assert not on_cut.is_empty()
    assert_frame_equal(on_cut, indicator.frame(real_store, scope, **options))


def test_a_cut_engine_holds_the_baskets_rows_only(tmp_path):
    store = tradeflows.open(tmp_path / "cut.duckdb")
    load_rows(store, [dict(year=2021, reporter="GEO", partner="RUS", hs=hs, value_usd=1.0)
                      for hs in ("870323", "870899", "300490")])  # fmt: skip
    scope = make_scope(store, basket="cars", baseline=2020, after=2021)
    with DuckDBEngine(store, keep_views=True) as engine:
        # Read before the cut (kept once read twice): computed again from the cut rows after it.
        assert engine.sql("SELECT count(*) AS n FROM annual a, annual b")["n"][0] == 9
        engine.cut(basket_rows_sql(scope))
        for view in ("flows", "standing", "figures", "annual", "annual_hs4"):
            assert set(engine.sql(f"SELECT DISTINCT left(hs, 4) AS h FROM {view}")["h"]) <= {"8703"}
        with pytest.raises(tradeflows.errors.QueryError, match="already"):
            engine.cut(basket_rows_sql(scope))
    with pytest.raises(tradeflows.errors.QueryError, match="keep_views"):
        DuckDBEngine(store).cut(basket_rows_sql(scope))
