"""Vintages: the same figure from two files is one figure; the later run stands, the earlier
is kept as superseded; forgetting a run lets the earlier vintage stand again. And holdings:
what each run's file covers."""

from __future__ import annotations

import csv
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tradeflows
from tests.conftest import comtrade_row
from tests.store.legacy import as_version_3
from tradeflows.indicators.testing import canonical_rows, load_rows
from tradeflows.store import views

GEORGIA = Path("/work/shared/data/comtrade/vehicle_trade_georgia.csv")


def _annual(store: tradeflows.Store) -> list[tuple]:
    return store.sql("SELECT year, reporter, partner, flow, hs, value_usd FROM annual ORDER BY ALL").rows()


def test_a_later_run_supersedes_the_same_figure_and_keeps_the_earlier(store: tradeflows.Store) -> None:
    load_rows(store, [dict(year=2021, reporter="GEO", partner="RUS", hs="870323", value_usd=100.0),
                      dict(year=2021, reporter="GEO", partner="KAZ", hs="870323", value_usd=7.0)])  # fmt: skip
    load_rows(store, [dict(year=2021, reporter="GEO", partner="RUS", hs="870323", value_usd=120.0)])
    # RUS revised to 120 (not 100 + 120); KAZ untouched; both vintages kept in flows.
    assert _annual(store) == [(2021, "GEO", "KAZ", "X", "870323", 7.0), (2021, "GEO", "RUS", "X", "870323", 120.0)]
    assert store.sql("SELECT count(*) AS n FROM flows")["n"][0] == 3
    assert store.sql("SELECT ingest_id, partner, by_ingest_id FROM superseded").rows() == [(1, "RUS", 2)]
    revision = store.sql("SELECT partner, old_value_usd, new_value_usd, change_usd, changed, old_run, new_run "
                         "FROM revisions").rows()  # fmt: skip
    assert revision == [("RUS", 100.0, 120.0, 20.0, True, 1, 2)]


def test_another_source_month_or_mode_is_another_figure(store: tradeflows.Store) -> None:
    row = dict(year=2021, reporter="GEO", partner="RUS", hs="870323", value_usd=100.0)
    load_rows(store, [row])
    load_rows(store, [row], source="other")
    load_rows(store, [{**row, "month": 3}, {**row, "mode": "road"}])
    assert store.sql("SELECT count(*) AS n FROM superseded")["n"][0] == 0
    assert store.sql("SELECT count(*) AS n FROM standing")["n"][0] == 4


def test_a_figure_revised_twice_lists_each_step_and_forgetting_the_last_restores_the_middle(
    tmp_path: Path, write_comtrade: Callable[..., Path]
) -> None:
    store = tradeflows.open(tmp_path / "s.duckdb")
    files = []
    for i, value in enumerate((100.0, 110.0, 130.0)):
        files.append(write_comtrade([comtrade_row(trade_value_us=value, fobvalue=value),
                                     comtrade_row(partner_code="398", partner_iso="KAZ", trade_value_us=5)],
                                    name=f"v{i}.csv"))  # fmt: skip
        store.ingest([files[-1]])
    steps = store.sql("SELECT old_value_usd, new_value_usd, old_run, new_run FROM revisions WHERE changed "
                      "ORDER BY old_run").rows()  # fmt: skip
    assert steps == [(100.0, 110.0, 1, 2), (110.0, 130.0, 2, 3)]
    # KAZ repeated unchanged: listed as a repeat, not a change; counted once.
    assert store.sql("SELECT count(*) AS n FROM revisions WHERE NOT changed")["n"][0] == 2
    assert [r[-1] for r in _annual(store)] == [5.0, 130.0]
    # --replace of the middle file forgets run 2 and loads it as run 4: now the latest, it stands.
    store.ingest([files[1]], replace=True)
    assert [r[-1] for r in _annual(store)] == [5.0, 110.0]
    assert store.sql("SELECT count(*) AS n FROM flows")["n"][0] == 6


