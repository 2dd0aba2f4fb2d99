"""Reshaping files whose table is not one header line over data lines (store/workbook.py)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

import tradeflows
from tradeflows.errors import SchemaError
from tradeflows.sources.base import Field, Layout, SourceSpec
from tradeflows.store.workbook import header_names, reshape_frame


def frame(rows: list[list[str | None]]) -> pl.DataFrame:
    width = max(len(r) for r in rows)
    return pl.DataFrame([r + [None] * (width - len(r)) for r in rows], schema=[f"c{i}" for i in range(width)],
                        orient="row")  # fmt: skip


SHEET = [
    ["Trade of Ruritania", None, None],
    ["thousand USD", None, None],
    ["Partner", "Exports", "Imports"],
    ["World", "30", "12"],
    ["Georgia", "10", ":"],
    [None, None, None],  # a blank row: no row at all
    ["Moldova", "", "2"],
    ["Notes", "x", "y"],
]
LAYOUT = Layout(header=r"^Partner$", wide=r"^(Exports|Imports)$", cells={"unit": r"^(.* USD)$"}, missing=(":",),
                end=r"^Notes$")  # fmt: skip


def test_header_over_two_rows_fills_merged_cells_right():
    assert header_names([["A", "B", None, "C"], [None, "x", "y", None]]) == ["A", "B|x", "B|y", "C"]
    assert header_names([["A", "A"]]) == ["A", "A #2"]
    # DuckDB reads column names without case, so a name repeated in another case is numbered too.
    assert header_names([["Share", "share"]]) == ["Share", "share #2"]


def test_wide_sheet_becomes_one_row_per_figure_and_markers_no_figure():
    long, skipped = reshape_frame(frame(SHEET), LAYOUT, sheet="S", where="test")
    assert long.columns == ["sheet", "unit", "row", "Partner", "column", "value"]
    # Sheet rows are 1-based: the header is row 3, World row 4.
    assert long.select("row", "Partner", "column", "value").rows() == [
        (4, "World", "Exports", "30"), (4, "World", "Imports", "12"),
        (5, "Georgia", "Exports", "10"),
        (7, "Moldova", "Imports", "2"),
    ]  # fmt: skip
    assert set(long["unit"]) == {"thousand USD"}
    assert skipped == {"empty": 1, "':'": 1}


def test_no_header_row_is_an_error_naming_the_pattern():
    with pytest.raises(SchemaError, match=r"found no header row \(a cell matching '\^Country\$'\)"):
        reshape_frame(frame(SHEET), Layout(header=r"^Country$"), sheet="S", where="book.xlsx [S]")


def write_workbook(path: Path, sheets: dict[str, list[list[str | None]]]) -> Path:
    with xlsxwriter.Workbook(path) as book:
        for name, rows in sheets.items():
            sheet = book.add_worksheet(name)
            for i, row in enumerate(rows):
                for j, cell in enumerate(row):
                    if cell is not None:
                        sheet.write_string(i, j, cell)
    return path


RURITANIA = SourceSpec(
    name="ruritania",
    description="test workbook",
    signature=frozenset(),
    fields={
        "year": Field("sheet", "int"),
        "reporter": Field.constant("ARM"),
        "partner": Field("Partner", "name_country"),
        "flow": Field("column", "flow", values={"Exports": "X", "Imports": "M"}),
        "hs_version": Field.constant(2017),
        "hs_level": Field.constant(0),
        "hs": Field.constant("TOTAL"),
        "value_usd": Field("value", "number", factor_sql="CASE \"unit\" WHEN 'thousand USD' THEN 1000 END"),
        "partner_basis": Field.constant("destination"),
    },
    layout=Layout(**{**LAYOUT.__dict__, "detect": (r"^Trade of Ruritania$",)}),
)


def test_a_workbook_is_one_run_of_all_its_sheets(tmp_path, monkeypatch):
    monkeypatch.setitem(tradeflows.sources.SOURCES, "ruritania", RURITANIA)
    path = write_workbook(tmp_path / "any name.xlsx", {"2021": SHEET, "2022": SHEET})
    store = tradeflows.open(tmp_path / "s.duckdb")
    (run,) = store.ingest([path]).files  # recognised by its title cell
    assert (run.source, run.rows_read, run.rows_kept) == ("ruritania", 8, 8)
    assert "2 sheet(s) read as one run" in run.note and "2 cell(s) ':'" in run.note
    got = store.sql("SELECT year, partner, flow, value_usd FROM flows WHERE partner = 'WLD' ORDER BY ALL").rows()
    assert got == [(2021, "WLD", "M", 12000.0), (2021, "WLD", "X", 30000.0), (2022, "WLD", "M", 12000.0),
                   (2022, "WLD", "X", 30000.0)]  # fmt: skip


def test_a_workbook_no_reader_knows_is_read_as_a_plain_table(tmp_path):
    path = write_workbook(tmp_path / "t.xlsx", {"S": [["a", "b"], ["1", "2"]]})
    store = tradeflows.open(tmp_path / "s.duckdb")
    with pytest.raises(SchemaError, match="cannot tell the source from the header"):
        store.ingest([path])


def test_sheets_spelling_a_column_in_another_case_give_one_column(tmp_path, monkeypatch):
    # Kazakhstan's 2021 workbook writes a column the layout does not read as `Импорт|…` on one
    # sheet and `импорт|…` on the other; DuckDB would read the two as one name twice.
    monkeypatch.setitem(tradeflows.sources.SOURCES, "ruritania", RURITANIA)
    def with_note(name: str) -> list[list[str | None]]:
        return [row + [name if row[0] == "Partner" else None] for row in SHEET]

    path = write_workbook(tmp_path / "w.xlsx", {"2021": with_note("Note"), "2022": with_note("note")})
    store = tradeflows.open(tmp_path / "s.duckdb")
    (run,) = store.ingest([path]).files
    assert (run.source, run.rows_read, run.rows_kept) == ("ruritania", 8, 8)
