"""The store's layout: rows in two row tables, run constants kept once, ``flows`` a view with
the canonical columns; a store of version 3 (one ``flows`` table) is upgraded with every figure
as it was."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

import tradeflows
from tests.conftest import GEORGIA, comtrade_row
from tests.store.legacy import as_version_3
from tradeflows.schema import FLOW_COLUMNS
from tradeflows.store import layout, views

BACI = Path(__file__).parents[1] / "fixtures" / "baci" / "BACI_HS17_Y2022_V202401.csv"
KAZAKHSTAN = Path("/work/shared/data/national/kazakhstan")

# Every figure a store answers with: the canonical rows, the views the indicators read,
# the vintages and the coverage.
FIGURES = {
    "flows": "SELECT * FROM flows ORDER BY ALL",
    "standing": "SELECT * FROM standing ORDER BY ALL",
    "annual": "SELECT * FROM annual ORDER BY ALL",
    "annual_hs4": "SELECT * FROM annual_hs4 ORDER BY ALL",
    "world_totals": "SELECT * FROM world_totals ORDER BY ALL",
    "revisions": "SELECT * FROM revisions ORDER BY ALL",
    "held": "SELECT * FROM held ORDER BY ALL",
    "coverage": "SELECT * FROM coverage ORDER BY ALL",
    "coverage_by_product": "SELECT * FROM coverage_by_product ORDER BY ALL",
    "superseded": "SELECT * FROM superseded ORDER BY ALL",
    "annual_cells": "SELECT * FROM annual_cells ORDER BY ALL",
    "quarantine": "SELECT * FROM quarantine ORDER BY ALL",
}


# A clean BACI file (every row kept, so it loads in one pass, compact): t,i,j,k,v,q.
CLEAN_BACI = "t,i,j,k,v,q\n2022,842,398,10121,3.5,3.2\n2022,251,643,847130,10.25,NA\n2021,276,268,870323,7,1.5\n"


def _clean_baci(tmp_path: Path) -> Path:
    path = tmp_path / "BACI_HS17_Y2022_V202401.csv"
    path.write_text(CLEAN_BACI)
    return path


def _compact_rows(store: tradeflows.Store) -> int:
    compact = f"SELECT ingest_id FROM {layout.CONSTANTS_TABLE}"
    return store.sql(f"SELECT count(*) AS n FROM flows WHERE ingest_id IN ({compact})")["n"][0]


def _full_rows(store: tradeflows.Store) -> int:
    return store.sql(f"SELECT count(*) AS n FROM {layout.FULL_TABLE}")["n"][0]


def _figures(store: tradeflows.Store) -> dict:
    return {name: store.sql(query) for name, query in FIGURES.items()}


def _revised_georgia(tmp_path: Path) -> Path:
    """Georgia's file again with its first data row's value raised by 1000: a later vintage of one figure."""
    with GEORGIA.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["trade_value_us"] = str(Decimal(rows[0]["trade_value_us"]) + 1000)
    path = tmp_path / "georgia_revised.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_baci_file_is_kept_compact_and_read_back_in_the_canonical_columns(store: tradeflows.Store,
                                                                             tmp_path: Path) -> None:
    path = _clean_baci(tmp_path)
    report = store.ingest([path])
    with path.open(newline="") as handle:
        raw = list(csv.DictReader(handle))
    assert report.rows_kept == len(raw)
    assert (_compact_rows(store), _full_rows(store)) == (len(raw), 0)
    schema = store.schema("flows")
    assert schema["column"].to_list() == [c.name for c in FLOW_COLUMNS]
    assert schema["type"].to_list() == [c.sql_type for c in FLOW_COLUMNS]
    # Line 2 of the file, read independently: t,i,j,k,v,q with v in thousand USD and q in tons.
    first = raw[0]
    row = store.sql("SELECT * FROM flows WHERE line = 2").to_dicts()[0]
    assert (row["source"], row["year"], row["flow"], row["hs_version"], row["hs_level"], row["partner_basis"]) == (
        "baci", int(first["t"]), "X", 2017, 6, "destination")
    assert row["hs"] == first["k"].zfill(6)
    assert row["value_usd"] == pytest.approx(float(Decimal(first["v"]) * 1000))
    assert row["fob_usd"] == row["value_usd"] and row["cif_usd"] is None and row["qty"] is None


def test_a_zero_weight_beside_a_value_reads_as_unknown_in_the_compact_rows(store: tradeflows.Store, tmp_path) -> None:
    path = tmp_path / "BACI_HS17_Y2022_V202401.csv"
    path.write_text("t,i,j,k,v,q\n2022,842,268,870323,12.5,0\n2022,842,268,870322,1.5,2\n")
    store.ingest([path])
    assert _compact_rows(store) == 2
    rows = store.sql("SELECT hs, net_kg, qty_flag FROM flows ORDER BY hs").rows()
    assert rows == [("870322", 2000.0, None), ("870323", None, "zero_as_missing")]


def test_two_numbers_of_one_country_are_not_kept_compact(store: tradeflows.Store, tmp_path) -> None:
    """840 (M49) and 842 (Comtrade) are both the USA: such a file keeps its ISO3 codes, so that
    annual's bookkeeping sees one country."""
    path = tmp_path / "BACI_HS17_Y2022_V202401.csv"
    path.write_text("t,i,j,k,v,q\n2022,842,268,870323,12.5,1\n2022,840,51,870323,1.5,2\n")
    store.ingest([path])
    assert _full_rows(store) == 2
    assert store.sql("SELECT DISTINCT reporter FROM flows")["reporter"].to_list() == ["USA"]


