"""`tradeflows indicators` through CliRunner: exit code first, then what the user reads."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import tradeflows
from tradeflows.cli import app
from tradeflows.indicators import INDICATORS
from tradeflows.indicators.testing import load_rows

runner = CliRunner()


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "s.duckdb"
    rows = [dict(year=y, reporter="GEO", partner=p, hs="8703", value_usd=v) for y, p, v in
            ((2021, "RUS", 10.0), (2021, "DEU", 90.0), (2022, "RUS", 60.0), (2022, "DEU", 40.0),
             (2023, "KAZ", 300.0))]  # fmt: skip
    load_rows(tradeflows.open(path), rows)
    return path


def test_help_explains_each_indicator_in_a_sentence():
    result = runner.invoke(app, ["indicators", "--help"])
    assert result.exit_code == 0
    for name in INDICATORS:
        assert name in result.output


@pytest.mark.parametrize("name", list(INDICATORS))
def test_each_command_has_help_with_an_example(name):
    result = runner.invoke(app, ["indicators", name, "--help"])
    assert result.exit_code == 0 and "Example" in result.output and "--db" in result.output


def test_growth_as_json_with_provenance(db):
    result = runner.invoke(app, ["indicators", "growth", "--basket", "cars", "--reporter", "GEO", "--flow", "X",
                                 "--baseline", "2021", "--after", "2022-2023", "--db", str(db), "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["period"], r["value_usd"], r["ratio"]) for r in rows] == [
        ("2022", 100.0, 1.0),
        ("2023", 300.0, 3.0),
        ("2022-2023", 200.0, 2.0),
    ]
    assert all(r["baseline"] == "2021" and r["n_rows_baseline"] == 2 for r in rows)
    assert "basket cars: HS2017 8703; HS2022 8703" in result.stderr


def test_target_share_ranks_the_destinations_whose_share_rose(db):
    result = runner.invoke(app, ["indicators", "target-share", "-b", "cars", "-r", "GEO", "--baseline", "2021",
                                 "--after", "2022-2023", "--db", str(db), "--format", "csv"])  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].split(",")[3] == "KAZ" and lines[2].split(",")[3] == "RUS"


def test_user_definitions_file(db, tmp_path):
    defs = tmp_path / "mine.toml"
    defs.write_text('[baskets.autos]\ncodes = ["8703"]\n[groups.central_asia]\nmembers = ["KAZ", "KGZ"]\n')
    result = runner.invoke(app, ["indicators", "growth", "-b", "autos", "-r", "GEO", "-p", "central_asia",
                                 "--baseline", "2021", "--after", "2023", "-d", str(defs), "--db", str(db), "-f", "csv"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "autos,GEO,central_asia,X,2023" in result.stdout and "zero_baseline" in result.stdout


def test_errors_are_one_line_with_the_fix(db):
    result = runner.invoke(app, ["indicators", "growth", "-b", "drones", "--db", str(db)])
    assert result.exit_code == 1 and "Unknown basket 'drones'; built-in baskets are: cars" in result.stderr
    result = runner.invoke(app, ["indicators", "growth", "-b", "cars", "--baseline", "2022", "--after", "2021",
                                 "--db", str(db)])  # fmt: skip
    assert result.exit_code == 1 and "must end before the after period" in result.stderr
    result = runner.invoke(app, ["indicators", "growth", "-b", "computers", "--db", str(db)])
    assert result.exit_code == 1 and "matches no HS code the store holds" in result.stderr
