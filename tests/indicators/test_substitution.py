"""Substitution by hand: the hubs' rise against the fall in direct exports, and why it can be undefined."""

from __future__ import annotations

import pytest

import tradeflows
from tradeflows.indicators import substitution
from tradeflows.indicators.testing import load_rows


@pytest.fixture
def make(tmp_path):
    def build(rows):
        store = tradeflows.open(tmp_path / "s.duckdb")
        load_rows(store, [dict(year=y, reporter=r, partner=p, hs=hs, flow="X", value_usd=float(v))
                          for y, r, p, v, hs in rows])  # fmt: skip
        return store

    return build


def test_offset_per_hub_and_for_the_hubs_together(make):
    store = make([
        (2020, "DEU", "RUS", 100, "847150"), (2021, "DEU", "RUS", 140, "847150"),  # direct: mean 120
        (2022, "DEU", "RUS", 30, "847150"), (2023, "DEU", "RUS", 10, "847150"),    # after mean 20: fell 100
        (2020, "DEU", "KAZ", 10, "847150"), (2021, "DEU", "KAZ", 10, "847150"),    # KAZ: 10 -> 70, rise 60
        (2022, "DEU", "KAZ", 60, "847150"), (2023, "DEU", "KAZ", 80, "847150"),
        (2020, "FRA", "ARM", 20, "847150"), (2021, "FRA", "ARM", 20, "847150"),    # ARM: 20 -> 22, rise 2
        (2022, "FRA", "ARM", 22, "847150"), (2023, "FRA", "ARM", 22, "847150"),
    ])  # fmt: skip
    out = substitution(store, basket="computers", reporter="DEU,FRA", partner="KAZ,ARM", targets="RUS",
                       baseline="2020-2021", after="2022-2023")  # fmt: skip
    by = {r["hub"]: r for r in out.iter_rows(named=True)}
    assert set(by) == {"KAZ+ARM", "KAZ", "ARM"} and out["hub"][0] == "KAZ+ARM"  # the total comes first
    assert by["KAZ"]["direct_fall_usd"] == pytest.approx(100)
    assert by["KAZ"]["direct_change_pct"] == pytest.approx(100 * (20 / 120 - 1))  # -83.3%
    assert by["KAZ"]["offset_share"] == pytest.approx(60 / 100) and by["KAZ"]["flagged"]
    assert by["ARM"]["offset_share"] == pytest.approx(2 / 100) and not by["ARM"]["flagged"]  # below 5%
    # together: (10 + 20) -> (70 + 22), a rise of 62 against the fall of 100
    assert by["KAZ+ARM"]["offset_share"] == pytest.approx(0.62) and by["KAZ+ARM"]["hub_change_pct"] == pytest.approx(
        100 * (92 / 30 - 1))
    assert by["KAZ"]["status"] == "ok" and by["KAZ"]["n_rows_direct"] == 4 and by["KAZ"]["n_rows_hub"] == 4


def test_no_offset_where_direct_exports_did_not_fall(make):
    store = make([(2021, "DEU", "RUS", 100, "847150"), (2022, "DEU", "RUS", 120, "847150"),
                  (2021, "DEU", "KAZ", 10, "847150"), (2022, "DEU", "KAZ", 50, "847150")])  # fmt: skip
    r = substitution(store, basket="computers", reporter="DEU", partner="KAZ", targets="RUS", baseline=2021,
                     after=2022).row(0, named=True)  # fmt: skip
    assert r["status"] == "direct_did_not_fall" and r["offset_share"] is None and not r["flagged"]
    assert "nothing to offset" in r["reason"]


def test_no_direct_data_is_not_a_fall(make):
    store = make([(2021, "DEU", "KAZ", 10, "847150"), (2022, "DEU", "KAZ", 50, "847150")])
    r = substitution(store, basket="computers", reporter="DEU", partner="KAZ", targets="RUS", baseline=2021,
                     after=2022).row(0, named=True)  # fmt: skip
    assert r["status"] == "no_direct_data" and r["direct_fall_usd"] is None and "RUS" in r["reason"]


def test_an_origin_holding_one_period_is_left_out_not_read_as_a_fall(make):
    # FRA's file covers 2021 only: its 500 to RUS has no after figure, which is missing, not a fall to 0
    store = make([(2021, "DEU", "RUS", 100, "847150"), (2022, "DEU", "RUS", 20, "847150"),
                  (2021, "DEU", "KAZ", 10, "847150"), (2022, "DEU", "KAZ", 50, "847150"),
                  (2021, "FRA", "RUS", 500, "847150")])  # fmt: skip
    r = substitution(store, basket="computers", reporter="DEU,FRA", partner="KAZ", targets="RUS", baseline=2021,
                     after=2022).row(0, named=True)  # fmt: skip
    # DEU alone: direct 100 -> 20 (fall 80), KAZ 10 -> 50 (rise 40); with FRA read as zero the fall would be 580
    assert r["direct_fall_usd"] == pytest.approx(80) and r["offset_share"] == pytest.approx(0.5)
    assert r["status"] == "ok" and "FRA" in r["reason"] and "2022" in r["reason"]
    assert (r["baseline_years"], r["after_years"]) == (1, 1)


def test_a_period_no_origin_holds_is_not_held(make):
    store = make([(2021, "DEU", "RUS", 100, "847150"), (2021, "DEU", "KAZ", 10, "847150")])
    r = substitution(store, basket="computers", reporter="DEU", partner="KAZ", targets="RUS", baseline=2021,
                     after=2022).row(0, named=True)  # fmt: skip
    assert r["status"] == "not_held" and r["direct_fall_usd"] is None and r["offset_share"] is None
    assert not r["flagged"] and "DEU" in r["reason"] and "2022" in r["reason"] and "not zero" in r["reason"]