def test_a_store_of_version_2_is_upgraded_on_its_next_write(store: tradeflows.Store) -> None:
    row = dict(year=2021, reporter="GEO", partner="RUS", hs="870323", value_usd=1.0)
    load_rows(store, [row])
    as_version_3(store)
    with store.connect(read_only=False) as con:  # as version 2 left a store: repeats summed, no vintages
        con.execute("INSERT INTO flows SELECT * REPLACE (2 AS ingest_id, 5.0 AS value_usd) FROM flows")
        con.execute("INSERT INTO annual_cells SELECT * REPLACE (2 AS ingest_id) FROM annual_cells")
        con.execute("INSERT INTO ingests SELECT * REPLACE (2 AS ingest_id) FROM ingests")
        for name in ("revisions", "mirror_pairs", "coverage", "world_totals", "annual_hs4", "annual", "figures",
                     "standing"):  # fmt: skip
            con.execute(f"DROP VIEW {name}")
        con.execute("DROP TABLE superseded; DROP TABLE held")
        con.execute(views._figures_sql().replace("standing", "flows"))
        con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    load_rows(store, [{**row, "partner": "KAZ", "value_usd": 3.0}])
    assert _annual(store) == [(2021, "GEO", "KAZ", "X", "870323", 3.0), (2021, "GEO", "RUS", "X", "870323", 5.0)]
    assert store.sql("SELECT DISTINCT ingest_id FROM held ORDER BY 1")["ingest_id"].to_list() == [1, 2, 3]


def test_held_records_codes_months_and_the_heading_of_hs6_rows(store: tradeflows.Store) -> None:
    load_rows(store, [dict(year=2021, month=m, reporter="GEO", partner="RUS", hs="870323", value_usd=1.0)
                      for m in (1, 2)] + [dict(year=2021, reporter="GEO", partner="WLD", flow="M", hs="8471",
                                               value_usd=2.0)])  # fmt: skip
    held = store.sql("SELECT flow, hs_level, hs, year, month FROM held ORDER BY ALL").rows()
    assert held == [("M", 4, "8471", 2021, None), ("X", 4, "8703", 2021, 1), ("X", 4, "8703", 2021, 2),
                    ("X", 6, "870323", 2021, 1), ("X", 6, "870323", 2021, 2)]  # fmt: skip


_row = st.fixed_dictionaries({
    "year": st.sampled_from([2021, 2022]),
    "reporter": st.sampled_from(["GEO", "ARM"]),
    "partner": st.sampled_from(["RUS", "KAZ", "DEU"]),
    "flow": st.sampled_from(["X", "M"]),
    "hs": st.sampled_from(["870323", "870324", "8703"]),
    "value_usd": st.integers(1, 1000).map(float),
})  # fmt: skip
_KEY = ("year", "reporter", "partner", "flow", "hs")


def _unique(rows: list[dict]) -> list[dict]:
    return list({tuple(r[k] for k in _KEY): r for r in rows}.values())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.lists(_row, min_size=1, max_size=8), repeat=st.data())
