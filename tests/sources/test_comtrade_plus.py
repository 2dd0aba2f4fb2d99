"""UN Comtrade under its current API names: classification codes, totals beside breakdowns."""

from __future__ import annotations

import gzip
import shutil
import zipfile
from pathlib import Path

import pytest

import tradeflows

FIXTURE = Path(__file__).parents[1] / "fixtures" / "comtrade_plus" / "kaz_8471_2022.csv"


def test_detected_and_mapped(store: tradeflows.Store) -> None:
    report = store.ingest([FIXTURE])
    assert report.files[0].source == "comtrade_plus"
    # 10 lines; DX (domestic exports) is none of M, X, RM, RX.
    assert (report.rows_read, report.rows_kept, report.rows_quarantined) == (10, 9, 1)
    reason = store.sql("SELECT reason FROM quarantine")["reason"][0]
    assert "'DX' is not a trade flow; expected one of M, X, RM, RX" in reason
    total = store.sql(
        "SELECT year, month, reporter, partner, partner2, flow, hs_version, hs_level, hs, mode, customs, "
        "value_usd, qty, qty_unit, net_kg, partner_basis FROM flows WHERE line = 2"
    ).row(0, named=True)
    assert total == {
        "year": 2022, "month": None,  # refMonth 52: an annual record
        "reporter": "KAZ", "partner": "DEU", "partner2": "WLD", "flow": "M",
        "hs_version": 2022, "hs_level": 6, "hs": "847130",  # H6 is HS2022
        "mode": "TOTAL", "customs": "C00", "value_usd": 2_400_000.0, "qty": 400.0, "qty_unit": "u",
        "net_kg": 8000.0, "partner_basis": "origin",
    }
    assert store.sql("SELECT hs_version FROM flows WHERE year = 2019")["hs_version"].to_list() == [2017]  # H5


def test_totals_and_breakdowns_are_not_added_together(store: tradeflows.Store) -> None:
    store.ingest([FIXTURE])
    # The file holds KAZ's 2022 imports from DEU as a total (2.4m), by mode (1.8m + 0.6m), by customs
    # procedure (C01 2.4m) and by consignment country (RUS 0.6m): the figure is 2.4m, once.
    annual = store.sql(
        "SELECT sum(value_usd) AS v FROM annual WHERE reporter = 'KAZ' AND partner = 'DEU' AND flow = 'M' AND year = 2022"
    )
    assert annual["v"][0] == pytest.approx(2_400_000)
    world = store.sql("SELECT value_usd FROM world_totals WHERE flow = 'M' AND year = 2022")
    assert world["value_usd"].to_list() == [pytest.approx(5_400_000)]
    modes = store.sql("SELECT mode, value_usd FROM flows WHERE customs = 'C00' AND partner2 = 'WLD' "
                      "AND partner = 'DEU' AND year = 2022 ORDER BY value_usd")
    assert modes.rows() == [("Road", 600_000.0), ("Air", 1_800_000.0), ("TOTAL", 2_400_000.0)]


def test_flags_and_re_exports(store: tradeflows.Store) -> None:
    store.ingest([FIXTURE])
    flags = dict(store.sql("SELECT flow || '/' || partner AS k, qty_flag FROM flows WHERE partner IN ('WLD', 'RUS')").rows())
    assert flags["M/WLD"] == "estimated"  # isQtyEstimated true
    assert flags["X/RUS"] == "zero_as_missing"  # qty 0 and netWgt 0 beside 700,000 USD
    assert flags["RX/RUS"] is None
    assert store.sql("SELECT partner_basis FROM flows WHERE flow = 'RX'")["partner_basis"][0] == "destination"


@pytest.mark.parametrize("packing", ["gz", "zip"])
def test_compressed(store: tradeflows.Store, tmp_path: Path, packing: str) -> None:
    path = tmp_path / f"kaz.csv.{packing}"
    if packing == "gz":
        with FIXTURE.open("rb") as src, gzip.open(path, "wb") as dst:
            shutil.copyfileobj(src, dst)
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.write(FIXTURE, FIXTURE.name)
    report = store.ingest([path])
    assert (report.rows_read, report.rows_kept, report.rows_quarantined) == (10, 9, 1)