def test_a_store_of_version_3_is_upgraded_with_every_figure_as_it_was(tmp_path: Path, write_comtrade) -> None:
    store = tradeflows.open(tmp_path / "s.duckdb")
    store.ingest([BACI, _clean_baci(tmp_path), GEORGIA, KAZAKHSTAN])  # BACI's fixture has bad rows: not compact
    store.ingest([_revised_georgia(tmp_path)])  # a later vintage: superseded rows and a revision
    assert _compact_rows(store) == 3  # the clean BACI file
    before = _figures(store)
    assert len(before["revisions"]) and len(before["quarantine"]) and before["flows"].height > 2000
    as_version_3(store)
    kind = store.sql("SELECT table_type FROM information_schema.tables WHERE table_name = 'flows'")["table_type"][0]
    assert kind == "BASE TABLE"
    upgraded = tradeflows.open(tmp_path / "s.duckdb")  # opening upgrades it
    assert upgraded.sql("SELECT value FROM meta WHERE key = 'schema_version'")["value"][0] == "4"
    after = _figures(upgraded)
    for name in FIGURES:
        assert_frame_equal(after[name], before[name], check_exact=True)
    # And the next ingest writes beside the upgraded rows: another reporter changes no figure above.
    upgraded.ingest([write_comtrade([comtrade_row(reporter_code="51", partner_code="643")], name="armenia.csv")])
    assert_frame_equal(upgraded.sql("SELECT * FROM annual WHERE reporter <> 'ARM' ORDER BY ALL"), before["annual"])


def _portable_standing_differs(store: tradeflows.Store) -> int:
    portable = views.STANDING_SQL.split(" AS\n", 1)[1]
    return store.sql(f"SELECT count(*) AS n FROM ((SELECT * FROM standing EXCEPT ALL ({portable})) "
                     f"UNION ALL (({portable}) EXCEPT ALL SELECT * FROM standing))")["n"][0]  # fmt: skip


def test_standing_names_the_revised_runs_and_gives_the_rows_of_the_portable_view(tmp_path: Path) -> None:
    store = tradeflows.open(tmp_path / "s.duckdb")
    store.ingest([_clean_baci(tmp_path), GEORGIA])
    assert store.sql("SELECT sql FROM duckdb_views() WHERE view_name = 'standing'")["sql"][0].count("ingest_id") == 0
    revised = _revised_georgia(tmp_path)
    store.ingest([revised])  # run 3 revises one figure of run 2
    assert store.sql("SELECT DISTINCT ingest_id FROM superseded")["ingest_id"].to_list() == [2]
    assert _portable_standing_differs(store) == 0
    store.ingest([revised], replace=True)  # run 3 forgotten (standing written without it), loaded again
    assert store.sql("SELECT DISTINCT ingest_id, by_ingest_id FROM superseded").rows() == [(2, 3)]
    assert _portable_standing_differs(store) == 0
    # The revised file repeats every figure of Georgia's: run 2 stands nowhere.
    counts = store.sql("SELECT (SELECT count(*) FROM standing) AS standing, (SELECT count(*) FROM flows) AS all_rows, "
                       "(SELECT count(*) FROM flows WHERE ingest_id = 2) AS georgia")  # fmt: skip
    assert counts["standing"][0] == counts["all_rows"][0] - counts["georgia"][0]


def test_a_repeated_compact_file_is_skipped_or_replaced_and_held_once(tmp_path: Path) -> None:
    # The file's sha256 is hashed while the run loads: the repeated load is rolled back before
    # it commits, and the replacement loads with the earlier run forgotten first, as run 1 again.
    store = tradeflows.open(tmp_path / "s.duckdb")
    path = _clean_baci(tmp_path)
    lines = len(CLEAN_BACI.strip().splitlines()) - 1  # less the header
    store.ingest([path])
    again = store.ingest([path])
    assert [(f.status, f.ingest_id) for f in again.files] == [("skipped", 1)]
    replaced = store.ingest([path], replace=True)
    assert [(f.status, f.ingest_id, f.rows_kept) for f in replaced.files] == [("replaced", 1, lines)]
    assert _compact_rows(store) == lines
    runs = store.sql(f"SELECT (SELECT count(*) FROM ingests) AS i, (SELECT count(*) FROM {layout.CONSTANTS_TABLE}) "
                     "AS k, (SELECT count(DISTINCT ingest_id) FROM held) AS h, (SELECT count(*) FROM superseded) AS s")
    assert runs.row(0) == (1, 1, 1, 0)