def test_a_file_repeating_or_revising_figures_changes_exactly_those(
    tmp_path_factory: pytest.TempPathFactory, first: list[dict], repeat: st.DataObject
) -> None:
    first = _unique(first)
    again = repeat.draw(st.lists(st.sampled_from(first), min_size=1, max_size=len(first), unique_by=id))
    revised = {tuple(r[k] for k in _KEY) for r in again[: len(again) // 2]}
    second = [{**r, "value_usd": r["value_usd"] + 1.0} if tuple(r[k] for k in _KEY) in revised else r for r in again]
    store = tradeflows.open(tmp_path_factory.mktemp("v") / "s.duckdb")
    store.load_frame(canonical_rows(first), source="test", label="first")
    before = {r[:5]: r[5] for r in _annual(store)}
    store.load_frame(canonical_rows(second), source="test", label="second")
    after = {r[:5]: r[5] for r in _annual(store)}
    assert after.keys() == before.keys()
    for key, value in before.items():
        as_key = (key[0], key[1], key[2], key[3], key[4])
        assert after[key] == (value + 1.0 if as_key in revised else value)
    assert store.sql("SELECT count(*) AS n FROM revisions WHERE changed")["n"][0] == len(revised)


@pytest.mark.skipif(not GEORGIA.exists(), reason="shared data not found")
def test_an_overlapping_extract_of_georgia_doubles_nothing(tmp_path: Path) -> None:
    # The file's own 2021 exports, summed from the raw text: 316 rows, all partners countries.
    with GEORGIA.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
        header = list(rows[0])
    exports_2021 = [r for r in rows if r["year"] == "2021" and r["trade_code"] == "X" and r["partner_iso"] != "WLD"]
    total = sum(Decimal(r["trade_value_us"]) for r in exports_2021)
    assert total == Decimal("456566848.31")
    # A second extract: the 2021 rows again, one export figure revised up by $1,000.
    revised = exports_2021[0]
    second = tmp_path / "georgia_2021_again.csv"
    with second.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for r in rows:
            if r["year"] == "2021":
                bump = r is revised
                writer.writerow({**r, "trade_value_us": str(Decimal(r["trade_value_us"]) + 1000) if bump else r["trade_value_us"]})
    store = tradeflows.open(tmp_path / "s.duckdb")
    store.ingest([GEORGIA])
    store.ingest([second])
    got = store.sql("SELECT sum(value_usd) AS v FROM annual WHERE reporter = 'GEO' AND flow = 'X' AND year = 2021")
    assert got["v"][0] == pytest.approx(float(total + 1000), abs=0.01)
    changed = store.sql("SELECT partner, month, old_value_usd, new_value_usd, old_run, new_run FROM revisions WHERE changed")
    assert changed.rows() == [(revised["partner_iso"], int(revised["month"]), float(revised["trade_value_us"]),
                               float(Decimal(revised["trade_value_us"]) + 1000), 1, 2)]  # fmt: skip
    # Every 2021 row of the first file is superseded (806 = 490 imports + 316 exports), nothing else.
    assert store.sql("SELECT count(*) AS n FROM superseded")["n"][0] == 806
    assert store.sql("SELECT count(*) AS n FROM standing WHERE year = 2022")["n"][0] == 885


def test_a_parquet_export_of_a_revised_store_loads_back_without_doubling(tmp_path: Path) -> None:
    store = tradeflows.open(tmp_path / "s.duckdb")
    load_rows(store, [dict(year=2021, reporter="GEO", partner="RUS", hs="870323", value_usd=100.0)])
    load_rows(store, [dict(year=2021, reporter="GEO", partner="RUS", hs="870323", value_usd=120.0)])
    assert store.export_parquet(tmp_path / "export.parquet") == 1
    again = tradeflows.open(tmp_path / "again.duckdb")
    again.ingest([tmp_path / "export.parquet"])
    assert _annual(again) == _annual(store) == [(2021, "GEO", "RUS", "X", "870323", 120.0)]


def test_opening_a_store_of_an_earlier_version_upgrades_it_before_any_query(tmp_path: Path) -> None:
    store = tradeflows.open(tmp_path / "s.duckdb")
    load_rows(store, [dict(year=2021, reporter="GEO", partner="RUS", hs="870323", value_usd=1.0)])
    with store.connect(read_only=False) as con:  # as version 2 left it: no held, no superseded
        con.execute("DROP VIEW revisions; DROP VIEW coverage_by_product; DROP TABLE superseded; DROP TABLE held")
        con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    again = tradeflows.open(tmp_path / "s.duckdb")
    assert again.sql("SELECT count(*) AS n FROM held")["n"][0] == 2  # 870323 and its heading 8703
    assert _annual(again) == [(2021, "GEO", "RUS", "X", "870323", 1.0)]
