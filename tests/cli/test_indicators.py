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


def test_substitution_exempt_siblings_and_absorption_commands(tmp_path):
    path = tmp_path / "n.duckdb"
    rows = [dict(year=y, reporter=r, partner=p, hs=hs, flow=f, value_usd=v) for y, r, p, hs, f, v in (
        (2021, "DEU", "RUS", "848210", "X", 100.0), (2022, "DEU", "RUS", "848210", "X", 20.0),
        (2021, "DEU", "KGZ", "848210", "X", 10.0), (2022, "DEU", "KGZ", "848210", "X", 50.0),
        (2021, "DEU", "KGZ", "848280", "X", 10.0), (2022, "DEU", "KGZ", "848280", "X", 40.0),
        (2021, "DEU", "KGZ", "080810", "X", 10.0), (2022, "DEU", "KGZ", "080810", "X", 10.0),
        (2021, "KGZ", "DEU", "848210", "M", 10.0), (2022, "KGZ", "DEU", "848210", "M", 50.0))]  # fmt: skip
    load_rows(tradeflows.open(path), rows)
    common = ["--baseline", "2021", "--after", "2022", "--db", str(path), "--format", "csv"]
    result = runner.invoke(app, ["indicators", "substitution", "-b", "chpl", "-r", "DEU", "-p", "KGZ",
                                 "--targets", "RUS", *common])  # fmt: skip
    assert result.exit_code == 0, result.output
    # direct 100 -> 20 (fall 80), KGZ 10 -> 50 (rise 40): half offset
    assert ",chpl,KGZ,RUS," in result.stdout and ",0.5,true," in result.stdout
    result = runner.invoke(app, ["indicators", "exempt-siblings", "-b", "chpl", "-p", "KGZ", *common])
    assert result.exit_code == 0, result.output
    assert ",chpl,8482,848280," in result.stdout and ",4.0,5.0,1.0,4.0,true," in result.stdout
    proxy = tmp_path / "pop.csv"
    proxy.write_text("reporter,year,value\nKGZ,2021,10\nKGZ,2022,20\n")
    result = runner.invoke(app, ["indicators", "absorption", "-b", "chpl", "-r", "KGZ", "--proxy", str(proxy),
                                 "--proxy-name", "population", *common])  # fmt: skip
    assert result.exit_code == 0, result.output
    # imports x5 against a population x2: 2.5 times what demand explains
    assert ",KGZ,chpl," in result.stdout and ",population,10.0,20.0,2.0,2.5," in result.stdout
