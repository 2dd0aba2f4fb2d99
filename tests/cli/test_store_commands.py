"""The CLI as a user sees it: exit codes first, then the message."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import polars as pl
from typer.testing import CliRunner

from tests.conftest import GEORGIA, REPO, comtrade_row
from tradeflows.cli import app

runner = CliRunner()


def test_ingest_then_query_as_csv_json_and_parquet(tmp_path, write_comtrade):
    db = tmp_path / "s.duckdb"
    path = write_comtrade([comtrade_row(trade_value_us="10.5"), comtrade_row(partner_code="398", trade_value_us="4")])
    result = runner.invoke(app, ["ingest", str(path), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "2 rows read, 2 kept, 0 quarantined" in result.output

    query = "SELECT partner, value_usd FROM annual WHERE reporter = $r ORDER BY partner"
    csv_out = runner.invoke(app, ["sql", query, "--db", str(db), "-p", "r=GEO", "--format", "csv"])
    assert csv_out.exit_code == 0, csv_out.output
    assert csv_out.stdout.splitlines() == ["partner,value_usd", "KAZ,4.0", "RUS,10.5"]

    json_out = runner.invoke(app, ["sql", query, "--db", str(db), "-p", "r=GEO", "-f", "json"])
    assert json.loads(json_out.stdout) == [{"partner": "KAZ", "value_usd": 4.0}, {"partner": "RUS", "value_usd": 10.5}]

    target = tmp_path / "out" / "r.parquet"
    pq = runner.invoke(app, ["sql", query, "--db", str(db), "-p", "r=GEO", "-f", "parquet", "-o", str(target)])
    assert pq.exit_code == 0, pq.output
    assert pl.read_parquet(target)["value_usd"].to_list() == [4.0, 10.5]


def test_second_ingest_reports_skipped(tmp_path, write_comtrade):
    db, path = tmp_path / "s.duckdb", write_comtrade([comtrade_row()])
    runner.invoke(app, ["ingest", str(path), "--db", str(db)])
    again = runner.invoke(app, ["ingest", str(path), "--db", str(db)])
    assert again.exit_code == 0
    assert "skipped" in again.output and "0 rows read" in again.output


def test_bad_query_prints_duckdb_message_and_hint_without_traceback(tmp_path, write_comtrade):
    db = tmp_path / "s.duckdb"
    runner.invoke(app, ["ingest", str(write_comtrade([comtrade_row()])), "--db", str(db)])
    result = runner.invoke(app, ["sql", "SELECT * FROM nowhere", "--db", str(db)])
    assert result.exit_code == 1
    assert "Error: Catalog Error: Table with name nowhere does not exist" in result.output
    assert "Hint: `tradeflows tables`" in result.output
    assert "Traceback" not in result.output


def test_sql_cannot_modify_the_store(tmp_path, write_comtrade):
    db = tmp_path / "s.duckdb"
    runner.invoke(app, ["ingest", str(write_comtrade([comtrade_row()])), "--db", str(db)])
    for statement in ("DELETE FROM flows", "DROP TABLE flows", "CREATE TABLE x AS SELECT 1"):
        result = runner.invoke(app, ["sql", statement, "--db", str(db)])
        assert result.exit_code == 1, statement
        assert "read-only" in result.output
    count = runner.invoke(app, ["sql", "SELECT count(*) AS n FROM flows", "--db", str(db), "-f", "csv"])
    assert count.stdout.splitlines() == ["n", "1"]


def test_missing_store_and_bad_param_are_clear(tmp_path):
    missing = runner.invoke(app, ["sql", "SELECT 1", "--db", str(tmp_path / "none.duckdb")])
    assert missing.exit_code == 1
    assert "No store at" in missing.output
    db = tmp_path / "s.duckdb"
    runner.invoke(app, ["ingest", str(GEORGIA), "--db", str(db)])
    bad = runner.invoke(app, ["sql", "SELECT $x", "--db", str(db), "-p", "x"])
    assert bad.exit_code == 1
    assert "expected NAME=VALUE" in bad.output


def test_tables_and_schema_describe_the_columns(tmp_path, write_comtrade):
    db = tmp_path / "s.duckdb"
    runner.invoke(app, ["ingest", str(write_comtrade([comtrade_row()])), "--db", str(db)])
    tables = runner.invoke(app, ["tables", "--db", str(db)])
    assert tables.exit_code == 0
    for name in ("flows", "quarantine", "annual", "figures", "coverage"):
        assert name in tables.output
    schema = runner.invoke(app, ["schema", "flows", "--db", str(db), "-f", "csv"])
    assert schema.exit_code == 0
    assert 'flows,partner_basis,VARCHAR,"What partner means' in schema.stdout
    unknown = runner.invoke(app, ["schema", "nope", "--db", str(db)])
    assert unknown.exit_code == 1 and "Unknown table 'nope'" in unknown.output


def test_ingest_of_a_missing_file_is_an_error_not_a_traceback(tmp_path):
    result = runner.invoke(app, ["ingest", str(tmp_path / "nope.csv"), "--db", str(tmp_path / "s.duckdb")])
    assert result.exit_code == 1
    assert "no such file or folder" in result.output


def test_installed_entry_point_and_shim_answer_help():
    for command in (["tradeflows", "--help"], [sys.executable, "cli.py", "--help"]):
        done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
        assert done.returncode == 0, done.stderr
        assert "ingest" in done.stdout and "sql" in done.stdout


def test_a_folder_loads_what_it_can_and_lists_the_rest(tmp_path, write_comtrade):
    folder = tmp_path / "downloads"
    folder.mkdir()
    good = write_comtrade([comtrade_row()], name="good.csv")
    good.rename(folder / "good.csv")
    (folder / "other.csv").write_text("yr,exporter,trade_value_us\n2020,ARM,5\n")
    db = tmp_path / "s.duckdb"
    result = runner.invoke(app, ["ingest", str(folder), "--db", str(db)])
    assert result.exit_code == 1
    assert "Not loaded: " in result.stderr and "other.csv" in result.stderr
    # The closest reader is named with the columns it missed.
    assert "Closest: comtrade (1 of its 4 columns), which also needs ['commodity_code', 'partner_code'," in " ".join(
        result.stderr.split()
    )
    assert "1 of 2 file(s) not loaded" in result.stderr
    count = runner.invoke(app, ["sql", "SELECT count(*) AS n FROM flows", "--db", str(db), "-f", "csv"])
    assert count.stdout.splitlines() == ["n", "1"]


def test_sources_lists_readers_detection_and_maps(tmp_path):
    (tmp_path / "mine.toml").write_text(
        '[source]\nname = "mine"\nsignature = ["a", "b"]\n[columns]\nyear = "a"\n'
        'value_usd = "b"\n[constants]\nreporter = "ARM"\npartner = "WLD"\nflow = "X"\nhs = "TOTAL"\n'
        'hs_level = 0\nhs_version = 2017\npartner_basis = "destination"\n'
    )
    result = runner.invoke(app, ["sources", "--maps", str(tmp_path), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = {line.split(",")[0]: line for line in result.stdout.splitlines()}
    assert "cells: DS-045409" in rows["eurostat_databrowser"]
    assert "columns: commodity_code, partner_code, reporter_code, trade_value_us" in rows["comtrade"]
    assert ",map," in rows["mine"] and "columns: a, b" in rows["mine"]
    assert "built-in map" in rows["uzstat_sdmx"]


def test_ingest_help_says_source_takes_a_map():
    result = runner.invoke(app, ["ingest", "--help"])
    assert "column map" in " ".join(result.stdout.split())


def test_revisions_lists_what_a_later_file_changed(tmp_path, write_comtrade):
    db = tmp_path / "s.duckdb"
    first = write_comtrade([comtrade_row(trade_value_us="100"), comtrade_row(partner_code="398", partner_iso="KAZ")],
                           name="first.csv")  # fmt: skip
    second = write_comtrade([comtrade_row(trade_value_us="150")], name="second.csv")
    for path in (first, second):
        assert runner.invoke(app, ["ingest", str(path), "--db", str(db)]).exit_code == 0
    result = runner.invoke(app, ["revisions", "--db", str(db), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["partner"], r["old_value_usd"], r["new_value_usd"], r["old_run"], r["new_run"]) for r in rows] == [
        ("RUS", "100.0", "150.0", "1", "2")
    ]
    assert rows[0]["old_file"].endswith("first.csv") and rows[0]["new_file"].endswith("second.csv")


def test_coverage_by_product_lists_each_series_and_its_months(tmp_path, write_comtrade):
    db = tmp_path / "s.duckdb"
    rows = [comtrade_row(month=m, period_desc=f"20220{m}") for m in (1, 2)]
    rows.append(comtrade_row(commodity_code="870323", aggregate_level="6", trade_code="M", trade_flow="Import"))
    assert runner.invoke(app, ["ingest", str(write_comtrade(rows)), "--db", str(db)]).exit_code == 0
    result = runner.invoke(app, ["coverage", "--by", "product", "--hs", "8703", "--db", str(db), "-f", "csv"])
    assert result.exit_code == 0, result.output
    got = [(r["flow"], r["hs"], r["n_months"], r["status"]) for r in csv.DictReader(io.StringIO(result.output))]
    # The HS6 import row holds its heading 8703 as well.
    assert got == [("M", "8703", "1", "partial"), ("M", "870323", "1", "partial"), ("X", "8703", "2", "partial")]
