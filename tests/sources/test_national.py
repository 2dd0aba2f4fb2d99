"""Armstat's trade-by-country file (../shared/data/national/), read through the built-in map,
checked against totals computed here with the csv module."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

import tradeflows
from tests.conftest import SHARED_DATA

ARMENIA_NATIONAL = SHARED_DATA / "national" / "armenia_trade_by_country.csv"
# Names no ISO3 or Comtrade code covers (see tradeflows.reference.country_names): quarantined.
UNMAPPABLE = {"EU countries not specified", "Nagorno-Karabakh", "Nagorno Karabagh"}


@pytest.fixture(scope="module")
def armenia(tmp_path_factory: pytest.TempPathFactory) -> tuple[tradeflows.Store, tradeflows.IngestReport]:
    if not ARMENIA_NATIONAL.exists():
        pytest.skip(f"shared data not found at {ARMENIA_NATIONAL}")
    store = tradeflows.open(tmp_path_factory.mktemp("national") / "store.duckdb")
    return store, store.ingest([ARMENIA_NATIONAL])


@pytest.fixture(scope="module")
def by_hand() -> dict[str, object]:
    """Totals from the raw file, in US dollars, without tradeflows."""
    lines = 0
    unmappable_lines = 0
    sums: dict[tuple[str, int], float] = defaultdict(float)
    with ARMENIA_NATIONAL.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            lines += 1
            if row["country"] in UNMAPPABLE:
                unmappable_lines += 1
                continue
            year = int(row["year"])
            for column in ("export", "import_origin", "import_consignment"):
                sums[(column, year)] += float(row[column]) * 1000  # thousand USD
            if row["country"] == "Georgia":
                sums[("georgia_origin", year)] += float(row["import_origin"]) * 1000
                sums[("georgia_consignment", year)] += float(row["import_consignment"]) * 1000
    return {"lines": lines, "unmappable": unmappable_lines, "sums": sums}


def test_every_line_accounted_for(armenia, by_hand) -> None:
    _, report = armenia
    assert report.files[0].source == "national_armenia"
    assert report.rows_read == by_hand["lines"] == 11_839
    assert report.rows_quarantined == by_hand["unmappable"]
    assert report.rows_kept + report.rows_quarantined == report.rows_read


def test_totals_by_year_match_the_file(armenia, by_hand) -> None:
    store, _ = armenia
    got = store.sql(
        "SELECT year, flow, partner_basis, sum(value_usd) AS usd FROM flows GROUP BY ALL ORDER BY ALL"
    )
    column = {("X", "destination"): "export", ("M", "origin"): "import_origin", ("M", "consignment"): "import_consignment"}
    for year, flow, basis, usd in got.iter_rows():
        assert usd == pytest.approx(by_hand["sums"][(column[(flow, basis)], year)], rel=1e-9), (year, flow, basis)
    assert sorted(set(got["year"])) == list(range(2017, 2025))


def test_origin_and_consignment_tell_different_stories(armenia, by_hand) -> None:
    store, _ = armenia
    georgia = dict(
        store.sql(
            "SELECT partner_basis, sum(value_usd) FROM flows WHERE partner = 'GEO' AND flow = 'M' AND year = 2023 GROUP BY 1"
        ).rows()
    )
    assert georgia["origin"] == pytest.approx(by_hand["sums"][("georgia_origin", 2023)])
    assert georgia["consignment"] == pytest.approx(by_hand["sums"][("georgia_consignment", 2023)])
    assert georgia["consignment"] > 2 * georgia["origin"]  # SOURCES.md: several times


def test_misspelt_names_are_mapped(armenia) -> None:
    store, _ = armenia
    mapped = set(store.sql("SELECT DISTINCT partner FROM flows")["partner"])
    # Czech Rep., Monako, American Saoma, Folkland Islands (Malvinas), Saint-Barth?lemy, Unknown country
    assert {"CZE", "MCO", "ASM", "FLK", "BLM", "_X"} <= mapped
    reasons = store.sql("SELECT DISTINCT value FROM quarantine ORDER BY value")["value"].to_list()
    assert reasons == sorted(UNMAPPABLE)


KAZAKHSTAN_YEARLY = SHARED_DATA / "national" / "eu-export-sanctions" / "kazakhstan_import_yearly.csv"
YEARLY_MAP = Path(__file__).parents[1] / "fixtures" / "generic" / "eu_sanctions_import_yearly.toml"
USD_PER_EUR = {2019: 1.1195, 2020: 1.1422, 2021: 1.1827, 2022: 1.0530, 2023: 1.0813}  # ECB annual averages
# Partner names in that file that are groups, not countries (read by eye): quarantined, not matched.
KAZ_GROUPS = {"Commonwealth of Independent States", "Eurasian Economic Union", "European Union - 27 countries (from 2020)",
              "Non-EAEU countries", "Non-EU countries", "Rest of the world"}


def test_a_user_map_over_real_yearly_tables_in_euros(store: tradeflows.Store) -> None:
    if not KAZAKHSTAN_YEARLY.exists():
        pytest.skip(f"shared data not found at {KAZAKHSTAN_YEARLY}")
    report = store.ingest([KAZAKHSTAN_YEARLY], source=str(YEARLY_MAP))
    countries: dict[int, float] = defaultdict(float)
    world: dict[int, float] = defaultdict(float)
    groups = 0
    with KAZAKHSTAN_YEARLY.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            year, usd = int(row["PERIOD"][1:]), float(row["VALUE_IN_EUR"]) * USD_PER_EUR[int(row["PERIOD"][1:])]
            if row["PARTNER"] in KAZ_GROUPS:
                groups += 1
            elif row["PARTNER"] == "World":
                world[year] += usd
            else:
                countries[year] += usd
    assert report.rows_quarantined == groups and report.rows_kept + groups == report.rows_read
    got = dict(store.sql("SELECT year, sum(value_usd) FROM annual WHERE reporter = 'KAZ' AND flow = 'M' GROUP BY year").rows())
    assert got == pytest.approx(dict(countries), rel=1e-9)
    totals = dict(store.sql("SELECT year, value_usd FROM world_totals").rows())
    assert totals == pytest.approx(dict(world), rel=1e-9)
    assert set(store.sql("SELECT DISTINCT hs, hs_level FROM flows").rows()) == {("TOTAL", 0)}
