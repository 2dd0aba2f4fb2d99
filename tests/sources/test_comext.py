"""Eurostat Comext: euros to dollars at the ECB's annual rate, CN8 under HS6, Eurostat's geo codes."""

from __future__ import annotations

import gzip
import shutil
import zipfile
from pathlib import Path

import polars as pl
import pytest

import tradeflows

FIXTURE = Path(__file__).parents[1] / "fixtures" / "comext" / "full_202201.csv"
USD_PER_EUR_2022 = 1.0530  # ECB annual average 2022, written here independently of the code


def test_rows_values_and_codes(store: tradeflows.Store) -> None:
    report = store.ingest([FIXTURE])
    assert report.files[0].source == "comext"
    # 10 lines: a confidential code, a year without a rate (2009) and an unknown geo code are quarantined.
    assert (report.rows_read, report.rows_kept, report.rows_quarantined) == (10, 7, 3)
    totals = store.sql(
        "SELECT reporter, partner, flow, hs, sum(value_usd) AS usd, count(*) AS n "
        "FROM flows GROUP BY ALL ORDER BY reporter, partner, hs"
    )
    expected = pl.DataFrame(
        {
            "reporter": ["DEU", "DEU", "DEU", "GRC", "POL"],
            "partner": ["GBR", "KAZ", "KAZ", "NAM", "_X"],  # XU + XI are the UK; NA is Namibia; QU not specified
            "flow": ["X", "X", "X", "M", "X"],
            "hs": ["847130", "847130", "847141", "010121", "854231"],  # 1012100 lost its zero: CN 01012100
            "usd": [400 * USD_PER_EUR_2022, 1500 * USD_PER_EUR_2022, 200 * USD_PER_EUR_2022,
                    100 * USD_PER_EUR_2022, 50 * USD_PER_EUR_2022],
            "n": [2, 2, 1, 1, 1],  # each CN8 line is its own row: two UK codes, two statistical regimes
        }
    )
    assert totals.drop("usd").equals(expected.drop("usd").with_columns(pl.col("n").cast(pl.Int64)))
    assert totals["usd"].to_list() == pytest.approx(expected["usd"].to_list())


def test_periods_weights_and_partner_basis(store: tradeflows.Store) -> None:
    store.ingest([FIXTURE])
    greece = store.sql("SELECT year, month, net_kg, partner_basis, hs_version FROM flows WHERE reporter = 'GRC'").row(0)
    assert greece == (2022, 2, None, "origin", 2022)
    poland = store.sql("SELECT net_kg, qty_flag FROM flows WHERE reporter = 'POL'").row(0)
    assert poland == (None, "zero_as_missing")  # 0 kg beside 50 euros is not reported, not nothing
    regimes = store.sql("SELECT customs FROM flows WHERE partner = 'KAZ' AND hs = '847130' ORDER BY customs")
    assert regimes["customs"].to_list() == ["1", "2"]


def test_quarantine_says_why(store: tradeflows.Store) -> None:
    store.ingest([FIXTURE])
    bad = store.sql("SELECT line, column_name, value, reason FROM quarantine ORDER BY line")
    assert bad["line"].to_list() == [9, 10, 11]
    assert bad["column_name"].to_list() == ["PRODUCT_NC", "VALUE_IN_EUROS", "PARTNER_ISO"]
    assert "is not an HS code" in bad["reason"][0]
    assert "no EUR/USD rate for the year" in bad["reason"][1]
    assert "'ZZ' is an unknown Eurostat geo code" in bad["reason"][2]


def test_note_records_conversion(store: tradeflows.Store) -> None:
    store.ingest([FIXTURE])
    note = store.sql("SELECT note FROM ingests")["note"][0]
    assert "ECB" in note and "HS6" in note


@pytest.mark.parametrize("packing", ["gz", "zip"])
def test_compressed(store: tradeflows.Store, tmp_path: Path, packing: str) -> None:
    path = tmp_path / f"full_202201.csv.{packing}"
    if packing == "gz":
        with FIXTURE.open("rb") as src, gzip.open(path, "wb") as dst:
            shutil.copyfileobj(src, dst)
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.write(FIXTURE, FIXTURE.name)
    report = store.ingest([path])
    assert (report.rows_read, report.rows_kept, report.rows_quarantined) == (10, 7, 3)


def test_later_layout_reporter_partner_value_eur(store: tradeflows.Store, tmp_path: Path) -> None:
    path = tmp_path / "full_v2_202301.csv"
    path.write_text(
        "REPORTER,PARTNER,TRADE_TYPE,PRODUCT_NC,FLOW,STAT_PROCEDURE,PERIOD,VALUE_EUR,QUANTITY_KG\n"
        "EL,RU,E,87032390,2,1,202301,1000,800\n"
    )
    report = store.ingest([path])
    assert report.files[0].source == "comext_v2"
    row = store.sql("SELECT reporter, partner, hs, value_usd, net_kg FROM flows").row(0)
    # EL is Eurostat's other code for Greece; ECB 2023 annual average 1.0813 USD per EUR.
    assert row[:3] == ("GRC", "RUS", "870323")
    assert row[3] == pytest.approx(1081.3) and row[4] == 800
