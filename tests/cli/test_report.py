"""`tradeflows report` through the CLI runner, on a hand-made store with annual figures."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import tradeflows
from tests.routes.conftest import flow_rows
from tradeflows.cli import app

runner = CliRunner()

ROWS = [
    # Georgia imports cars from the USA and Japan and exports them to Kazakhstan and Turkey, 2021 and 2022.
    ("GEO", "USA", "M", 2021, "8703", 30.0), ("GEO", "JPN", "M", 2021, "8703", 10.0),
    ("GEO", "KAZ", "X", 2021, "8703", 4.0), ("GEO", "TUR", "X", 2021, "8703", 6.0),
    ("GEO", "USA", "M", 2022, "8703", 60.0), ("GEO", "JPN", "M", 2022, "8703", 20.0),
    ("GEO", "KAZ", "X", 2022, "8703", 40.0), ("GEO", "TUR", "X", 2022, "8703", 6.0),
]  # fmt: skip


def make_db(tmp_path):
    db = tmp_path / "s.duckdb"
    tradeflows.open(db).load_frame(flow_rows(ROWS), source="csv", label="hand-made")
    return db


def test_report_html_and_markdown(tmp_path):
    db = make_db(tmp_path)
    html, md = tmp_path / "r.html", tmp_path / "r.md"
    result = runner.invoke(app, ["report", "--basket", "cars", "--hub", "GEO", "--out", str(html), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "Wrote the html report on cars through Georgia" in result.output
    page = html.read_text()
    assert "Georgia: re-export routes for cars" in page and "annual leg values" in page
    result = runner.invoke(app, ["report", "-b", "cars", "--hub", "GEO", "--out", str(md), "-f", "md", "--db", str(db)])
    assert result.exit_code == 0, result.output
    text = md.read_text()
    # USA's share of Georgia's imports in 2022: 60/80, of 40 exported to Kazakhstan = 30
    assert "| 1 | USA → GEO → KAZ | $30 | $3 | ×10.0 | 75% |" in text
    assert "Targets: RUS, BLR, ARM, KAZ, KGZ" in text


def test_report_unknown_hub(tmp_path):
    out = tmp_path / "r.html"
    result = runner.invoke(
        app, ["report", "-b", "cars", "--hub", "ARM", "--out", str(out), "--db", str(make_db(tmp_path))]
    )
    assert result.exit_code == 1
    assert "Error: The store holds no figures reported by ARM" in result.output and not out.exists()


def test_one_command_from_the_shared_georgia_file(tmp_path):
    from tests.conftest import GEORGIA

    if not GEORGIA.exists():
        pytest.skip(f"real data not found at {GEORGIA}")
    db, out = tmp_path / "georgia.duckdb", tmp_path / "georgia.html"
    args = ["report", "-b", "cars", "--hub", "GEO", "--out", str(out), "--ingest", str(GEORGIA), "--db", str(db)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    page = out.read_bytes()
    again = runner.invoke(app, args)  # the file is already in the store: skipped, same report
    assert again.exit_code == 0, again.output
    assert out.read_bytes() == page and b"vehicle_trade_georgia.csv" in page
