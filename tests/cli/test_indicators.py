"""`tradeflows indicators` through CliRunner: exit code first, then what the user reads."""

from __future__ import annotations

import inspect
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


# -- the commands are the registry's entries -------------------------------------------------------


def test_every_indicator_command_is_a_registry_entry_with_its_settings():
    import dataclasses

    from tradeflows.cli.indicators import COMMANDS

    commands = {c.__name__.replace("_", "-"): c for c in COMMANDS if c.__name__ != "origin_consignment"}
    assert set(commands) == set(INDICATORS)
    for name, command in commands.items():
        options = set(inspect.signature(command).parameters)
        settings = {f.name for f in dataclasses.fields(INDICATORS[name].module.Settings)}
        # Every option of a command is a scope keyword, an output option or one of its settings.
        own = options - {"db", "basket", "reporter", "partner", "flow", "baseline", "after", "partial", "source",
                         "definitions", "engine", "dataset", "fmt", "output", "limit", "origin", "targets",
                         "treated"}  # fmt: skip
        assert own <= settings, (name, own - settings)


@pytest.mark.parametrize("name", ["growth", "target-share", "excess", "new-flows"])
def test_the_command_and_the_function_give_the_same_frame(name, db):
    import polars as pl
    from polars.testing import assert_frame_equal

    result = runner.invoke(app, ["indicators", name, "-b", "cars", "-r", "GEO", "--baseline", "2021", "--after",
                                 "2022-2023", "--db", str(db), "-f", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    function = getattr(tradeflows.indicators, name.replace("-", "_"))
    expected = function(tradeflows.open(db), basket="cars", reporter="GEO", baseline=2021, after="2022-2023")
    got = pl.DataFrame(json.loads(result.stdout), schema=expected.schema)
    assert_frame_equal(got, expected)


def test_default_periods_name_only_years_the_series_hold(db):
    # The fixture's file holds GEO's car exports in 2021-2023: no 2019, 2020 or 2024 anywhere.
    result = runner.invoke(app, ["indicators", "growth", "-b", "cars", "-r", "GEO", "--db", str(db), "-f", "csv"])
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    periods = [r.split(",")[header.split(",").index("period")] for r in rows]
    baselines = {r.split(",")[header.split(",").index("baseline")] for r in rows}
    assert periods == ["2022", "2023", "2022-2023"] and baselines == {"2021"}
    for year in ("2019", "2020", "2024"):
        assert year not in result.stdout


def test_the_runs_named_are_those_behind_the_indicator_s_own_series(db):
    # Run 1 (the fixture) holds GEO's exports; run 2 ARM's exports to GEO; run 3 GEO's imports from ARM.
    store = tradeflows.open(db)
    load_rows(store, [dict(year=y, reporter="ARM", partner="GEO", hs="8703", value_usd=1.0) for y in (2021, 2022)])
    load_rows(store, [dict(year=y, reporter="GEO", partner="ARM", flow="M", hs="8703", value_usd=1.0)
                      for y in (2021, 2022)])  # fmt: skip
    # Growth of GEO's exports rests on GEO's exports alone: not ARM's file, not GEO's imports.
    result = runner.invoke(app, ["indicators", "growth", "-b", "cars", "-r", "GEO", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "| runs 1 hand-made rows |" in " ".join(result.stderr.split())
    # The mirror gap of ARM's exports to GEO reads both sides: ARM's exports, GEO's imports.
    result = runner.invoke(app, ["indicators", "mirror-gap", "-b", "cars", "-r", "ARM", "-p", "GEO",
                                 "--baseline", "2021", "--after", "2022", "--db", str(db)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "| runs 2 hand-made rows, 3 hand-made rows |" in " ".join(result.stderr.split())
