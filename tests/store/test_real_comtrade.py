"""The two real Comtrade files, checked against totals computed here from the raw CSV."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import polars as pl

from tests.conftest import ARMENIA, GEORGIA


def _rows(path: Path) -> list[dict[str, str]]:
    # Independent of the store: Python's csv module, Latin-1 fallback for the bad bytes.
    text = path.read_bytes().decode("utf-8", errors="surrogateescape")
    return list(csv.DictReader(text.splitlines()))


def _cents(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_every_line_is_kept_or_quarantined(real_store):
    log = real_store.sql("SELECT file, rows_read, rows_kept, rows_quarantined FROM ingests ORDER BY file")
    for path in (ARMENIA, GEORGIA):
        row = log.filter(pl.col("file") == str(path.resolve()))
        assert row["rows_read"][0] == len(_rows(path))
        assert row["rows_read"][0] == row["rows_kept"][0] + row["rows_quarantined"][0]


def test_georgia_car_exports_by_year_match_the_file_to_the_cent(real_store):
    expected: dict[int, Decimal] = defaultdict(Decimal)
    for row in _rows(GEORGIA):
        if row["trade_code"] == "X" and row["commodity_code"] == "8703":
            expected[int(row["year"])] += Decimal(row["trade_value_us"])
    got = real_store.sql(
        "SELECT year, sum(value_usd) AS v FROM annual WHERE reporter = 'GEO' AND flow = 'X' AND hs = '8703' "
        "GROUP BY year ORDER BY year"
    )
    assert dict(zip(got["year"], map(_cents, got["v"]), strict=True)) == {y: v.quantize(Decimal("0.01")) for y, v in expected.items()}


def test_georgia_top_five_destinations_2023(real_store):
    by_partner: dict[str, Decimal] = defaultdict(Decimal)
    for row in _rows(GEORGIA):
        if row["trade_code"] == "X" and row["year"] == "2023":
            by_partner[row["partner_iso"]] += Decimal(row["trade_value_us"])
    top5 = sorted(by_partner.items(), key=lambda kv: kv[1], reverse=True)[:5]
    got = real_store.sql(
        "SELECT partner, sum(value_usd) AS v FROM annual WHERE reporter = $r AND flow = 'X' AND hs = '8703' "
        "AND year = 2023 GROUP BY partner ORDER BY v DESC LIMIT 5",
        {"r": "GEO"},
    )
    assert list(zip(got["partner"], map(_cents, got["v"]), strict=True)) == [(p, v.quantize(Decimal("0.01"))) for p, v in top5]


def test_armenia_keeps_hs4_totals_and_hs6_detail_apart(real_store):
    level_sums: dict[str, Decimal] = defaultdict(Decimal)
    for row in _rows(ARMENIA):
        level_sums[row["aggregate_level"]] += Decimal(row["trade_value_us"])
    got = real_store.sql(
        "SELECT hs_level, sum(value_usd) AS v, count(*) AS n FROM flows WHERE reporter = 'ARM' GROUP BY hs_level"
    )
    assert {str(lvl): _cents(v) for lvl, v in zip(got["hs_level"], got["v"], strict=True)} == {
        k: v.quantize(Decimal("0.01")) for k, v in level_sums.items()
    }
    # Summing both levels would count the heading twice: the views never do.
    both = real_store.sql("SELECT count(DISTINCT hs_level) AS n FROM annual WHERE reporter = 'ARM'")["n"][0]
    assert both == 2
    heading = real_store.sql("SELECT sum(value_usd) AS v FROM annual_hs4 WHERE reporter = 'ARM'")["v"][0]
    assert _cents(heading) == level_sums["4"].quantize(Decimal("0.01"))


def test_armenia_modes_of_transport_are_separate_figures(real_store):
    """Rows that differ only by mode (road, rail, self-propelled ...) are all kept and all summed."""
    expected = Decimal(0)
    for row in _rows(ARMENIA):
        if row["trade_code"] == "M" and row["year"] == "2022" and row["aggregate_level"] == "4":
            expected += Decimal(row["trade_value_us"])
    got = real_store.sql(
        "SELECT sum(value_usd) AS v, count(DISTINCT mode) AS modes FROM figures "
        "WHERE reporter = 'ARM' AND flow = 'M' AND year = 2022 AND hs_level = 4"
    )
    assert _cents(got["v"][0]) == expected.quantize(Decimal("0.01"))
    assert got["modes"][0] > 1


def test_lines_with_latin1_bytes_are_kept(real_store):
    raw = ARMENIA.read_bytes().split(b"\n")
    bad_lines = [line for line in raw if b"\xf4" in line]  # "C\xf4te d'Ivoire" in Latin-1
    assert bad_lines, "the Armenia file no longer has Latin-1 bytes: this test checks nothing"
    ingest = real_store.sql("SELECT rows_quarantined FROM ingests WHERE file LIKE '%armenia%'")
    assert ingest["rows_quarantined"][0] == 0
    kept = real_store.sql("SELECT count(*) AS n FROM flows WHERE reporter = 'ARM' AND partner = 'CIV'")
    assert kept["n"][0] == sum(1 for line in raw if b",CIV," in line)


def test_comtrade_special_partners_are_mapped(real_store):
    partners = set(real_store.sql("SELECT DISTINCT partner FROM flows")["partner"])
    assert {"_X", "S19"} <= partners  # 899 areas nes (Armenia), 490 other Asia nes (Georgia)
    # Italy appears as M49 380 in these extracts and as Comtrade's own 381 elsewhere.
    assert "ITA" in partners
