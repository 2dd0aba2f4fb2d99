"""The one-pass load of clean files leaves the store exactly as the staging query does.

Each file below is ingested twice, with the one-pass load (store/onepass.py: compact for a
clean BACI file) and with the staging query alone (store/stage.py), both rendered from one
plan (store/plan.py); flows, quarantine and the ingest log must be identical. The values are the ones where a
typed reader and the stage's text cleaning could disagree.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from polars.testing import assert_frame_equal

import tradeflows
from tradeflows.store import loader

HEADER = "t,i,j,k,v,q\n"
GOOD = "2022,842,268,870323,12.5,3.25\n"

CASES = {
    "clean": GOOD + "2022,251,51,10121,1.5,\n2023,842,643,847130,0.001,NA\n",
    "clean numbers": GOOD + "2022,251,51,10121,1.5,2\n2023,842,643,847130,0.001,0.5\n",
    "padded numbers": GOOD + "2022, 842,268,870323, 12.5 ,3\n",
    "padded hs": GOOD + "2022,842,268, 870323,12.5,3\n",
    "decimal year": GOOD + "2022.0,842,268,870323,12.5,3\n",
    "exponent and sign": GOOD + "2022,842,268,870323,1e3,+5\n",
    "not finite": GOOD + "2022,842,268,870323,inf,3\n",
    "negative": GOOD + "2022,842,268,870323,-5,3\n",
    "missing tokens": GOOD + "2022,842,268,870323,12.5,..\n2022,842,268,870322,12.5,nan\n2022,842,268,870321,NA,1\n",
    "comma decimal": GOOD + '2022,842,268,870323,"1,5",3\n',
    "hex": GOOD + "2022,842,268,870323,0x10,3\n",
    "leading zeros code": GOOD + "2022,0842,268,870323,12.5,3\n",
    "unknown country": GOOD + "2022,999,268,870323,12.5,3\n",
    "bad hs": GOOD + "2022,842,268,1012100,12.5,3\n2022,842,268,abc,1,1\n",
    "zero quantity": GOOD + "2022,842,268,870324,12.5,0\n",
    "repeated record": GOOD + GOOD,
    "repeated record, code written two ways": GOOD + "2022,840,268,870323,12.5,3.25\n",
    "quoted": GOOD + '"2022","842","268","870324","12.5","3"\n',
    "cut last line": GOOD + "2022,842,268,870324,12.5,3",
    "short line": GOOD + "2022,842,268\n",
    "long line": GOOD + "2022,842,268,870324,12.5,3,9\n",
    "huge value": GOOD + "2022,842,268,870324,5e12,3\n",
    "year out of range": GOOD + "1900,842,268,870324,5,3\n",
    "header only": "",
}


def _ingest(path: Path, db: Path) -> tuple:
    store = tradeflows.open(db)
    report = store.ingest([path], source="baci_hs17")
    return (
        (report.rows_read, report.rows_kept, report.rows_quarantined),
        store.sql("SELECT * EXCLUDE (ingest_id) FROM flows ORDER BY line, hs"),
        store.sql("SELECT * EXCLUDE (ingest_id, file) FROM quarantine ORDER BY line"),
        store.sql("SELECT source, file, sha256, rows_read, rows_kept, rows_quarantined, note FROM ingests"),
    )


def _as_parquet(csv: Path, form: str) -> Path:
    """The CSV as Parquet: columns typed as DuckDB sniffs them, or all text."""
    path = csv.with_suffix(f".{form}.parquet")
    options = ", all_varchar = true" if form == "text" else ""
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT * FROM read_csv('{csv}'{options})) TO '{path}' (FORMAT parquet)")
    return path


@pytest.mark.parametrize("form", ["csv", "typed", "text"])
@pytest.mark.parametrize("case", CASES)
def test_fast_path_and_stage_agree(case: str, form: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "baci.csv"
    path.write_text(HEADER + CASES[case])
    if form != "csv":
        if case in ("header only", "cut last line", "short line", "long line", "comma decimal"):
            pytest.skip("not a table DuckDB writes as Parquet")
        path = _as_parquet(path, form)
    taken = []
    real = loader._load_clean
    monkeypatch.setattr(loader, "_load_clean", lambda *a, **k: taken.append(r := real(*a, **k)) or r)
    fast = _ingest(path, tmp_path / "fast.duckdb")
    monkeypatch.setattr(loader, "_load_clean", lambda *a, **k: None)
    staged = _ingest(path, tmp_path / "stage.duckdb")
    assert fast[0] == staged[0]
    for ours, theirs in zip(fast[1:], staged[1:], strict=True):
        assert_frame_equal(ours, theirs)
    if (case, form) in (("clean", "csv"), ("clean numbers", "csv"), ("clean numbers", "typed")):
        assert taken[0] is not None, "a clean BACI file is loaded in one pass"
    if fast[0][2]:  # a file with quarantined rows always goes through the stage
        assert taken[0] is None


def test_a_second_ingest_of_the_same_file_is_skipped_and_replace_reloads(tmp_path: Path) -> None:
    path = tmp_path / "baci.csv"
    path.write_text(HEADER + CASES["clean"])
    store = tradeflows.open(tmp_path / "s.duckdb")
    first = store.ingest([path], source="baci_hs17").files[0]
    assert (first.status, first.rows_kept) == ("loaded", 3)
    assert store.ingest([path], source="baci_hs17").files[0].status == "skipped"
    again = store.ingest([path], source="baci_hs17", replace=True).files[0]
    assert (again.status, again.rows_kept) == ("replaced", 3)
    assert store.sql("SELECT count(*) AS n, count(DISTINCT ingest_id) AS runs FROM flows").row(0) == (3, 1)


def test_rows_read_in_parallel_keep_their_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB reads a file this size (about 30 MB) in several pieces at once; each row must
    still carry its own line. The value of each row is its line number."""
    path = tmp_path / "baci.csv"
    rows = 1_000_000
    path.write_text(HEADER + "".join(f"2022,842,268,870323,{line},1\n" for line in range(2, rows + 2)))
    taken = []
    real = loader._load_clean
    monkeypatch.setattr(loader, "_load_clean", lambda *a, **k: taken.append(r := real(*a, **k)) or r)
    store = tradeflows.open(tmp_path / "s.duckdb")
    assert store.ingest([path], source="baci_hs17").rows_kept == rows
    assert taken[0] is not None, "loaded in one pass"
    check = store.sql("SELECT count(*) AS n, count(*) FILTER (WHERE value_usd <> line * 1000.0) AS wrong FROM flows")
    assert check.row(0) == (rows, 0)
