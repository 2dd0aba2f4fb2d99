"""`tradeflows export`: the flows table to Parquet, and back with `tradeflows ingest`."""

from __future__ import annotations

import polars as pl
from typer.testing import CliRunner

from tests.conftest import comtrade_row
from tradeflows.cli import app

runner = CliRunner()


def test_export_parquet_then_ingest_it_into_another_store(tmp_path, write_comtrade):
    db, other = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    path = write_comtrade([comtrade_row(trade_value_us="10.5"), comtrade_row(partner_code="398", trade_value_us="4")])
    assert runner.invoke(app, ["ingest", str(path), "--db", str(db)]).exit_code == 0
    target = tmp_path / "flows.parquet"
    result = runner.invoke(app, ["export", "--format", "parquet", "--output", str(target), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert f"Wrote 2 row(s) of flows to {target}" in result.stderr
    frame = pl.read_parquet(target)
    assert frame["value_usd"].to_list() == [10.5, 4.0]
    assert frame["source"].to_list() == ["comtrade", "comtrade"] and frame["line"].to_list() == [2, 3]
    assert "ingest_id" not in frame.columns

    loaded = runner.invoke(app, ["ingest", str(target), "--db", str(other)])
    assert loaded.exit_code == 0, loaded.output
    assert "2 rows read, 2 kept, 0 quarantined" in " ".join(loaded.output.split())
    back = runner.invoke(app, ["sql", "SELECT source, line, partner, value_usd FROM flows ORDER BY line",
                               "--db", str(other), "-f", "csv"])  # fmt: skip
    assert back.stdout.splitlines() == ["source,line,partner,value_usd", "comtrade,2,RUS,10.5", "comtrade,3,KAZ,4.0"]


def test_export_needs_a_store(tmp_path):
    result = runner.invoke(app, ["export", "-o", str(tmp_path / "f.parquet"), "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1
    assert "No store at" in result.output
