"""Shared fixtures: the real data beside the repository, and small hand-written files."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

import tradeflows

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
GEORGIA = SHARED_DATA / "comtrade" / "vehicle_trade_georgia.csv"
ARMENIA = SHARED_DATA / "comtrade" / "vehicle_trade_armenia.csv"

# The legacy Comtrade header, as in ../shared/data/comtrade/.
COMTRADE_HEADER = (
    "year,month,period,period_desc,aggregate_level,is_leaf_code,trade_code,trade_flow,reporter_code,reporter,"
    "partner_code,partner_iso,partner,commodity_code,commodity,mot_code,mot_desc,QtyUnitCode,QtyUnitAbbr,Qty,"
    "IsQtyEstimated,IsNetWgtEstimated,netweight_kg,trade_value_us,cifvalue,fobvalue,IsReported,IsAggregate"
).split(",")

_DEFAULTS = {
    "year": "2022", "month": "1", "period": "2022-01-01", "period_desc": "202201", "aggregate_level": "4",
    "is_leaf_code": "FALSE", "trade_code": "X", "trade_flow": "Export", "reporter_code": "268",
    "reporter": "Georgia", "partner_code": "643", "partner_iso": "RUS", "partner": "Russian Federation",
    "commodity_code": "8703", "commodity": "Motor cars", "mot_code": "0", "mot_desc": "TOTAL MOT",
    "QtyUnitCode": "5", "QtyUnitAbbr": "u", "Qty": "10", "IsQtyEstimated": "FALSE", "IsNetWgtEstimated": "FALSE",
    "netweight_kg": "15000", "trade_value_us": "100000.5", "cifvalue": "NA", "fobvalue": "100000.5",
    "IsReported": "FALSE", "IsAggregate": "TRUE",
}


def comtrade_row(**values: str) -> dict[str, str]:
    """A legacy Comtrade row: Georgia's exports of cars to Russia, January 2022, unless overridden."""
    unknown = set(values) - set(_DEFAULTS)
    assert not unknown, f"not Comtrade columns: {unknown}"
    return {**_DEFAULTS, **{k: str(v) for k, v in values.items()}}


@pytest.fixture
def write_comtrade(tmp_path: Path) -> Callable[..., Path]:
    """Write rows (dicts from comtrade_row) as a Comtrade CSV file under tmp_path."""

    def write(rows: list[dict[str, str]], name: str = "comtrade.csv", delimiter: str = ",") -> Path:
        path = tmp_path / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COMTRADE_HEADER, delimiter=delimiter)
            writer.writeheader()
            writer.writerows(rows)
        return path

    return write


@pytest.fixture
def store(tmp_path: Path) -> tradeflows.Store:
    return tradeflows.open(tmp_path / "store.duckdb")


@pytest.fixture(scope="session")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> tradeflows.Store:
    """A store holding both real Comtrade files; read-only use only."""
    if not GEORGIA.exists():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    store = tradeflows.open(tmp_path_factory.mktemp("real") / "store.duckdb")
    store.ingest([GEORGIA, ARMENIA])
    return store


@pytest.fixture(scope="session")
def worlds(tmp_path_factory: pytest.TempPathFactory):
    """Two synthetic worlds 2019-2024, seed 11, built once: one with the patterns planted, the same
    one without; each as build_demo returns it (store, world, report)."""
    from tradeflows.demo import build_demo
    from tradeflows.synthetic import WorldConfig

    path = tmp_path_factory.mktemp("worlds")
    years = tuple(range(2019, 2025))
    planted = build_demo(path / "planted.duckdb", WorldConfig(years=years, seed=11))
    null = build_demo(path / "null.duckdb", WorldConfig(years=years, seed=11, plant=False))
    return planted, null
