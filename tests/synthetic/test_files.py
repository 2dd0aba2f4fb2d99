"""The synthetic Comtrade extract has the real files' layout, and every row is one figure."""

from __future__ import annotations

import csv

import pytest

import tradeflows
from tests.conftest import GEORGIA
from tradeflows.synthetic.files import write_comtrade_extract


def test_comtrade_extract_has_the_real_layout_and_distinct_rows(tmp_path):
    if not GEORGIA.exists():
        pytest.skip(f"real data not found at {GEORGIA}")
    path = write_comtrade_extract(tmp_path / "extract.csv", 30_000, seed=1)
    with GEORGIA.open(newline="", encoding="utf-8") as real, path.open(newline="", encoding="utf-8") as ours:
        assert next(csv.reader(ours)) == next(csv.reader(real))
        rows = list(csv.DictReader(path.open(newline="", encoding="utf-8")))
    assert len(rows) == 30_000
    keys = {(r["year"], r["month"], r["trade_code"], r["partner_code"], r["commodity_code"]) for r in rows}
    assert len(keys) == 30_000
    total = sum(float(r["trade_value_us"]) for r in rows)
    store = tradeflows.open(tmp_path / "s.duckdb")
    report = store.ingest([path])
    assert (report.rows_read, report.rows_kept) == (30_000, 30_000)
    assert store.sql("SELECT sum(value_usd) AS v FROM flows")["v"][0] == pytest.approx(total)
