"""`tradeflows screen` through the CLI runner: table, CSV, JSON and the HTML page with reports."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import tradeflows
from tests.test_screen import GEORGIA_2021_2022
from tradeflows.cli import app
from tradeflows.indicators.testing import load_rows

runner = CliRunner()


def make_db(tmp_path):
    db = tmp_path / "s.duckdb"
    load_rows(tradeflows.open(db), GEORGIA_2021_2022)
    return db


def test_screen_outputs(tmp_path):
    db = str(make_db(tmp_path))
    period = ["--baseline", "2021", "--after", "2022", "--db", db, "--basket", "cars"]
    result = runner.invoke(app, ["screen", *period])
    assert result.exit_code == 0, result.output
    assert "1. GEO's exports of cars to RUS rose x4.0" in result.output and "1 lead(s) among 1" in result.output
    result = runner.invoke(app, ["screen", *period, "--format", "csv"])
    assert result.exit_code == 0 and "mirror gap not computed" in result.output and " | " in result.output
    result = runner.invoke(app, ["screen", *period, "--format", "json"])
    rows = json.loads(result.stdout.strip().splitlines()[0])
    assert rows[0]["hub"] == "GEO" and isinstance(rows[0]["commands"], list)
    html = tmp_path / "out" / "screen.html"
    result = runner.invoke(app, ["screen", *period, "--html", str(html), "--reports", "1"])
    assert result.exit_code == 0, result.output
    assert 'href="reports/GEO-cars.html"' in html.read_text() and (html.parent / "reports" / "GEO-cars.html").exists()


def test_screen_since_an_unknown_run_is_an_error(tmp_path):
    result = runner.invoke(app, ["screen", "--db", str(make_db(tmp_path)), "--since", "9"])
    assert result.exit_code == 1 and "no ingest run 9" in result.output


def test_screen_writes_nothing_over_the_store(tmp_path):
    db = make_db(tmp_path)
    before = db.read_bytes()
    for option in ("--output", "--html"):
        result = runner.invoke(app, ["screen", "--db", str(db), "--basket", "cars", option, str(db)])
        assert result.exit_code == 1, result.output
        assert "Refusing to write" in result.output and "overwrite the store" in result.output
    assert db.read_bytes() == before


def test_screen_of_a_missing_store_says_so(tmp_path):
    result = runner.invoke(app, ["screen", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1 and "No store at" in result.output
    assert not (tmp_path / "none.duckdb").exists()


def test_screen_takes_partial(tmp_path):
    period = ["--baseline", "2021", "--after", "2022", "--db", str(make_db(tmp_path)), "--basket", "cars"]
    result = runner.invoke(app, ["screen", *period, "--partial", "whole", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "--partial whole" in result.stdout  # the commands that reproduce a lead say how it was compared
    result = runner.invoke(app, ["screen", *period, "--partial", "guess"])
    assert result.exit_code == 2 and "guess" in result.output
