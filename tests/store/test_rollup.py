"""The store's ``annual`` (rows passed through where no roll-up is needed) gives exactly
what the portable definition, ``views.ANNUAL_SQL``, gives: on the real files, on stores
where cells are shared, monthly, broken down or repeated, and on random stores."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tradeflows
from tradeflows.indicators.testing import canonical_rows, load_rows
from tradeflows.store import views

from ..conftest import ARMENIA, GEORGIA, SHARED_DATA

NATIONAL = SHARED_DATA / "national" / "armenia_trade_by_country.csv"
_ORDER = ["source", "year", "reporter", "partner", "flow", "partner_basis", "hs_version", "hs_level", "hs"]


def _both(store: tradeflows.Store) -> tuple[pl.DataFrame, pl.DataFrame]:
    reference = views.ANNUAL_SQL.replace("CREATE OR REPLACE VIEW annual AS", "")
    with store.connect(read_only=True) as con:
        ours = con.sql("SELECT * FROM annual").pl()
        theirs = con.sql(reference).pl()
    return ours.sort(_ORDER, nulls_last=True), theirs.sort(_ORDER, nulls_last=True)


def assert_same_annual(store: tradeflows.Store) -> None:
    ours, theirs = _both(store)
    assert ours.columns == theirs.columns
    assert ours.height == theirs.height
    for column in ours.columns:
        a, b = ours[column].to_list(), theirs[column].to_list()
        if ours[column].dtype == pl.Float64:
            # Sums of several rows may differ in the last digit with the order of summation.
            assert all((x is None and y is None) or (x is not None and y is not None and math.isclose(x, y, rel_tol=1e-12))
                       for x, y in zip(a, b, strict=True)), column  # fmt: skip
        else:
            assert a == b, column


def _passed_through(store: tradeflows.Store) -> int:
    """How many cells the view passes through (so a test knows which branch it exercised)."""
    return store.sql(
        "SELECT count(*) AS n FROM (SELECT source, reporter, year, flow FROM annual_cells GROUP BY ALL "
        "HAVING count(*) = 1 AND bool_and(unique_key AND all_total))"
    )["n"][0]


@pytest.mark.skipif(not GEORGIA.exists(), reason="shared data not found")
def test_real_files(tmp_path: Path) -> None:
    store = tradeflows.open(tmp_path / "s.duckdb")
    store.ingest([GEORGIA, ARMENIA, NATIONAL])
    assert_same_annual(store)


def test_simple_cells_pass_through_and_shared_cells_roll_up(store: tradeflows.Store) -> None:
    one = [dict(year=2021, reporter="GEO", partner="RUS", hs="870323", value_usd=100.0, net_kg=5.0),
           dict(year=2021, reporter="GEO", partner="KAZ", hs="870323", value_usd=7.0, qty=2.0, qty_unit="u"),
           dict(year=2022, reporter="GEO", partner="RUS", hs="870323", value_usd=250.0, qty=3.0)]  # fmt: skip
    load_rows(store, one)
    assert _passed_through(store) == 2
    assert_same_annual(store)
    # A second file for GEO 2022 exports: that cell is now rolled up. It gives GEO->RUS again
    # (a revision: the later file stands, 50 not 250 + 50, issue 13) and GEO->ARM anew.
    load_rows(store, [dict(year=2022, reporter="GEO", partner="RUS", hs="870323", value_usd=50.0),
                      dict(year=2022, reporter="GEO", partner="ARM", hs="870323", value_usd=20.0)])
    assert _passed_through(store) == 1
    assert_same_annual(store)
    value = store.sql("SELECT partner, value_usd FROM annual WHERE year = 2022 ORDER BY partner").rows()
    assert value == [("ARM", 20.0), ("RUS", 50.0)]


def test_monthly_breakdown_and_world_rows_roll_up(store: tradeflows.Store) -> None:
    rows = [dict(year=2022, month=m, reporter="ARM", partner="RUS", hs="8703", value_usd=10.0 * m) for m in (1, 2)]
    rows += [dict(year=2023, reporter="ARM", partner="RUS", hs="8703", value_usd=5.0, mode="road"),
             dict(year=2023, reporter="ARM", partner="RUS", hs="8703", value_usd=9.0, mode="TOTAL"),
             dict(year=2023, reporter="ARM", partner="WLD", hs="8703", value_usd=90.0),
             dict(year=2021, reporter="ARM", partner="RUS", hs="8703", value_usd=1.0, month=3)]  # fmt: skip
    load_rows(store, rows)
    assert _passed_through(store) == 1  # 2021: one monthly row
    assert_same_annual(store)
    got = store.sql("SELECT year, value_usd, months FROM annual ORDER BY year").rows()
    assert got == [(2021, 1.0, 1), (2022, 30.0, 2), (2023, 9.0, 0)]


def test_a_replaced_run_takes_its_cells_with_it(tmp_path: Path) -> None:
    path = tmp_path / "baci.csv"
    path.write_text("t,i,j,k,v,q\n2022,842,268,870323,12.5,3\n2022,842,268,870324,1,\n")
    store = tradeflows.open(tmp_path / "s.duckdb")
    store.ingest([path], source="baci_hs17")
    store.ingest([path], source="baci_hs17", replace=True)
    assert store.sql("SELECT count(*) AS n, count(DISTINCT ingest_id) AS runs FROM annual_cells").row(0) == (1, 1)
    assert _passed_through(store) == 1
    assert_same_annual(store)


def test_a_store_made_before_the_cells_table_records_them_when_initialised(tmp_path: Path) -> None:
    store = tradeflows.open(tmp_path / "s.duckdb")
    load_rows(store, [dict(year=2021, reporter="GEO", partner="RUS", hs="870323", value_usd=1.0)])
    with store.connect(read_only=False) as con:
        con.execute("DROP VIEW mirror_pairs; DROP VIEW annual_hs4; DROP VIEW annual; DROP TABLE annual_cells")
    reopened = tradeflows.open(tmp_path / "s.duckdb")
    reopened.initialise()
    assert _passed_through(reopened) == 1
    assert_same_annual(reopened)


_rows = st.lists(
    st.fixed_dictionaries(
        {"year": st.sampled_from([2021, 2022]), "reporter": st.sampled_from(["GEO", "ARM"]),
         "partner": st.sampled_from(["RUS", "KAZ", "WLD"]), "flow": st.sampled_from(["X", "M"]),
         "hs": st.sampled_from(["870323", "870324", "8703"]), "value_usd": st.floats(0, 1e6),
         "month": st.sampled_from([None, None, 1, 2]), "mode": st.sampled_from(["TOTAL", "TOTAL", "road", None]),
         "net_kg": st.sampled_from([None, 1.0, 2.5]), "qty": st.sampled_from([None, 3.0]),
         "qty_unit": st.sampled_from([None, "u", "kg"])}
    ),
    min_size=1, max_size=12,
)  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(runs=st.lists(_rows, min_size=1, max_size=3))
def test_random_stores(tmp_path_factory: pytest.TempPathFactory, runs: list[list[dict]]) -> None:
    store = tradeflows.open(tmp_path_factory.mktemp("h") / "s.duckdb")
    for rows in runs:
        store.load_frame(canonical_rows(rows), source="test", label="random rows")
    assert_same_annual(store)


def test_an_ingest_into_a_store_of_an_earlier_version_upgrades_it_first(store: tradeflows.Store) -> None:
    load_rows(store, [dict(year=2021, reporter="GEO", partner="RUS", hs="870323", value_usd=1.0)])
    with store.connect(read_only=False) as con:  # as version 1 left a store: no cells, the portable view
        con.execute("DROP VIEW mirror_pairs; DROP VIEW annual_hs4; DROP TABLE annual_cells")
        con.execute(views.ANNUAL_SQL)
        con.execute(views.ANNUAL_HS4_SQL)
        con.execute(views.MIRROR_PAIRS_SQL)
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    load_rows(store, [dict(year=2021, reporter="GEO", partner="KAZ", hs="870323", value_usd=2.0)])
    assert "annual_cells" in store.sql("SELECT sql FROM duckdb_views() WHERE view_name = 'annual'")["sql"][0]
    assert store.sql("SELECT count(DISTINCT ingest_id) AS runs FROM annual_cells")["runs"][0] == 2
    assert store.sql("SELECT value_usd FROM annual ORDER BY partner")["value_usd"].to_list() == [2.0, 1.0]
    assert_same_annual(store)
