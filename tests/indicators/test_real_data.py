"""Indicators on the two real Comtrade files, checked against sums computed here from the raw CSV."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import ARMENIA, GEORGIA
from tradeflows.indicators import growth, target_share


def _exports_by_year(path: Path, months: set[int] | None = None) -> dict[int, float]:
    """HS4 (8703) export values by year, straight from the file: Georgia has one total row per
    partner-month, Armenia one row per mode of transport and no total, so summing HS4 rows is right
    for both; partner 0 (world) rows are left out. ``months``: only those months."""
    totals: dict[int, float] = defaultdict(float)
    for row in _export_rows(path):
        if row["partner_code"] != "0" and (months is None or int(row["month"]) in months):
            totals[int(row["year"])] += float(row["trade_value_us"])
    return totals


def _export_rows(path: Path) -> list[dict[str, str]]:
    text = path.read_bytes().decode("utf-8", errors="surrogateescape")
    return [r for r in csv.DictReader(text.splitlines()) if r["trade_code"] == "X" and r["aggregate_level"] == "4"]


def _months_held(path: Path, years: tuple[int, ...]) -> set[int]:
    """The months every one of ``years`` holds in the file (a row of any partner, the world included)."""
    by_year = defaultdict(set)
    for row in _export_rows(path):
        by_year[int(row["year"])].add(int(row["month"]))
    return set.intersection(*(by_year[y] for y in years))


@pytest.mark.parametrize("path, reporter", [(GEORGIA, "GEO"), (ARMENIA, "ARM")])
def test_car_export_growth_matches_the_raw_file(real_store, path, reporter):
    # Like for like (the default): every year cut to the months 2021-2023 all hold (Georgia's
    # 2023 holds January-November, so its 2021 and 2022 are read January-November as well).
    months = _months_held(path, (2021, 2022, 2023))
    raw = _exports_by_year(path, months)
    expected_status = "ok" if len(months) == 12 else "partial"
    result = growth(real_store, basket="cars", reporter=reporter, flow="X", baseline=2021, after=(2022, 2023))
    by_period = {r["period"]: r for r in result.iter_rows(named=True)}
    for year in (2022, 2023):
        row = by_period[str(year)]
        assert row["status"] == expected_status
        assert row["baseline_usd"] == pytest.approx(raw[2021], rel=1e-9)
        assert row["value_usd"] == pytest.approx(raw[year], rel=1e-9)
        assert row["ratio"] == pytest.approx(raw[year] / raw[2021], rel=1e-9)
    mean = by_period["2022-2023"]
    assert mean["value_usd"] == pytest.approx((raw[2022] + raw[2023]) / 2, rel=1e-9)
    assert mean["after_years"] == 2 and mean["n_rows"] > 0 and mean["n_rows_baseline"] > 0
    # Whole years as held, on request: the file's yearly sums.
    whole = _exports_by_year(path)
    result = growth(real_store, basket="cars", reporter=reporter, flow="X", baseline=2021, after=(2022, 2023),
                    partial="whole")  # fmt: skip
    assert dict(zip(result["period"], result["value_usd"], strict=True))["2023"] == pytest.approx(whole[2023])


def test_georgia_car_exports_doubled_in_2022_and_quadrupled_in_2023(real_store):
    # Published (UN Comtrade as used in the Tvyal newsletter): 457 -> 906 -> 1,947 million USD,
    # whole years as published (2023 as the file holds it, January-November).
    result = growth(real_store, basket="cars", reporter="GEO", baseline=2021, after=(2022, 2023), partial="whole")
    ratios = dict(zip(result["period"], result["ratio"], strict=True))
    assert 1.9 < ratios["2022"] < 2.1 and 4.0 < ratios["2023"] < 4.5


def test_armenia_car_exports_with_a_five_year_baseline_have_a_robust_z(real_store):
    result = growth(real_store, basket="cars", reporter="ARM", baseline=(2017, 2021), after=2023)
    row = result.row(0, named=True)
    assert row["baseline_years"] == 5 and row["robust_z"] > 3.5 and row["flagged"]


def test_destinations_shift_towards_central_asia_and_russia(real_store):
    shares = target_share(real_store, basket="cars", reporter="GEO", baseline=2021, after=(2022, 2023))
    top = shares.filter(pl.col("rank") <= 4)["partner"].to_list()
    assert {"KAZ", "KGZ"} <= set(top[:2])
    eurasian = shares.filter(pl.col("partner").is_in(["KAZ", "KGZ", "ARM", "RUS", "BLR"]))
    assert eurasian["share_after"].sum() > eurasian["share_baseline"].sum() + 0.4
    # shares of all destinations add up to one in each period
    assert shares["share_baseline"].sum() == pytest.approx(1.0)
    assert shares["share_after"].sum() == pytest.approx(1.0)


def test_armenia_sends_cars_to_kazakhstan_and_kyrgyzstan_for_the_first_time(real_store):
    from tradeflows.indicators import new_flows

    new = new_flows(real_store, basket="cars", reporter="ARM", baseline=(2017, 2021), after=(2022, 2023))
    flagged = set(new.filter("flagged")["partner"])
    assert {"KAZ", "KGZ"} <= flagged
