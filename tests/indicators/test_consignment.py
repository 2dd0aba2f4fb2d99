"""Origin against consignment on the Armenian national file, checked against sums computed here from the raw CSV."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

import tradeflows
from tests.conftest import SHARED_DATA
from tradeflows.indicators.consignment import origin_consignment

NATIONAL = SHARED_DATA / "national" / "armenia_trade_by_country.csv"
pytestmark = pytest.mark.skipif(not NATIONAL.exists(), reason="shared data not found")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tradeflows.Store:
    store = tradeflows.open(tmp_path_factory.mktemp("national") / "s.duckdb")
    store.ingest([NATIONAL], source="national_armenia")
    return store


def _raw(country: str, months: set[int] | None = None) -> dict[tuple[str, int], float]:
    """(column, year) -> USD for one partner country (the file is in thousand USD)."""
    totals: dict[tuple[str, int], float] = defaultdict(float)
    with NATIONAL.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["country"] == country and (months is None or int(row["month"]) in months):
                for column in ("import_origin", "import_consignment"):
                    totals[column, int(row["year"])] += float(row[column]) * 1000
    return totals


def test_goods_consigned_from_georgia_but_made_elsewhere(store: tradeflows.Store) -> None:
    # Whole years 2019-2021 and 2022-2023 (both held in full): means over three and two years.
    r = origin_consignment(store, reporter="ARM", partner="GEO", baseline="2019-2021", after="2022-2023").row(
        0, named=True)  # fmt: skip
    raw = _raw("Georgia")
    assert r["status"] == "ok" and (r["baseline_years"], r["after_years"]) == (3, 2)
    assert r["consignment_after_usd"] == pytest.approx((raw["import_consignment", 2022] +
                                                        raw["import_consignment", 2023]) / 2)  # fmt: skip
    assert r["origin_baseline_usd"] == pytest.approx(sum(raw["import_origin", y] for y in (2019, 2020, 2021)) / 3)
    assert r["consigned_minus_origin_after_usd"] == pytest.approx(r["consignment_after_usd"] - r["origin_after_usd"])
    assert r["consigned_minus_origin_after_usd"] > 4e8  # Georgia ships Armenia far more than it makes for it


def test_a_year_held_in_part_is_compared_like_for_like(store: tradeflows.Store) -> None:
    # 2024 holds January-March: every year is read January-March by default.
    r = origin_consignment(store, reporter="ARM", partner="GEO", baseline="2019-2021", after="2022-2024").row(
        0, named=True)  # fmt: skip
    raw = _raw("Georgia", {1, 2, 3})
    assert r["status"] == "partial" and "3 months" in r["reason"]
    assert r["consignment_after_usd"] == pytest.approx(sum(raw["import_consignment", y] for y in (2022, 2023, 2024)) / 3)
