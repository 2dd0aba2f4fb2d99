"""The store as a partitioned Parquet dataset: folders by year and reporter, read back the
same by DuckDB and polars (Spark reads it in tests/engines), rewritten only when stale."""

from __future__ import annotations

import json

import duckdb
import polars as pl
import pytest

from tradeflows.errors import ParameterError, StoreError
from tradeflows.indicators.testing import load_rows
from tradeflows.store.dataset import dataset_path, duckdb_flows_sql, read_manifest, scan_dataset

ROWS = [
    dict(year=2021, reporter="GEO", partner="RUS", hs="870323", value_usd=100.0),
    dict(year=2021, reporter="ARM", partner="RUS", hs="870323", value_usd=20.0),
    dict(year=2022, reporter="GEO", partner="KAZ", hs="870323", value_usd=7.5),
    dict(year=2022, reporter="GEO", partner="RUS", hs="847130", value_usd=2.5, flow="M"),
]


@pytest.fixture
def filled(store):
    load_rows(store, ROWS)
    return store


def test_dataset_has_a_folder_per_year_and_reporter(filled, tmp_path):
    assert filled.export_dataset(tmp_path / "ds") == 4
    folders = sorted(str(p.relative_to(tmp_path / "ds" / "flows")) for p in (tmp_path / "ds" / "flows").glob("*/*"))
    assert folders == ["year=2021/reporter=ARM", "year=2021/reporter=GEO", "year=2022/reporter=GEO"]
    for table in ("ingests", "countries", "comtrade_codes", "products"):
        assert (tmp_path / "ds" / f"{table}.parquet").exists()


def test_polars_and_duckdb_read_back_the_store(filled, tmp_path):
    filled.export_dataset(tmp_path / "ds")
    expected = filled.sql("SELECT * FROM flows").sort("year", "reporter", "hs", "flow")
    by_polars = scan_dataset(tmp_path / "ds").collect().sort("year", "reporter", "hs", "flow")
    assert by_polars.equals(expected)
    with duckdb.connect() as con:
        by_duckdb = con.sql(duckdb_flows_sql(tmp_path / "ds")).pl().sort("year", "reporter", "hs", "flow")
        # and with nothing but DuckDB's own hive reading:
        total = con.sql(
            f"SELECT year, sum(value_usd) AS v FROM read_parquet('{tmp_path}/ds/flows/**/*.parquet', "
            "hive_partitioning = true) GROUP BY year ORDER BY year"
        ).fetchall()
    assert by_duckdb.equals(expected)
    assert total == [(2021, 120.0), (2022, 10.0)]  # 100 + 20; 7.5 + 2.5


def test_the_manifest_records_the_store_state(filled, tmp_path):
    filled.export_dataset(tmp_path / "ds", partition_by=["year"])
    manifest = json.loads((tmp_path / "ds" / "manifest.json").read_text())
    assert manifest["partition_by"] == ["year"]
    assert manifest["state"] == {"last_ingest": 1, "ingests": 1, "rows": 4}


def test_current_dataset_is_rewritten_only_when_the_store_changed(filled):
    path = filled.current_dataset()
    assert path == dataset_path(filled.path) and path.suffix == ".parquet"
    written = (path / "manifest.json").stat().st_mtime_ns
    assert filled.current_dataset() == path
    assert (path / "manifest.json").stat().st_mtime_ns == written
    load_rows(filled, [dict(year=2023, reporter="KAZ", partner="RUS", hs="870323", value_usd=1.0)])
    filled.current_dataset()
    assert read_manifest(path)["state"]["rows"] == 5
    assert scan_dataset(path).select(pl.col("value_usd").sum()).collect().item() == 131.0


def test_a_folder_that_is_not_a_dataset_is_never_replaced(filled, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(StoreError, match="not a tradeflows dataset"):
        filled.export_dataset(tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_partition_columns_must_never_be_null(filled, tmp_path):
    with pytest.raises(ParameterError, match="never NULL"):
        filled.export_dataset(tmp_path / "ds", partition_by=["month"])
