"""CEPII BACI: thousand dollars and tons, codes that lost their zero, HS revision from the file name."""

from __future__ import annotations

import gzip
import shutil
import zipfile
from pathlib import Path

import pytest

import tradeflows
from tradeflows.sources.baci import hs_version_from_name

FIXTURE = Path(__file__).parents[1] / "fixtures" / "baci" / "BACI_HS17_Y2022_V202401.csv"


def _flows(store: tradeflows.Store):
    return store.sql(
        "SELECT reporter, partner, hs, hs_level, hs_version, value_usd, fob_usd, net_kg, flow, partner_basis, line "
        "FROM flows ORDER BY line"
    )


def test_values_units_codes_and_quarantine(store: tradeflows.Store) -> None:
    report = store.ingest([FIXTURE])
    # 7 data lines: 999 is no country code, -5 is a negative value.
    assert (report.rows_read, report.rows_kept, report.rows_quarantined) == (7, 5, 2)
    flows = _flows(store)
    first = flows.row(0, named=True)
    # k=10121 is 010121; v=12.5 thousand USD; q=3.2 t; 842 is Comtrade's code for the USA.
    assert first["reporter"] == "USA" and first["partner"] == "KAZ"
    assert first["hs"] == "010121" and first["hs_level"] == 6 and first["hs_version"] == 2017
    assert first["value_usd"] == pytest.approx(12_500) and first["fob_usd"] == pytest.approx(12_500)
    assert first["net_kg"] == pytest.approx(3_200)
    assert (first["flow"], first["partner_basis"]) == ("X", "destination")
    assert flows["reporter"].to_list() == ["USA", "FRA", "CHE", "S19", "DEU"]  # 251 FRA, 757 CHE, 490 Other Asia
    assert flows.row(1, named=True)["net_kg"] is None  # q = NA
    bad = store.sql("SELECT line, column_name, value FROM quarantine ORDER BY line")
    assert bad.rows() == [(7, "i", "999"), (8, "v", "-5")]


@pytest.mark.parametrize("packing", ["gz", "zip"])
def test_compressed_as_cepii_ships_them(store: tradeflows.Store, tmp_path: Path, packing: str) -> None:
    if packing == "gz":
        path = tmp_path / (FIXTURE.name + ".gz")
        with FIXTURE.open("rb") as src, gzip.open(path, "wb") as dst:
            shutil.copyfileobj(src, dst)
    else:
        path = tmp_path / "BACI_HS17_V202401.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(FIXTURE, FIXTURE.name)
    report = store.ingest([path])
    assert (report.rows_read, report.rows_kept) == (7, 5)
    assert store.sql("SELECT DISTINCT hs_version FROM flows")["hs_version"].to_list() == [2017]
    # 12.5 + 1000.25 + 2500 + 40 + 2000 thousand dollars
    assert store.sql("SELECT sum(value_usd) AS v FROM flows")["v"][0] == pytest.approx(5_552_750)


def test_hs_version_from_the_name_or_stated(store: tradeflows.Store, tmp_path: Path) -> None:
    renamed = tmp_path / "exports.csv"
    shutil.copy(FIXTURE, renamed)
    with pytest.raises(tradeflows.SchemaError, match="cannot tell the HS revision.*baci_hs22"):
        store.ingest([renamed], source="baci")
    report = store.ingest([renamed], source="baci_hs22")
    assert report.rows_kept == 5
    assert store.sql("SELECT DISTINCT hs_version FROM flows")["hs_version"].to_list() == [2022]
    note = store.sql("SELECT note FROM ingests")["note"][0]
    assert "stated by the user" in note and "thousand USD" in note


def test_detected_from_header_and_note_names_the_revision(store: tradeflows.Store) -> None:
    report = store.ingest([FIXTURE])
    assert report.files[0].source == "baci"
    assert "hs_version 2017 from the file name" in report.files[0].note


@pytest.mark.parametrize(
    ("name", "version"),
    [("BACI_HS92_Y1995_V202401.csv", 1992), ("BACI_HS12_Y2015_V202401.csv.gz", 2012),
     ("BACI_HS22_Y2023_V202501.zip", 2022), ("trade_2022.csv", None), ("BACI_HS99_Y2022.csv", None)],
)
def test_hs_version_from_name(name: str, version: int | None) -> None:
    assert hs_version_from_name(name) == version


def test_product_codes_describe_the_flows(store: tradeflows.Store) -> None:
    from tradeflows.sources.baci import load_product_codes, read_product_codes

    codes = read_product_codes(FIXTURE.parent / "product_codes_HS17_V202401.csv")
    assert codes["hs"].to_list() == ["010121", "847130", "870323"]  # 10121 lost its zero
    assert set(codes["hs_version"]) == {2017}
    store.ingest([FIXTURE])
    assert load_product_codes(store, FIXTURE.parent / "product_codes_HS17_V202401.csv") == 3
    described = store.sql("SELECT hs, description FROM annual WHERE reporter = 'USA' AND hs = '010121'")
    assert described["description"][0].startswith("Horses")


def test_country_codes_agree_with_the_reader() -> None:
    from tradeflows.sources.baci import check_country_codes

    check = check_country_codes(FIXTURE.parent / "country_codes_V202401.csv")
    # CEPII's 251 France, 757 Switzerland, 842 USA are Comtrade's codes, and 490 is Other Asia nes.
    assert check["agrees"].all()
    assert dict(zip(check["code"], check["our_iso3"], strict=True))[490] == "S19"
