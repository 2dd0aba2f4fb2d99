"""Column maps: any table (CSV, Excel, Parquet) onto the canonical schema by configuration."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import tradeflows
from tradeflows.sources import get_source
from tradeflows.sources.generic import column_map_spec, load_column_map

FIXTURES = Path(__file__).parents[1] / "fixtures" / "generic"
MAP = FIXTURES / "kgz_imports.toml"
CSV = FIXTURES / "kgz_imports.csv"
# ECB annual averages, USD per EUR, written here independently of the code.
RATES = {2021: 1.1827, 2022: 1.0530, 2023: 1.0813}


def _check(store: tradeflows.Store) -> None:
    flows = store.sql("SELECT year, reporter, partner, flow, hs, hs_level, hs_version, value_usd, net_kg FROM flows ORDER BY year")
    assert flows["partner"].to_list() == ["DEU", "CHN", "RUS"]
    assert flows["value_usd"].to_list() == pytest.approx([1000 * RATES[2021], 2000 * RATES[2022], 500 * RATES[2023]])
    assert flows["net_kg"].to_list() == [2000.0, None, 1500.0]  # tons -> kg
    assert flows["hs_version"].to_list() == [2017, 2022, 2022]  # from the year
    assert set(flows["reporter"]) == {"KGZ"} and set(flows["flow"]) == {"M"} and set(flows["hs_level"]) == {4}
    bad = store.sql("SELECT line, column_name, value FROM quarantine").rows()
    assert bad == [(5, "Partner", "XXX")]


def test_csv_through_a_map_file(store: tradeflows.Store) -> None:
    report = store.ingest([CSV], source=str(MAP))
    assert report.files[0].source == "national_kgz"
    assert (report.rows_read, report.rows_kept, report.rows_quarantined) == (4, 3, 1)
    _check(store)
    assert store.sql("SELECT note FROM ingests")["note"][0].startswith("test map")


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx"])
def test_parquet_and_excel(store: tradeflows.Store, tmp_path: Path, suffix: str) -> None:
    table = pl.read_csv(CSV, infer_schema_length=0)
    path = tmp_path / f"kgz{suffix}"
    if suffix == ".parquet":
        table.with_columns(pl.col("Year").cast(pl.Int32), pl.col("Heading").cast(pl.Int32)).write_parquet(path)
    else:
        table.write_excel(path)
    report = store.ingest([path], source=str(MAP))
    assert (report.rows_read, report.rows_kept, report.rows_quarantined) == (4, 3, 1)
    _check(store)


def test_map_errors_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(tradeflows.SchemaError, match=r"does not say where \['hs_version', 'reporter'\]"):
        column_map_spec({"columns": {"year": "y", "partner": "p", "flow": "f", "hs": "k", "value_usd": "v"},
                         "constants": {"partner_basis": "origin"}})
    with pytest.raises(tradeflows.SchemaError, match="'exporter' is not a canonical column"):
        column_map_spec({"columns": {"exporter": "i"}})
    with pytest.raises(tradeflows.SchemaError, match="unit 'lbs'"):
        column_map_spec({"columns": {"net_kg": {"column": "w", "unit": "lbs"}}})
    broken = tmp_path / "broken.toml"
    broken.write_text("[columns\n")
    with pytest.raises(tradeflows.SchemaError, match="cannot read the column map"):
        load_column_map(broken)


def test_get_source_takes_a_map_path_and_builtin_maps() -> None:
    assert get_source(str(MAP)).name == "national_kgz"
    assert get_source("national_armenia").unpivot is not None
    with pytest.raises(tradeflows.UnknownSourceError, match="column-map file NAME.toml"):
        get_source("nope")


def test_unpivot_counts_lines_and_quarantines_whole_lines(store: tradeflows.Store, tmp_path: Path) -> None:
    path = tmp_path / "arm.csv"
    path.write_text(
        "country,year,month,export,import_origin,import_consignment,date\n"
        "Georgia,2023,1,10,2.5,7,2023-01-01\n"
        "Czech Rep.,2023,1,1,x,1,2023-01-01\n"
        "EU countries not specified,2023,1,0,3,3,2023-01-01\n"
    )
    report = store.ingest([path])  # detected: the built-in Armstat map
    assert report.files[0].source == "national_armenia"
    # Lines, not rows: line 3 has a non-number, line 4 a partner no code covers.
    assert (report.rows_read, report.rows_kept, report.rows_quarantined) == (3, 1, 2)
    rows = store.sql("SELECT flow, partner_basis, partner, value_usd, hs, hs_level, line FROM flows ORDER BY flow DESC, partner_basis")
    assert rows.rows() == [
        ("X", "destination", "GEO", 10_000.0, "TOTAL", 0, 2),
        ("M", "consignment", "GEO", 7_000.0, "TOTAL", 0, 2),
        ("M", "origin", "GEO", 2_500.0, "TOTAL", 0, 2),
    ]
    bad = store.sql("SELECT line, column_name, value, reason FROM quarantine ORDER BY line")
    assert bad["line"].to_list() == [3, 4]
    assert bad["column_name"][0] == "import_origin" and "'x' is not a number" in bad["reason"][0]
    assert "unnamed EU member state" in bad["reason"][1]


def test_yaml_map_and_the_cli(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tradeflows.cli import app

    yaml_map = tmp_path / "kgz.yaml"
    yaml_map.write_text(
        "source: {name: national_kgz}\n"
        "columns: {year: Year, partner: Partner, hs: Heading, value_usd: {column: Value (EUR), currency: EUR}}\n"
        "constants: {reporter: KGZ, flow: M, partner_basis: origin, hs_version: {from_year: true}}\n"
    )
    db = tmp_path / "store.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(CSV), "--source", str(yaml_map), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "4 rows read, 3 kept, 1 quarantined" in " ".join(result.output.split())
    result = CliRunner().invoke(app, ["ingest", str(CSV), "--source", str(tmp_path / "missing.toml"), "--db", str(db)])
    assert result.exit_code == 1 and "cannot read the column map" in result.output


@pytest.mark.parametrize("packing", ["gz", "zip"])
def test_compressed_national_file(store: tradeflows.Store, tmp_path: Path, packing: str) -> None:
    import gzip
    import zipfile

    text = "country,year,month,export,import_origin,import_consignment,date\nGeorgia,2023,1,10,2.5,7,2023-01-01\n"
    path = tmp_path / f"arm.csv.{packing}"
    if packing == "gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("arm.csv", text)
    report = store.ingest([path])
    assert report.files[0].source == "national_armenia" and (report.rows_read, report.rows_kept) == (1, 1)
    assert store.sql("SELECT sum(value_usd) AS v FROM flows")["v"][0] == 19_500.0  # (10 + 2.5 + 7) thousand


WIDE_MAP = """
[source]
name = "wide_test"
[layout]
header = 1            # a title line above the header
wide = '^\\d{4}$'      # years as columns
missing = ["..", "-"]
[columns]
year = "@column"
partner = "iso3"
value_usd = "@value"
[constants]
unit = "million USD"
reporter = "KGZ"
flow = "M"
hs = "TOTAL"
hs_level = 0
hs_version = { from_year = true }
partner_basis = "origin"
[exclude]
iso3 = { WLD = "the world total of the rows below" }
[file_names]
'_2024' = { customs = "C00" }
"""


def test_wide_years_missing_markers_unit_and_exclusions(store: tradeflows.Store, tmp_path: Path) -> None:
    path = tmp_path / "imports_2024.csv"
    path.write_text("Imports by partner, million USD\niso3,2021,2022\nWLD,9,9\nCHN,1.5,..\nRUS,-,2\n")
    map_path = tmp_path / "wide.toml"
    map_path.write_text(WIDE_MAP)
    (run,) = store.ingest([path], source=str(map_path)).files
    # Figures: WLD x2 (quarantined: excluded), CHN 2021, RUS 2022; '..' and '-' are no figure.
    assert (run.rows_read, run.rows_kept, run.rows_quarantined) == (4, 2, 2)
    assert "1 cell(s) '-'" in run.note and "1 cell(s) '..'" in run.note and "customs C00 from the file name" in run.note
    got = store.sql("SELECT year, partner, value_usd, customs FROM flows ORDER BY year").rows()
    assert got == [(2021, "CHN", 1.5e6, "C00"), (2022, "RUS", 2e6, "C00")]
    reasons = set(store.sql("SELECT reason FROM quarantine")["reason"])
    assert reasons == {"iso3: 'WLD' is no figure of its own: the world total of the rows below"}


def test_a_name_the_file_names_table_does_not_know_is_refused(store: tradeflows.Store, tmp_path: Path) -> None:
    path = tmp_path / "imports_2023.csv"
    path.write_text("title\niso3,2021\nCHN,1\n")
    (tmp_path / "wide.toml").write_text(WIDE_MAP)
    with pytest.raises(tradeflows.SchemaError, match=r"imports_2023.*matches none of \['_2024'\]"):
        store.ingest([path], source=str(tmp_path / "wide.toml"))


def test_layout_keys_are_checked(tmp_path: Path) -> None:
    with pytest.raises(tradeflows.SchemaError, match=r"\[layout\] has unknown key\(s\) \['header_row'\]"):
        column_map_spec({"layout": {"header_row": 2}, "columns": {}}, label="m.toml")
    with pytest.raises(tradeflows.SchemaError, match="is not a regular expression"):
        column_map_spec({"layout": {"wide": "(["}}, label="m.toml")


def test_a_map_picks_the_sheet_and_header_row_of_a_workbook(store: tradeflows.Store, tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "imports_2024.xlsx"
    with xlsxwriter.Workbook(path) as book:
        book.add_worksheet("Notes").write_string(0, 0, "Read me first")
        data = book.add_worksheet("Data")
        for i, row in enumerate([["Imports by partner, million USD"], ["iso3", "2021", "2022"], ["CHN", "1.5", ".."]]):
            for j, cell in enumerate(row):
                data.write_string(i, j, cell)
    map_path = tmp_path / "wide.toml"
    map_path.write_text(WIDE_MAP.replace("[layout]\n", "[layout]\nsheets = '^Data$'\n"))
    (run,) = store.ingest([path], source=str(map_path)).files
    assert (run.rows_read, run.rows_kept) == (1, 1) and "1 sheet(s) read as one run" in run.note
    assert store.sql("SELECT year, partner, value_usd FROM flows").rows() == [(2021, "CHN", 1.5e6)]
