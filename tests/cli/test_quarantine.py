"""`tradeflows quarantine`: what a user sees about the rows an ingest did not load."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from tests.conftest import comtrade_row
from tradeflows.cli import app

runner = CliRunner()


def ingest_with_two_bad_rows(tmp_path, write_comtrade):
    db = tmp_path / "s.duckdb"
    path = write_comtrade(
        [
            comtrade_row(),
            comtrade_row(partner_code="9999"),  # line 3
            comtrade_row(partner_code="398", trade_value_us="-5"),  # line 4
        ],
        name="georgia.csv",
    )
    result = runner.invoke(app, ["ingest", str(path), "--db", str(db)])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # rich wraps long lines
    assert "3 rows read, 1 kept, 2 quarantined" in said
    assert f"See why with: tradeflows quarantine --db {db}" in said
    return db, path


def test_quarantine_lists_file_line_column_value_and_reason(tmp_path, write_comtrade):
    db, path = ingest_with_two_bad_rows(tmp_path, write_comtrade)
    result = runner.invoke(app, ["quarantine", "--db", str(db), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["run"], r["file"], r["line"], r["column"], r["value"]) for r in rows] == [
        ("1", str(path), "3", "partner_code", "9999"),
        ("1", str(path), "4", "trade_value_us", "-5"),
    ]
    assert rows[0]["reason"] == "partner_code: '9999' is an unknown UN Comtrade area code"
    assert rows[1]["reason"] == "trade_value_us: '-5' is negative; expected a value >= 0"
    assert ",9999," in rows[0]["raw"]  # the whole line, to fix and load again


def test_quarantine_table_shows_the_reason_and_counts(tmp_path, write_comtrade):
    db, _ = ingest_with_two_bad_rows(tmp_path, write_comtrade)
    result = runner.invoke(app, ["quarantine", "--db", str(db)], terminal_width=250)
    assert result.exit_code == 0, result.output
    for shown in ("georgia.csv", "partner_code", "9999", "trade_value_us", "-5", "negative"):
        assert shown in result.stdout
    assert str(tmp_path) not in result.stdout  # the file's name, not its folder
    assert "2 row(s)" in result.stderr


def test_quarantine_filters_by_file_and_run(tmp_path, write_comtrade):
    db, path = ingest_with_two_bad_rows(tmp_path, write_comtrade)
    by_name = runner.invoke(app, ["quarantine", "--db", str(db), "--file", "georgia.csv", "-f", "json"])
    assert by_name.exit_code == 0, by_name.output
    assert [r["line"] for r in json.loads(by_name.stdout)] == [3, 4]
    by_path = runner.invoke(app, ["quarantine", "--db", str(db), "--file", str(path), "-f", "json"])
    assert [r["line"] for r in json.loads(by_path.stdout)] == [3, 4]
    other = runner.invoke(app, ["quarantine", "--db", str(db), "--file", "armenia.csv", "-f", "json"])
    assert json.loads(other.stdout) == []
    other_run = runner.invoke(app, ["quarantine", "--db", str(db), "--run", "2", "-f", "json"])
    assert json.loads(other_run.stdout) == []


def test_quarantine_writes_a_file(tmp_path, write_comtrade):
    db, _ = ingest_with_two_bad_rows(tmp_path, write_comtrade)
    target = tmp_path / "out" / "rejected.csv"
    result = runner.invoke(app, ["quarantine", "--db", str(db), "-f", "csv", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "Wrote 2 row(s)" in result.stderr
    assert len(target.read_text().splitlines()) == 3


def test_quarantine_without_a_store_says_how_to_make_one(tmp_path):
    result = runner.invoke(app, ["quarantine", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1
    assert "No store at" in result.output
