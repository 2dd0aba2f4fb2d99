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
from tradeflows.indicators import (
    INDICATORS,
    growth,
    hub_score,
    mirror_imports,
    new_flows,
    pass_through,
    target_share,
)
from tradeflows.indicators.base import Years, make_scope, resolve_scope, series_years
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


# -- one rule for a sum over series: one holding a single period is left out of both, and named ------


def test_hub_score_and_mirror_imports_leave_out_an_origin_holding_one_period(store: tradeflows.Store) -> None:
    # DEU's file holds its car exports to GEO in 2021 (100) and 2022 (300); FRA's file holds 2022
    # only (500): FRA's 2022 is not a rise from zero. GEO exports 10 then 50 to RUS.
    load_rows(store, [row(2021, "DEU", "GEO", 100), row(2022, "DEU", "GEO", 300)])
    load_rows(store, [row(2022, "FRA", "GEO", 500)])
    load_rows(store, [row(2021, "GEO", "RUS", 10), row(2022, "GEO", "RUS", 50)])
    m = {r["exporter"]: r for r in mirror_imports(store, basket="cars", partner="GEO", baseline=2021,
                                                   after=2022).iter_rows(named=True)}  # fmt: skip
    # The rebuilt total is DEU's alone: 100 -> 300, not 100 -> 800.
    assert (m["ALL"]["baseline_usd"], m["ALL"]["after_usd"], m["ALL"]["ratio"]) == (100.0, 300.0, 3.0)
    assert m["ALL"]["reason"] == "FRA left out of both periods: no file covers their exports of the basket in 2021"
    assert m["FRA"]["status"] == "no_baseline_data" and m["FRA"]["share_after"] is None
    assert m["DEU"]["share_after"] == 1.0
    h = hub_score(store, basket="cars", reporter="GEO", partner="RUS", origin="DEU,FRA", baseline=2021,
                  after=2022).row(0, named=True)  # fmt: skip
    assert (h["imports_baseline_usd"], h["imports_after_usd"], h["imports_ratio"]) == (100.0, 300.0, 3.0)
    # pass-through = min(50 - 10, 300 - 100) / (300 - 100) = 0.2
    assert h["pass_through"] == pytest.approx(0.2)
    assert "FRA left out of both periods: no file covers their exports of the basket to the hub in 2021" in h["reason"]


# -- the Scope: resolved once, derived without asking the store again --------------------------------


class Counting:
    """An engine in the store's place that counts the queries sent."""

    name = "counting"

    def __init__(self, store: tradeflows.Store) -> None:
        self.store, self.queries = store, []

    @property
    def path(self) -> Path:
        return self.store.path

    def sql(self, query: str) -> pl.DataFrame:
        from tradeflows.engines import DuckDBEngine

        self.queries.append(query)
        return DuckDBEngine(self.store).sql(query)


def test_a_scope_is_resolved_in_one_query_and_replace_asks_nothing(store: tradeflows.Store) -> None:
    load_rows(store, [row(2021, "GEO", "RUS", 10), row(2022, "GEO", "RUS", 30),
                      row(2022, "GEO", "RUS", 7, hs="847130")])  # fmt: skip
    counting = Counting(store)
    scope = resolve_scope(counting, basket="cars", reporter="GEO", baseline=2021, after=2022)
    assert len(counting.queries) == 1
    derived = scope.replace(reporter="ARM,KAZ", partner="RUS", baseline=2020, after="2022-2023", flow="m",
                            basket="computers")  # fmt: skip
    assert len(counting.queries) == 1
    # What changed is resolved as resolve_scope resolves it ...
    fresh = resolve_scope(store, basket="computers", reporter="ARM,KAZ", partner="RUS", baseline=2020,
                          after="2022-2023", flow="M")  # fmt: skip
    for name in ("reporters", "partners", "reporter_label", "partner_label", "flow", "baseline", "after",
                 "short_years"):  # fmt: skip
        assert getattr(derived, name) == getattr(fresh, name), name
    assert_frame_equal(derived.baskets, fresh.baskets)
    # ... and what did not is kept: a new reporter leaves the resolved basket as it was.
    assert scope.replace(reporter="ARM").baskets is scope.baskets
    assert derived.source is None and derived.partial == "like_for_like"


def test_replace_gives_the_same_figures_as_a_scope_resolved_afresh(store: tradeflows.Store) -> None:
    load_rows(store, [row(y, r, "RUS", 10 * y - 20200 + i) for y in (2021, 2022)
                      for i, r in enumerate(["GEO", "ARM"])])  # fmt: skip
    entry = INDICATORS["growth"]
    derived = entry.scope(store, basket="cars", reporter="GEO", baseline=2021, after=2022).replace(reporter="ARM")
    assert_frame_equal(entry.run(store, derived), growth(store, basket="cars", reporter="ARM", baseline=2021,
                                                         after=2022))  # fmt: skip


def test_default_periods_come_from_the_years_the_series_hold(store: tradeflows.Store) -> None:
    # GEO's file holds 2021-2023 only: the baseline is 2021 (of 2019-2021), the after period 2022-2023.
    load_rows(store, [row(y, "GEO", "RUS", v) for y, v in ((2021, 10), (2022, 20), (2023, 40))])
    scope = resolve_scope(store, basket="cars", reporter="GEO", baseline=None, after=None)
    assert (scope.baseline, scope.after) == (Years(2021, 2021), Years(2022, 2023))
    # A period the user names stands.
    scope = resolve_scope(store, basket="cars", reporter="GEO", baseline="2019-2021", after=None)
    assert (scope.baseline, scope.after) == (Years(2019, 2021), Years(2022, 2023))
