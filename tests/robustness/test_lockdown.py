"""`tradeflows sql` writes nothing, installs nothing, changes no setting, whatever the
statement and however it is wrapped; no output option overwrites the store.

EXPLAIN ANALYZE runs the statement it explains, so every kind is tried bare, in EXPLAIN,
in EXPLAIN ANALYZE and behind a comment with options. The store is compared table by table
with its state before, and the folder the statements name must stay empty.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import tradeflows
from tests.robustness.support import snapshot
from tests.robustness.test_faults import same, small_store
from tradeflows.cli import app

STATEMENTS = [
    "COPY (SELECT 42 AS answer) TO '{tmp}/out.csv'",
    "COPY flows TO '{tmp}/flows.parquet' (FORMAT parquet)",
    "COPY flows TO '{store}'",
    "EXPORT DATABASE '{tmp}/export'",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET threads = 1",
    "SET autoinstall_known_extensions = true",
    "RESET lock_configuration",
    "CALL pragma_version()",
    "PRAGMA enable_profiling",
    "ATTACH '{tmp}/other.duckdb' AS other",
    "CREATE TABLE x AS SELECT 1",
    "CREATE TEMP TABLE x AS SELECT 1",
    "INSERT INTO flows SELECT * FROM flows",
    "CHECKPOINT",
    "SELECT * FROM read_parquet('https://example.invalid/x.parquet')",
    "SELECT * FROM sqlite_scan('{tmp}/other.sqlite', 't')",
]
WRAPPERS = ["{}", "EXPLAIN {}", "EXPLAIN ANALYZE {}", "/* a comment */ explain (ANALYZE, FORMAT json) {}"]


@pytest.fixture(scope="module")
def query_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    path = small_store(tmp_path_factory.mktemp("query"))
    return path, snapshot(path)


def extensions() -> set[Path]:
    """Extension files DuckDB has installed for this user (none may appear)."""
    return set((Path.home() / ".duckdb").rglob("*.duckdb_extension"))


@pytest.mark.parametrize("wrapper", WRAPPERS)
@pytest.mark.parametrize("statement", STATEMENTS)
def test_no_statement_writes_installs_or_changes_settings(query_db, tmp_path, statement, wrapper):
    db, before = query_db
    installed = extensions()
    query = wrapper.format(statement.format(tmp=tmp_path, store=db))
    result = CliRunner().invoke(app, ["sql", query, "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ") and "Traceback" not in result.output
    assert same(before, snapshot(db))
    assert not list(tmp_path.iterdir())  # no file was written
    assert extensions() == installed


def test_explain_of_a_query_still_runs(query_db):
    db, _ = query_db
    for query in ("EXPLAIN SELECT count(*) FROM flows", "EXPLAIN ANALYZE SELECT count(*) FROM flows"):
        assert len(tradeflows.Store(db).sql(query)) == 1


def test_the_connection_itself_is_locked(query_db):
    """Second line of defence: were a statement to pass the check, DuckDB still refuses."""
    db, _ = query_db
    got = tradeflows.Store(db).sql(
        "SELECT current_setting('lock_configuration') AS locked, current_setting('autoload_known_extensions') AS "
        "autoload, current_setting('autoinstall_known_extensions') AS autoinstall"
    )
    assert got.rows() == [(True, False, False)]


def test_a_remote_file_is_refused_without_fetching_an_extension(query_db):
    db, _ = query_db
    installed = extensions()
    result = CliRunner().invoke(app, ["sql", "SELECT * FROM read_parquet('https://example.invalid/x.parquet')",
                                      "--db", str(db)])  # fmt: skip
    assert result.exit_code == 1
    assert "installs or loads no extension" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert extensions() == installed


def test_a_sqlite_file_as_store_is_refused_without_fetching_an_extension(tmp_path):
    import sqlite3

    path = tmp_path / "data.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE t (a)")
    installed = extensions()
    for args in (["sql", "SELECT 1"], ["ingest", str(path)]):
        result = CliRunner().invoke(app, [*args, "--db", str(path)])
        assert result.exit_code == 1
        assert result.output.strip() == (
            f"Error: {path} is a SQLite database, not a tradeflows store (a DuckDB file). Give a store with --db, "
            "or create one with `tradeflows ingest FILE --db NEW.duckdb`."
        )
    assert extensions() == installed
    with pytest.raises(duckdb.Error):  # still the SQLite file it was
        duckdb.connect(str(path), read_only=True, config={"autoload_known_extensions": False})


@pytest.mark.parametrize(
    "args",
    [
        ["sql", "SELECT 1 AS a", "--format", "csv", "--output", "{db}"],
        ["sql", "SELECT 1 AS a", "--format", "csv", "--output", "{db}.wal"],
        ["sql", "SELECT 1 AS a", "--format", "parquet", "--output", "{link}"],
        ["sql", "SELECT 1 AS a", "--format", "parquet", "--output", "{dataset}/flows/data_0.parquet"],
        ["quarantine", "--format", "json", "--output", "{db}"],
        ["export", "{db}"],
        ["export", "--output", "{link}"],
        ["export", "{folder}", "--partition", "year"],
        ["export", "{dataset}/flows", "--partition", "year"],
        ["report", "--basket", "cars", "--hub", "GEO", "--out", "{db}"],
    ],
)
def test_no_output_option_overwrites_the_store(tmp_path, args):
    db = small_store(tmp_path)
    link = tmp_path / "alias.duckdb"
    os.symlink(db, link)
    tradeflows.Store(db).current_dataset()  # the store's own dataset, beside it
    before, dataset = snapshot(db), tmp_path / "store.parquet"
    files = {p: p.stat().st_mtime_ns for p in dataset.rglob("*")}
    args = [a.format(db=db, link=link, folder=tmp_path, dataset=dataset) for a in args]
    result = CliRunner().invoke(app, [*args, "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: Refusing to write ") and len(result.output.strip().splitlines()) == 1
    assert same(before, snapshot(db))
    assert {p: p.stat().st_mtime_ns for p in dataset.rglob("*")} == files


def test_the_store_s_own_dataset_may_be_written_again(tmp_path):
    db = small_store(tmp_path)
    rows = tradeflows.Store(db).export_dataset(tmp_path / "store.parquet")
    assert rows == 2


def test_param_with_leading_zeros_stays_text(query_db):
    db, _ = query_db
    result = CliRunner().invoke(
        app, ["sql", "SELECT $h = '0101' AS same_text, typeof($h) AS t, $n + 1 AS n", "--db", str(db),
              "-p", "h=0101", "-p", "n=41", "--format", "csv"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "true,VARCHAR,42"
