"""The point of having every reader: one store holding Comtrade, BACI and Comext data
together, queried as one, and each side of a trade compared across sources."""

from __future__ import annotations

from pathlib import Path

import pytest

import tradeflows

USD_PER_EUR_2022 = 1.0530  # ECB annual average, written here independently of the code

COMEXT = (
    "DECLARANT_ISO,PARTNER_ISO,TRADE_TYPE,PRODUCT_NC,FLOW,STAT_REGIME,PERIOD,VALUE_IN_EUROS,QUANTITY_IN_KG\n"
    "DE,KZ,E,84713000,2,1,202201,1000,10\n"
    "DE,KZ,E,84713000,2,1,202202,2000,20\n"
    "DE,KZ,E,84713000,2,1,202203,3000,30\n"
    "DE,RU,E,84713000,2,1,202201,500,5\n"
)
COMTRADE = (
    "refYear,refMonth,reporterCode,partnerCode,partner2Code,flowCode,classificationCode,cmdCode,customsCode,"
    "motCode,primaryValue,netWgt\n"
    "2022,52,398,276,0,M,H6,847130,C00,0,7000,70\n"
    "2022,52,398,0,0,M,H6,847130,C00,0,9000,90\n"
    "2022,52,398,643,0,X,H6,847130,C00,0,400,4\n"
)
BACI = "t,i,j,k,v,q\n2022,276,398,847130,6.5,0.07\n2022,398,643,847130,0.45,0.004\n"


@pytest.fixture
def together(store: tradeflows.Store, tmp_path: Path) -> tradeflows.Store:
    files = {"comext_2022.csv": COMEXT, "comtrade_kaz.csv": COMTRADE, "BACI_HS22_Y2022_V202501.csv": BACI}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    report = store.ingest([tmp_path / name for name in files])
    assert [f.source for f in report.files] == ["comext", "comtrade_plus", "baci"]
    assert report.rows_quarantined == 0
    return store


def test_one_store_consistent_totals(together: tradeflows.Store) -> None:
    by_source = dict(together.sql("SELECT source, sum(value_usd) FROM annual GROUP BY source").rows())
    # World rows (partner 0) are not in `annual`: Comtrade's are 7000 (DEU) + 400 (RUS).
    expected = {"comext": (1000 + 2000 + 3000 + 500) * USD_PER_EUR_2022, "comtrade_plus": 7000 + 400,
                "baci": (6.5 + 0.45) * 1000}
    assert by_source == pytest.approx(expected)
    # The same question put to each source: Germany -> Kazakhstan, computers, 2022.
    answers = dict(
        together.sql(
            "SELECT source, sum(value_usd) FROM annual WHERE hs = '847130' AND year = 2022 AND "
            "((flow = 'X' AND reporter = 'DEU' AND partner = 'KAZ') OR (flow = 'M' AND reporter = 'KAZ' AND partner = 'DEU')) "
            "GROUP BY source"
        ).rows()
    )
    assert answers == pytest.approx({"comext": 6000 * USD_PER_EUR_2022, "baci": 6500.0, "comtrade_plus": 7000.0})
    coverage = together.sql("SELECT DISTINCT source, hs_version FROM coverage ORDER BY source").rows()
    assert coverage == [("baci", 2022), ("comext", 2022), ("comtrade_plus", 2022)]
    assert together.sql("SELECT value_usd FROM world_totals")["value_usd"].to_list() == [9000.0]


def test_mirror_pairs_across_sources(together: tradeflows.Store) -> None:
    pairs = together.sql(
        "SELECT export_source, import_source, export_value, import_value, export_months, import_months "
        "FROM mirror_pairs WHERE exporter = 'DEU' AND importer = 'KAZ' AND hs = '847130' AND year = 2022 "
        "ORDER BY export_source"
    )
    assert pairs.rows() == [
        ("baci", "comtrade_plus", pytest.approx(6500.0), 7000.0, 0, 0),
        ("comext", "comtrade_plus", pytest.approx(6000 * USD_PER_EUR_2022), 7000.0, 3, 0),
    ]
    # Kazakhstan's exports to Russia: reported by Kazakhstan (Comtrade) and in BACI; Russia reports
    # no imports here, so the import side is empty rather than zero.
    kaz = together.sql(
        "SELECT export_source, export_value, import_value FROM mirror_pairs WHERE exporter = 'KAZ' AND importer = 'RUS' "
        "ORDER BY export_source"
    )
    assert kaz.rows() == [("baci", pytest.approx(450.0), None), ("comtrade_plus", 400.0, None)]
    gap = together.sql(
        "SELECT export_value - import_value AS gap FROM mirror_pairs "
        "WHERE exporter = 'DEU' AND importer = 'KAZ' AND export_source = 'comext'"
    )["gap"][0]
    assert gap == pytest.approx(6000 * USD_PER_EUR_2022 - 7000)


def test_mirror_pairs_leave_out_imports_by_consignment(store: tradeflows.Store, tmp_path: Path) -> None:
    path = tmp_path / "arm.csv"
    path.write_text("country,year,month,export,import_origin,import_consignment,date\nGeorgia,2023,1,10,2,7,2023-01-01\n")
    store.ingest([path])
    pairs = store.sql("SELECT exporter, importer, export_value, import_value FROM mirror_pairs ORDER BY exporter")
    assert pairs.rows() == [("ARM", "GEO", 10_000.0, None), ("GEO", "ARM", None, 2_000.0)]
