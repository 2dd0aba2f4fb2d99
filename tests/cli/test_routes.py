"""`tradeflows routes` through the CLI runner, on a hand-made store."""

from __future__ import annotations

import json

import networkx as nx
from typer.testing import CliRunner

from tests.routes.conftest import flow_rows
from tradeflows.cli import app

runner = CliRunner()

ROWS = [
    # Georgia imports cars from the USA (60) and Japan (20) and exports 40 to Kazakhstan, 2021 and 2023.
    ("GEO", "USA", "M", 2021, "8703", 30.0), ("GEO", "JPN", "M", 2021, "8703", 10.0),
    ("GEO", "KAZ", "X", 2021, "8703", 4.0),
    ("GEO", "USA", "M", 2023, "8703", 60.0), ("GEO", "JPN", "M", 2023, "8703", 20.0),
    ("GEO", "KAZ", "X", 2023, "8703", 40.0),
]  # fmt: skip


def make_db(tmp_path):
    import tradeflows

    db = tmp_path / "s.duckdb"
    tradeflows.open(db).load_frame(flow_rows(ROWS), source="csv", label="hand-made")
    return db


def test_routes_csv_and_graph_files(tmp_path):
    db = make_db(tmp_path)
    out, graphml = tmp_path / "routes.json", tmp_path / "g.graphml"
    result = runner.invoke(app, ["routes", "--basket", "cars", "--target", "KAZ", "--hubs", "GEO", "--years", "2023",
                                 "--baseline", "2021", "--db", str(db), "--format", "json", "--output", str(out),
                                 "--graphml", str(graphml)])  # fmt: skip
    assert result.exit_code == 0, result.output
    routes = json.loads(out.read_text())
    # USA: 40 * 60/80 = 30 now, 4 * 30/40 = 3 in 2021; Japan: 10 now, 1 in 2021.
    assert [(r["path"], r["value_usd"], r["baseline_per_year"]) for r in routes] == [
        ("USA → GEO → KAZ", 30.0, 3.0), ("JPN → GEO → KAZ", 10.0, 1.0)]  # fmt: skip
    assert "exports to target ×10.0" in routes[0]["flags"]
    graph = nx.read_graphml(graphml)
    assert graph.nodes["GEO"]["role"] == "hub" and graph.edges["GEO", "KAZ"]["value_usd"] == 40.0


def test_routes_table(tmp_path):
    result = runner.invoke(app, ["routes", "-b", "cars", "-t", "KAZ", "--hubs", "GEO", "--years", "2023",
                                 "--baseline", "2021", "--db", str(make_db(tmp_path))])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "USA → GEO" in result.output and "2 row(s)" in result.output  # the path may wrap


def test_routes_user_error(tmp_path):
    result = runner.invoke(app, ["routes", "-b", "cars", "-t", "RUS", "--hubs", "GEO", "--years", "2023",
                                 "--baseline", "2021", "--db", str(make_db(tmp_path))])  # fmt: skip
    assert result.exit_code == 1
    assert "Error: No route from coalition through GEO to RUS" in result.output
