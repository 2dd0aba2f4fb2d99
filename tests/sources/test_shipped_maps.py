"""The column maps shipped in sources/maps/, on the shared files they were written for,
checked against totals computed here with the csv module."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

import tradeflows
from tests.conftest import SHARED_DATA

EU_SANCTIONS = SHARED_DATA / "national" / "eu-export-sanctions"
REEXPORTS = SHARED_DATA / "other" / "armenia_main_reexports_world.csv"
EUR_USD = {2019: 1.1195, 2020: 1.1422, 2021: 1.1827, 2022: 1.0530, 2023: 1.0813}  # ECB annual averages


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return [r for r in csv.DictReader(handle) if any(v for v in r.values())]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[tradeflows.Store, dict[str, tradeflows.FileResult]]:
    if not EU_SANCTIONS.exists():
        pytest.skip(f"shared data not found at {EU_SANCTIONS}")
    store = tradeflows.open(tmp_path_factory.mktemp("maps") / "store.duckdb")
    report = store.ingest([EU_SANCTIONS, REEXPORTS])  # no --source, no map written by hand
    return store, {Path(f.file).name: f for f in report.files}


def test_every_file_is_recognised(loaded):
    _, files = loaded
    assert {name: f.source for name, f in files.items()} == {
        "armenia_data.csv": "armstat_monthly",
        "armenia_import_yearly.csv": "national_yearly_eur",
        "kazakhstan_import_yearly.csv": "national_yearly_eur",
        "kyrgyz_import_yearly.csv": "national_yearly_eur",
        "uzbek_import_yearly.csv": "national_yearly_eur",
        "sdmx_data_1105.csv": "uzstat_sdmx",
        "sdmx_data_1176.csv": "uzstat_sdmx",
        "armenia_main_reexports_world.csv": "comtrade_implied",
    }
    assert all(f.rows_read == f.rows_kept + f.rows_quarantined for f in files.values())


def test_yearly_euros_become_dollars_at_the_years_rate(loaded):
    """Kazakhstan's imports from China, each year: the file's euros x the ECB rate."""
    store, files = loaded
    expected = {
        int(r["PERIOD"][1:]): float(r["VALUE_IN_EUR"]) * EUR_USD[int(r["PERIOD"][1:])]
        for r in rows(EU_SANCTIONS / "kazakhstan_import_yearly.csv")
        if r["PARTNER"] == "China"
    }
    got = store.sql(
        "SELECT year, value_usd FROM flows WHERE ingest_id = $r AND partner = 'CHN'",
        {"r": files["kazakhstan_import_yearly.csv"].ingest_id},
    )
    assert dict(got.rows()) == pytest.approx(expected)


def test_armstat_dash_is_no_figure_and_year_rows_are_not_added_to_months(loaded):
    """armenia_data.csv: '-' cells are not available (no row, never zero); a "Year" line is
    the months' total and is quarantined with that reason, not summed with them."""
    store, files = loaded
    run = files["armenia_data.csv"]
    lines = rows(EU_SANCTIONS / "armenia_data.csv")
    figures = [(r, c) for r in lines for c in ("export", "import_consigment", "import_origin") if r[c] != "-"]
    dashes = sum(1 for r in lines for c in ("export", "import_consigment", "import_origin") if r[c] == "-")
    year_rows = sum(1 for r, _ in figures if r["timeperiod"] == "Year")
    assert run.rows_read == len(figures)
    assert f"{dashes:,} cell(s) '-'" in run.note
    why = store.sql(
        "SELECT count(*) AS n FROM quarantine "
        "WHERE ingest_id = $r AND reason LIKE 'timeperiod: ''Year'' is no figure%'",
        {"r": run.ingest_id},
    )["n"][0]
    assert why == year_rows
    # Russia's exports in 2022, by the months (thousand USD x 1000).
    expected = sum(
        float(r["export"]) * 1000 for r in lines
        if (r["country"], r["year"]) == ("Russian Federation", "2022") and "-" != r["export"] and r["timeperiod"] != "Year"
    )  # fmt: skip
    got = store.sql(
        "SELECT sum(value_usd) AS v FROM flows WHERE ingest_id = $r AND partner = 'RUS' AND year = 2022 AND flow = 'X'",
        {"r": run.ingest_id},
    )["v"][0]
    assert got == pytest.approx(expected)


def test_uzbek_sdmx_flow_from_the_table_number(loaded):
    """1105 is exports, 1176 imports (their 2021 columns sum to Uzbekistan's exports and
    imports that year); years as columns, thousand USD."""
    store, files = loaded
    for name, flow in (("sdmx_data_1105.csv", "X"), ("sdmx_data_1176.csv", "M")):
        table = rows(EU_SANCTIONS / name)
        russia = next(r for r in table if r["Code"] == "643")
        got = store.sql(
            "SELECT year, flow, value_usd FROM flows WHERE ingest_id = $r AND partner = 'RUS' ORDER BY year",
            {"r": files[name].ingest_id},
        )
        assert set(got["flow"]) == {flow}
        assert dict(zip(got["year"], got["value_usd"], strict=True)) == pytest.approx(
            {int(y): float(russia[y]) * 1000 for y in russia if y.isdigit()}
        )


def test_comtrade_table_without_reporter_columns(loaded):
    """Armenia with the world, as the file name says; HS level from the code's length."""
    store, files = loaded
    run = files["armenia_main_reexports_world.csv"]
    table = rows(REEXPORTS)
    assert (run.rows_read, run.rows_kept) == (len(table), len(table))
    expected: dict[tuple[int, str], float] = defaultdict(float)
    for r in table:
        expected[(int(r["period"][:4]), {"Export": "X", "Import": "M"}[r["trade_flow"]])] += float(r["trade_value_us"])
    got = store.sql(
        "SELECT year, flow, sum(value_usd) FROM flows WHERE ingest_id = $r AND reporter = 'ARM' AND partner = 'WLD' "
        "AND hs_level = 6 GROUP BY ALL",
        {"r": run.ingest_id},
    )
    assert {(y, f): v for y, f, v in got.rows()} == pytest.approx(dict(expected))
