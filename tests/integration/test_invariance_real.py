"""Issue 13's done-check on the shared files: with every shared trade file in one store,
Georgia's car figures (growth, pass-through, mirror imports, hub score, the report's cards,
legs and default periods) are identical to a store holding Georgia's file alone."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import tradeflows
from tests.conftest import GEORGIA, SHARED_DATA
from tradeflows.indicators import growth, hub_score, mirror_imports, pass_through
from tradeflows.reports.report import build_report

NATIONAL_ARMENIA = SHARED_DATA / "national" / "armenia_trade_by_country.csv"
pytestmark = pytest.mark.skipif(not NATIONAL_ARMENIA.exists(), reason="shared data not found")


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[tradeflows.Store, tradeflows.Store]:
    folder = tmp_path_factory.mktemp("invariance")
    alone = tradeflows.open(folder / "alone.duckdb")
    alone.ingest([GEORGIA])
    everything = tradeflows.open(folder / "all.duckdb")
    everything.ingest(sorted((SHARED_DATA / "comtrade").glob("*.csv")))
    everything.ingest([NATIONAL_ARMENIA], source="national_armenia")
    assert everything.sql("SELECT count(DISTINCT source) AS n FROM flows")["n"][0] == 2
    return alone, everything


def _georgia(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    return frame.filter(pl.col(column) == "GEO")


def _same(a: pl.DataFrame, b: pl.DataFrame) -> None:
    assert not a.is_empty()
    assert_frame_equal(a, b, check_exact=False, rel_tol=1e-12)


@pytest.mark.parametrize("flow", ["X", "M"])
def test_growth(stores, flow: str) -> None:
    a, b = (growth(s, basket="cars", reporter="GEO", flow=flow, by_partner=True) for s in stores)
    _same(a, b)


def test_pass_through(stores) -> None:
    a, b = (pass_through(s, basket="cars", reporter="GEO") for s in stores)
    _same(a, b)
    # Alone: 70% (the report's card); before issue 13 the full store read 50%.
    assert a["pass_through"][0] == pytest.approx(b["pass_through"][0])


def test_mirror_imports(stores) -> None:
    # Georgia's own rows; the shares of the target's total legitimately include Armenia's exports.
    own = ["source", "basket", "target", "exporter", "baseline", "after", "baseline_years", "after_years",
           "baseline_usd", "after_usd", "ratio", "n_rows", "status", "reason"]  # fmt: skip
    a, b = (_georgia(mirror_imports(s, basket="cars"), "exporter").select(own) for s in stores)
    _same(a, b)


def test_hub_score_inputs(stores) -> None:
    # The score is a rank among the hubs present; its inputs are Georgia's own.
    own = ["imports_baseline_usd", "imports_after_usd", "exports_to_target_baseline_usd",
           "exports_to_target_after_usd", "target_share_change_pp", "pass_through", "baseline_years", "after_years"]  # fmt: skip
    a, b = (_georgia(hub_score(s, basket="cars"), "hub").select(own) for s in stores)
    _same(a, b)


def test_report_cards_legs_and_periods(stores) -> None:
    a, b = (build_report(s, "cars", "GEO") for s in stores)
    assert (a.period, a.baseline, a.baseline_held) == (b.period, b.baseline, b.baseline_held)
    assert a.headline == b.headline and a.lead == b.lead
    _same(a.legs, b.legs)
    _same(a.routes.drop("flags"), b.routes.drop("flags"))
    # The legs divide by the years each leg holds: USA -> GEO's baseline is Georgia's 2021
    # imports from the USA alone (Georgia holds no other baseline year), not a third of it;
    # like for like, January-November (the months 2021-2023 all hold), CIF brought to FOB.
    usa = a.legs.filter(pl.col("leg") == "USA → GEO").row(0, named=True)
    assert usa["baseline_per_year"] == pytest.approx(_georgia_2021_imports_from("USA", range(1, 12)) / 1.05)
    assert any("2023 holds only 11 months" in c and "like for like" in c for c in a.caveats)
    assert any("--partial like_for_like" in m for m in a.methodology)


def _georgia_2021_imports_from(partner: str, months: range) -> float:
    with Path(GEORGIA).open(encoding="utf-8", newline="") as handle:
        return sum(float(r["trade_value_us"]) for r in csv.DictReader(handle)
                   if r["year"] == "2021" and r["trade_code"] == "M" and r["partner_iso"] == partner
                   and int(r["month"]) in months)  # fmt: skip
