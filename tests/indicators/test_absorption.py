"""Absorption by hand: imports against the hub's baseline, with and without a demand proxy."""

from __future__ import annotations

import polars as pl
import pytest

import tradeflows
from tradeflows.errors import InputError
from tradeflows.indicators import absorption
from tradeflows.indicators.testing import load_rows


@pytest.fixture
def store(tmp_path):
    store = tradeflows.open(tmp_path / "s.duckdb")
    rows = [(2021, "M", "CHN", 100), (2021, "M", "DEU", 100), (2022, "M", "CHN", 500), (2022, "M", "DEU", 100),
            (2021, "X", "RUS", 20), (2022, "X", "RUS", 50)]  # fmt: skip
    load_rows(store, [dict(year=y, reporter="KGZ", partner=p, flow=f, hs="851713", value_usd=float(v))
                      for y, f, p, v in rows])  # fmt: skip
    return store


def test_against_the_own_baseline_without_a_proxy(store):
    r = absorption(store, basket="smartphones", reporter="KGZ", baseline=2021, after=2022).row(0, named=True)
    # imports 200 -> 600: x3; exports 20 -> 50, so 180 -> 550 retained
    assert r["imports_ratio"] == pytest.approx(3.0) and r["absorption_ratio"] == pytest.approx(3.0)
    assert r["retained_baseline_usd"] == pytest.approx(180) and r["retained_after_usd"] == pytest.approx(550)
    assert r["unexplained_usd"] == pytest.approx(600 - 200) and r["flagged"]
    assert r["proxy"] is None and r["status"] == "ok" and "no demand proxy" in r["reason"]


def test_a_demand_proxy_explains_part_of_the_rise(store, tmp_path):
    proxy = tmp_path / "population.csv"
    proxy.write_text("iso3,year,value\nKGZ,2021,6.5\nKGZ,2022,9.75\n")  # population x1.5
    r = absorption(store, basket="smartphones", reporter="KGZ", baseline=2021, after=2022, proxy=proxy,
                   proxy_name="population").row(0, named=True)  # fmt: skip
    assert r["proxy_ratio"] == pytest.approx(1.5) and r["absorption_ratio"] == pytest.approx(3.0 / 1.5)
    assert r["unexplained_usd"] == pytest.approx(600 - 200 * 1.5) and r["flagged"]  # 2.0 reaches the threshold
    assert r["proxy"] == "population" and r["reason"] is None
    other = pl.DataFrame({"reporter": ["ARM"], "year": [2021], "value": [3.0]})
    r = absorption(store, basket="smartphones", reporter="KGZ", baseline=2021, after=2022, proxy=other).row(
        0, named=True)
    assert r["status"] == "no_proxy" and r["absorption_ratio"] == pytest.approx(3.0)


def test_a_proxy_file_without_its_columns_is_refused(store, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("country,yr,pop\nKGZ,2021,6\n")
    with pytest.raises(InputError, match="reporter"):
        absorption(store, basket="smartphones", reporter="KGZ", baseline=2021, after=2022, proxy=bad)


def test_each_hub_over_the_years_its_own_files_hold(tmp_path):
    store = tradeflows.open(tmp_path / "h.duckdb")
    rows = [(2021, "KGZ", "M", 100), (2022, "KGZ", "M", 300),  # KGZ's file: 2021-2022
            (2020, "ARM", "M", 10), (2021, "ARM", "M", 10), (2022, "ARM", "M", 10), (2023, "ARM", "M", 10)]
    load_rows(store, [dict(year=y, reporter=r, partner="CHN", flow=f, hs="851713", value_usd=float(v))
                      for y, r, f, v in rows])  # fmt: skip
    out = absorption(store, basket="smartphones", reporter="KGZ,ARM", baseline="2020-2021", after="2022-2023")
    r = out.filter(hub="KGZ").row(0, named=True)
    # KGZ holds one year of each period: 100 / 1 and 300 / 1 (ARM's 2020 and 2023 are not KGZ's years: not 100 / 2)
    assert r["imports_baseline_usd"] == pytest.approx(100) and r["imports_after_usd"] == pytest.approx(300)
    assert (r["baseline_years"], r["after_years"]) == (1, 1)
    # no file covers KGZ's exports: retained is missing, not the imports minus zero
    assert r["exports_baseline_usd"] is None and r["retained_after_usd"] is None
    r = absorption(store, basket="smartphones", reporter="KGZ", baseline="2021", after="2023").row(0, named=True)
    assert r["status"] == "not_held" and r["imports_ratio"] is None and not r["flagged"]
    assert "2023" in r["reason"] and "not zero" in r["reason"]
