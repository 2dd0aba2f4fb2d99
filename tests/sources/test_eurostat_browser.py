"""Eurostat's data-browser spreadsheets (../shared/data/eurostat/databrowser/), read by
content, checked against the product sheets read here with fastexcel directly."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import fastexcel
import pytest

import tradeflows
from tests.conftest import SHARED_DATA

DATABROWSER = SHARED_DATA / "eurostat" / "databrowser"
SMALL = DATABROWSER / "22_4624885_spreadsheet.xlsx"
# ECB annual averages, USD per EUR (series EXR.A.USD.EUR.SP00.A), written out here.
RATE = {2020: 1.1422, 2021: 1.1827, 2022: 1.0530}


def by_hand(path: Path) -> tuple[dict[tuple[str, int], float], Counter[str]]:
    """EUR by (product code, year) over every product sheet, and the count of cells by what
    they hold: a number, ':' (not available) or nothing."""
    book = fastexcel.read_excel(str(path))
    sums: dict[tuple[str, int], float] = defaultdict(float)
    cells: Counter[str] = Counter()
    for sheet in book.sheet_names:
        if not re.fullmatch(r"Sheet \d+", sheet):
            continue
        rows = book.load_sheet(sheet, header_row=None, dtypes="string").to_polars().rows()
        code = re.search(r"\[(\d+)\]$", rows[4][2]).group(1)  # "PRODUCT [PRODUCT]" row: "... [91131000]"
        header = next(i for i, r in enumerate(rows) if r[0] == "TIME")
        periods = rows[header][2:]
        for row in rows[header + 3 :]:
            if row[0] is None or row[0] == "Special value":
                break
            for period, cell in zip(periods, row[2:], strict=True):
                if cell == ":":
                    cells[":"] += 1
                elif cell is None or cell == "":
                    cells["empty"] += 1
                else:
                    cells["number"] += 1
                    sums[(code, int(period[:4]))] += float(cell)
    return sums, cells


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[tradeflows.Store, tradeflows.IngestReport]:
    if not SMALL.exists():
        pytest.skip(f"shared data not found at {SMALL}")
    store = tradeflows.open(tmp_path_factory.mktemp("estat") / "store.duckdb")
    return store, store.ingest([SMALL])


def test_recognised_by_its_cells_and_every_number_kept(loaded):
    _, report = loaded
    (run,) = report.files
    sums, cells = by_hand(SMALL)
    assert run.source == "eurostat_databrowser"
    assert (run.rows_read, run.rows_kept, run.rows_quarantined) == (cells["number"], cells["number"], 0)
    # ':' is not available: no row at all, and said so in the run's note.
    assert f"{cells[':']:,} cell(s) ':'" in run.note


def test_totals_by_product_and_year_are_the_sheets_in_dollars(loaded):
    """Each product's euros in a year times that year's rate: CN8 sheets under their HS6
    heading, HS4 sheets as HS4."""
    store, _ = loaded
    sums, _ = by_hand(SMALL)
    expected: dict[tuple[str, int], float] = defaultdict(float)
    for (code, year), eur in sums.items():
        expected[(code[:6], year)] += eur * RATE[year]
    got = store.sql("SELECT hs, year, sum(value_usd) AS usd FROM flows GROUP BY ALL")
    assert {(hs, year): pytest.approx(usd) for hs, year, usd in got.rows()} == dict(expected)


def test_names_with_historical_notes_are_countries(loaded):
    """Labels such as "Belgium (incl. Luxembourg 'LU' -> 1998)": one member state each."""
    store, _ = loaded
    book = fastexcel.read_excel(str(SMALL))
    rows = book.load_sheet("Sheet 1", header_row=None, dtypes="string").to_polars().rows()
    labels = {r[0] for r in rows[11:] if r[0]}
    assert "Belgium (incl. Luxembourg 'LU' -> 1998)" in labels
    reporters = set(store.sql("SELECT DISTINCT reporter FROM flows")["reporter"])
    partners = set(store.sql("SELECT DISTINCT partner FROM flows")["partner"])
    assert {"BEL", "DEU", "ITA", "FRA", "ESP"} <= reporters
    assert reporters <= {
        "AUT", "BEL", "BGR", "CYP", "CZE", "DEU", "DNK", "EST", "ESP", "FIN", "FRA", "GRC", "HRV", "HUN", "IRL",
        "ITA", "LTU", "LUX", "LVA", "MLT", "NLD", "POL", "PRT", "ROU", "SWE", "SVN", "SVK",
    }  # fmt: skip
    assert partners <= {"ARM", "BLR", "GEO", "KAZ", "KGZ", "RUS", "UZB"}


def test_a_month_not_yet_published_is_missing_not_zero(loaded):
    store, _ = loaded
    held = store.sql("SELECT count(*) AS n FROM flows WHERE year = 2022 AND month = 12")["n"][0]
    assert held == 0  # December 2022 is all ':' in the extract
