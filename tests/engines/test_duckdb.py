"""DuckDB on the store: a command's engine (keep_views) computes the views its queries read more
than once a single time, and gives the same frames as the plain engine."""

from __future__ import annotations

import pytest
from polars.testing import assert_frame_equal

import tradeflows
from tradeflows.engines import DuckDBEngine, open_engine
from tradeflows.indicators import INDICATORS
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
