"""What a series holds (indicators.base: held_years_cte, period_years_cte, annual_means): a
period mean divides by the years *that series* holds, a period it does not hold is missing
(never zero), and adding a file of another reporter, product or source moves no figure."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import tradeflows
from tradeflows.indicators import growth, mirror_imports, new_flows, pass_through, target_share
from tradeflows.indicators.base import make_scope, series_years
from tradeflows.indicators.testing import canonical_rows, load_rows


def row(year, reporter, partner, value, hs="870323", flow="X", **extra):
    return dict(year=year, reporter=reporter, partner=partner, hs=hs, flow=flow, value_usd=float(value), **extra)


@pytest.fixture
def store(tmp_path: Path) -> tradeflows.Store:
    return tradeflows.open(tmp_path / "s.duckdb")


def test_means_divide_by_the_years_the_series_holds_not_the_store(store: tradeflows.Store) -> None:
    # GEO's file: 2021-2022 only. ARM's file: 2019-2022. GEO imports 100 from DEU in 2021, 300 in 2022,
    # exports 10 then 110 to RUS. Baseline 2019-2021: GEO holds 2021 alone -> m_b = 100, x_b = 10;
    # pass-through = min(110 - 10, 300 - 100) / (300 - 100) = 0.5, whatever ARM holds.
    load_rows(store, [row(2021, "GEO", "DEU", 100, flow="M"), row(2022, "GEO", "DEU", 300, flow="M"),
                      row(2021, "GEO", "RUS", 10), row(2022, "GEO", "RUS", 110)])  # fmt: skip
    load_rows(store, [row(y, "ARM", "RUS", 5) for y in (2019, 2020, 2021, 2022)])
    r = pass_through(store, basket="cars", reporter="GEO", partner="RUS", origin="DEU", baseline="2019-2021",
                     after=2022).row(0, named=True)  # fmt: skip
    assert (r["imports_baseline_usd"], r["exports_baseline_usd"], r["pass_through"]) == (100.0, 10.0, 0.5)
    assert (r["baseline_years"], r["after_years"], r["status"]) == (1, 1, "ok")
    m = mirror_imports(store, basket="cars", partner="RUS", baseline="2019-2021", after=2022)
    by = {x["exporter"]: x for x in m.iter_rows(named=True)}
    # GEO: 10 over its one baseline year; ARM: (5 + 5 + 5) / 3; the rebuilt total adds the two means.
    assert by["GEO"]["baseline_usd"] == 10.0 and by["ARM"]["baseline_usd"] == 5.0
    assert by["ALL"]["baseline_usd"] == 15.0 and by["GEO"]["baseline_years"] == 1


def test_a_product_first_held_in_2022_has_no_baseline_not_zero_trade(store: tradeflows.Store) -> None:
    # KAZ's file holds its computer exports 2019-2022, but UAVs (880621, HS2022) only from 2022.
    load_rows(store, [row(y, "KAZ", "RUS", 50, hs="847130") for y in (2019, 2020, 2021, 2022)]
              + [row(2022, "KAZ", "RUS", 9e6, hs="880621")])  # fmt: skip
    g = growth(store, basket="880621", reporter="KAZ", baseline="2019-2021", after=2022).row(0, named=True)
    assert g["status"] == "no_baseline_data" and g["ratio"] is None and "not held" in g["reason"]
    n = new_flows(store, basket="880621", reporter="KAZ", baseline="2019-2021", after=2022).row(0, named=True)
    assert n["status"] == "no_baseline_data" and not n["flagged"]
    # The computers, held and traded in every year, are unaffected: 50 / 50.
    c = growth(store, basket="847130", reporter="KAZ", baseline="2019-2021", after=2022).row(0, named=True)
    assert (c["status"], c["ratio"], c["baseline_years"]) == ("ok", 1.0, 3)


def test_a_held_year_without_rows_is_zero(store: tradeflows.Store) -> None:
    # GEO's file covers cars in 2021 (a world row and exports to ARM), none to RUS: zero, not missing.
    load_rows(store, [row(2021, "GEO", "WLD", 40), row(2021, "GEO", "ARM", 40), row(2022, "GEO", "RUS", 70)])
    r = target_share(store, basket="cars", reporter="GEO", partner="RUS", baseline=2021, after=2022).row(0, named=True)
    assert (r["baseline_years"], r["baseline_usd"], r["share_baseline"]) == (1, 0.0, 0.0)
    held = series_years(store, make_scope(store, basket="cars", baseline=2021, after=2022), reporters=["GEO"])
    assert held.select("flow", "year", "months").rows() == [("X", 2021, 12), ("X", 2022, 12)]


_base = [row(y, "GEO", p, v, flow=f) for y, p, v, f in (
    (2019, "RUS", 10, "X"), (2021, "RUS", 30, "X"), (2022, "RUS", 90, "X"), (2022, "KAZ", 40, "X"),
    (2021, "DEU", 100, "M"), (2022, "DEU", 250, "M"), (2022, "USA", 20, "M"))]  # fmt: skip
_other = st.fixed_dictionaries({
    "year": st.integers(2017, 2024), "reporter": st.sampled_from(["ARM", "KAZ", "GEO"]),
    "partner": st.sampled_from(["RUS", "DEU", "GEO", "KGZ"]), "flow": st.sampled_from(["X", "M"]),
    "hs": st.sampled_from(["870323", "847130", "8703"]), "value_usd": st.integers(1, 500).map(float),
    "source": st.sampled_from(["test", "other"]),
})  # fmt: skip


def _figures(store: tradeflows.Store) -> dict[str, pl.DataFrame]:
    from tradeflows.routes import find_routes

    common = dict(basket="cars", baseline="2019-2021", after="2022-2023")
    routes = find_routes(store, "cars", targets="RUS,KAZ", years="2022-2023", baseline="2019-2021", hubs="GEO",
                         origins="DEU,USA", source="test", flags=False).routes  # fmt: skip
    return {
        "routes": routes.drop("rank"),
        "growth": growth(store, reporter="GEO", by_partner=True, source="test", **common),
        "pass_through": pass_through(store, reporter="GEO", partner="RUS,KAZ", origin="DEU,USA", source="test",
                                     **common).drop("lag_status", "best_lag_months", "lag_correlation", "n_months"),
        "target_share": target_share(store, reporter="GEO", source="test", **common).drop("rank"),
        "mirror_imports": mirror_imports(store, reporter="GEO", partner="RUS", source="test", **common).filter(
            pl.col("exporter") == "GEO").drop("share_baseline", "share_after", "change_pp"),
    }  # fmt: skip


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=st.lists(_other, min_size=1, max_size=6))
def test_a_file_of_another_reporter_product_or_source_moves_no_figure(
    tmp_path_factory: pytest.TempPathFactory, extra: list[dict]
) -> None:
    # Another reporter, another product (847130 is not a car) or another source: never GEO's
    # cars in source test. A repeat of GEO's own figures is drawn as well (same values).
    extra = [e for e in extra if not (e["reporter"] == "GEO" and e["source"] == "test" and e["hs"] != "847130")]
    store = tradeflows.open(tmp_path_factory.mktemp("inv") / "s.duckdb")
    load_rows(store, _base)
    before = _figures(store)
    for source in ("test", "other"):
        rows = [{k: v for k, v in e.items() if k != "source"} for e in extra if e["source"] == source]
        if rows:
            store.load_frame(canonical_rows(rows), source=source, label="another file")
    load_rows(store, _base[:3])  # an overlapping extract: GEO's exports to RUS again
    after = _figures(store)
    for name, frame in before.items():
        assert_frame_equal(frame, after[name], check_exact=False, rel_tol=1e-12)


def test_a_converted_code_carries_its_share_into_the_baseline(store: tradeflows.Store) -> None:
    # HS2017 854140 (400 in 2021) is a quarter HS2022 854149 (equal split of the four codes it
    # became): baseline 100; 2022: 150 of 854149 -> ratio 1.5.
    load_rows(store, [row(2021, "CHN", "KAZ", 400, hs="854140"), row(2022, "CHN", "KAZ", 150, hs="854149")])
    r = growth(store, basket="chpl", reporter="CHN", baseline=2021, after=2022).row(0, named=True)
    assert (r["baseline_usd"], r["value_usd"], r["ratio"]) == (100.0, 150.0, 1.5)


def test_taiwan_is_found_under_other_asia_nes(store: tradeflows.Store) -> None:
    # Comtrade reports Taiwan as S19 "Other Asia, nes": a coalition of which TWN is a member sees it.
    load_rows(store, [row(2021, "GEO", "S19", 7, flow="M"), row(2022, "GEO", "S19", 21, flow="M")])
    r = growth(store, basket="cars", reporter="GEO", partner="coalition", flow="M", baseline=2021,
               after=2022).row(0, named=True)  # fmt: skip
    assert (r["baseline_usd"], r["value_usd"]) == (7.0, 21.0)
