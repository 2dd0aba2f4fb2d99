"""Text from files reaches the terminal as text: never read as Rich markup, never as a
control sequence, in tables, messages and progress alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.robustness.test_bad_input import HEADER, line
from tradeflows.cli import app
from tradeflows.cli import output
from tradeflows.cli.output import visible

MARKUP = "[/] [bold]x[/bold] [excl. 8702] [link=file:///etc]y[/link]"
ESCAPES = "\x1b[2J\x1b]0;pwned\x07\r\u202eevil"


@pytest.fixture(autouse=True)
def wide(monkeypatch):
    """Tables as wide as their text, so a value is found on one line."""
    for each in (output.console, output.err_console):
        monkeypatch.setattr(each, "_width", 1000)


@pytest.fixture
def hostile_store(tmp_path: Path) -> tuple[Path, Path]:
    """A store whose file name, product name and a quarantined value hold markup and escapes."""
    name = tmp_path / "[red]trade\x1b[31m.csv"
    name.write_text(
        "\n".join([HEADER, line(commodity=f'"{MARKUP}"'), line(partner_code="398", trade_value_us=MARKUP)]) + "\n",
        encoding="utf-8",
    )
    db = tmp_path / "s.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(name), "--db", str(db)])
    assert result.exit_code == 0, result.output  # the report after COMMIT printed: no crash, no rerun "skipped"
    assert "[red]trade\\x1b[31m.csv" in result.output and "\x1b" not in result.output
    return db, name


def test_sql_prints_markup_and_escapes_as_text(hostile_store):
    db, _ = hostile_store
    query = f"SELECT description FROM products UNION ALL SELECT {ESCAPES!r}"
    result = CliRunner().invoke(app, ["sql", query, "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "[bold]x[/bold] [excl. 8702]" in result.output
    assert not set(result.output) & {"\x1b", "\x07", "\r", "\u202e"}
    assert "\\x1b[2J" in result.output


def test_quarantine_table_shows_the_value_as_it_is(hostile_store):
    db, _ = hostile_store
    result = CliRunner().invoke(app, ["quarantine", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert MARKUP in result.output
    assert "\x1b" not in result.output


def test_errors_show_control_characters_escaped(tmp_path):
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "gone\x1b[2J.csv"), "--db", str(tmp_path / "s.duckdb")])
    assert result.exit_code == 1
    assert "gone\\x1b[2J.csv" in result.output and "\x1b" not in result.output


def test_visible_keeps_text_and_line_breaks():
    assert visible("Côte d'Ivoire\tGEO\n[bold]") == "Côte d'Ivoire\tGEO\n[bold]"
    assert visible("\x9b31m") == "\\x9b31m"  # the one-byte CSI as well
