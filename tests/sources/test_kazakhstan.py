"""Kazakhstan's statistics workbooks (../shared/data/national/kazakhstan/), read by content,
checked against the sheets read here with fastexcel directly."""

from __future__ import annotations

from pathlib import Path

import fastexcel
import pytest

import tradeflows
from tests.conftest import SHARED_DATA

KAZAKHSTAN = SHARED_DATA / "national" / "kazakhstan"
WORKBOOKS = sorted(KAZAKHSTAN.glob("*.xls"))
# Rows between the countries that sum them (the bureau's subtotals), lower case.
GROUPS = {
    "страны снг", "страны еаэс", "страны вне еаэс", "остальные страны мира", "европа", "страны ес",
    "страны вне ес", "азия", "африка", "америка", "австралия и океания",
}  # fmt: skip


def sheet_rows(path: Path, sheet: str) -> list[tuple]:
    """The partner rows of a sheet: (name, exports, imports) as text, from the row after the
    two-row header (the one whose first data cell is the total, Всего) to the end."""
    rows = fastexcel.read_excel(str(path)).load_sheet(sheet, header_row=None, dtypes="string").to_polars().rows()
    first = next(i for i, r in enumerate(rows) if r[0] and r[0].split()[0] == "Всего")
    # Columns: name, turnover, its share, exports, their share, imports, their share.
    return [(" ".join(r[0].split()), r[3], r[5]) for r in rows[first:] if r[0]]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[tradeflows.Store, tradeflows.IngestReport]:
    if not WORKBOOKS:
        pytest.skip(f"shared data not found at {KAZAKHSTAN}")
    store = tradeflows.open(tmp_path_factory.mktemp("kaz") / "store.duckdb")
    return store, store.ingest([KAZAKHSTAN])  # a folder, no --source: recognised by the cells


def test_every_workbook_is_recognised_by_its_cells(loaded):
    _, report = loaded
    assert [Path(f.file).name for f in report.files] == [p.name for p in WORKBOOKS]
    assert {f.source for f in report.files} == {"kazakhstan_stat"}
    assert all(f.rows_read == f.rows_kept + f.rows_quarantined for f in report.files)


@pytest.mark.parametrize("index", range(3))
def test_each_sheet_cell_is_kept_or_quarantined(loaded, index):
    """Every non-empty export or import cell of both sheets is one row, kept (countries and the
    total) or quarantined (the group rows, with their reason)."""
    store, report = loaded
    path = WORKBOOKS[index]
    run = report.files[index].ingest_id
    cells = groups = 0
    for sheet in fastexcel.read_excel(str(path)).sheet_names:
        for name, exports, imports in sheet_rows(path, sheet):
            n = sum(1 for v in (exports, imports) if v not in (None, ""))
            cells += n
            groups += n if name.lower() in GROUPS else 0
    kept = report.files[index].rows_kept
    assert report.files[index].rows_read == cells
    assert report.files[index].rows_quarantined == groups
    assert kept == cells - groups
    reasons = store.sql("SELECT DISTINCT reason FROM quarantine WHERE ingest_id = $r", {"r": run})["reason"]
    assert all("a subtotal over a group of partners" in r for r in reasons)


def test_values_are_the_cells_in_thousand_dollars(loaded):
    """Russia and the total (WLD) in the 2021 workbook's 2021 sheet, cell x 1000 (the unit cell)."""
    store, report = loaded
    path = WORKBOOKS[2]
    rows = {name: (x, m) for name, x, m in sheet_rows(path, "12_2021")}
    got = store.sql(
        "SELECT partner, flow, value_usd FROM flows WHERE ingest_id = $r AND year = 2021 AND partner IN ('RUS', 'WLD')",
        {"r": report.files[2].ingest_id},
    )
    values = {(p, f): v for p, f, v in got.rows()}
    assert values[("RUS", "X")] == pytest.approx(float(rows["Россия"][0]) * 1000)
    assert values[("RUS", "M")] == pytest.approx(float(rows["Россия"][1]) * 1000)
    assert values[("WLD", "X")] == pytest.approx(float(rows["Всего"][0]) * 1000)


def test_a_year_in_two_workbooks_has_one_identity(loaded):
    """2019 arrives as the 2019 workbook's year and the 2020 workbook's year before: the same
    (reporter, partner, flow, year, product, basis) in both runs, so the store's vintages
    make them one figure."""
    store, report = loaded
    first, second = report.files[0].ingest_id, report.files[1].ingest_id
    identity = "reporter, partner, flow, year, month, hs_version, hs, mode, customs, partner_basis"
    differ = store.sql(
        f"(SELECT {identity} FROM flows WHERE ingest_id = $a AND year = 2019) "
        f"EXCEPT (SELECT {identity} FROM flows WHERE ingest_id = $b AND year = 2019)",
        {"a": first, "b": second},
    )
    assert differ.height == 0
