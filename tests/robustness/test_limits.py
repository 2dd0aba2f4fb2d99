"""Files at the edges: values that overflow a column's type, lines longer than DuckDB reads,
a header wider than any sample, bytes that are not text, a disk that refuses a write, an
ingest ended by SIGTERM. Each ends in a quarantined row with its reason or a one-line error.

Expected values are worked out from the lines each test writes.
"""

from __future__ import annotations

import signal
import subprocess
import time
import zipfile
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

import tradeflows
from tests.robustness.support import cli, snapshot, write_big_comtrade
from tests.robustness.test_bad_input import HEADER, accounted, line, quarantined, write
from tests.robustness.test_faults import same, small_store
from tradeflows.cli import app


# -- values out of the column's range ---------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("year", "99999", "year: '99999' is not a year 1950-2100"),
        ("year", "-40000", "year: '-40000' is not a year 1950-2100"),
        ("month", "300", "month: '300' is not a month 1-12"),
    ],
)
def test_a_value_overflowing_its_type_quarantines_the_row_not_the_file(store, tmp_path, column, value, reason):
    path = write(tmp_path, "\n".join([HEADER, line(), line(partner_code="398", **{column: value})]) + "\n")
    store.ingest([path])
    assert accounted(store) == (2, 1, 1)
    (got,) = quarantined(store)
    assert got[:3] == (3, column, value) and got[3].startswith(reason)


def test_a_canonical_parquet_year_with_a_fraction_is_quarantined_not_rounded(tmp_path):
    db = small_store(tmp_path)  # two rows, both of 2022
    exported = tmp_path / "flows.parquet"
    tradeflows.Store(db).export_parquet(exported)
    frame = pl.read_parquet(exported).with_columns(pl.Series("year", [2017.5, 2022.0]))
    frame.write_parquet(exported)
    other = tradeflows.open(tmp_path / "other.duckdb")
    other.ingest([exported])
    assert other.sql("SELECT year FROM flows").rows() == [(2022,)]
    ((column, value, reason),) = other.quarantine().select("column", "value", "reason").rows()
    assert (column, value) == ("year", "2017.5") and "is not SMALLINT" in reason


# -- long lines, wide headers ------------------------------------------------------------------


@pytest.mark.parametrize("size", [2_050_000, 3_000_000, 32_000_000], ids=["2.05MB", "3MB", "32MB"])
def test_every_line_whatever_its_length_ends_in_flows_or_quarantine(store, tmp_path, size):
    long = line(partner_code="398", commodity="y" * size)
    lines = [HEADER, line(), long, line(partner_code="417"), line(partner_code="51", trade_value_us="x")]
    store.ingest([write(tmp_path, "\n".join(lines) + "\n")])
    assert accounted(store) == (4, 2, 2)
    # later lines keep their numbers: the kept KGZ row is line 4, the bad value line 5
    assert store.sql("SELECT line, partner FROM flows ORDER BY line").rows() == [(2, "RUS"), (4, "KGZ")]
    got = store.quarantine().select("line", "reason", "raw").rows()
    assert [(n, "Maximum line size" in why) for n, why, _ in got] == [(3, True), (5, False)]
    assert got[0][2] == long  # the whole line, every byte of it


def test_a_header_of_ten_thousand_columns_is_read_whole(store, tmp_path):
    extra = [f"extra_{i}" for i in range(10_000)]
    header = ",".join([HEADER, *extra])
    assert len(header) > 1 << 16
    rows = [line(partner_code=p) + "," * len(extra) for p in ("398", "417", "51")]
    store.ingest([write(tmp_path, "\n".join([header, *rows]) + "\n")])
    assert accounted(store) == (3, 3, 0)


# -- not a text file, or not one DuckDB can read -------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)) * 8, "holds NUL bytes (the first at byte 7)"),
        ("\ufeffyear,month\n2022,1\n".encode("utf-16-le"), "the file is UTF-16 text"),
        ("\ufeffyear,month\n2022,1\n".encode("utf-16"), "the file is UTF-16 text"),
        (f"{HEADER},YEAR\n{line()},2022\n".encode(), "the header repeats the column(s) ['YEAR', 'year']"),
    ],
    ids=["elf", "utf16-le", "utf16-bom", "year-and-YEAR"],
)
def test_files_that_are_no_delimited_text_give_one_line_errors(tmp_path, content, message):
    path = write(tmp_path, content, name="data.csv")
    result = CliRunner().invoke(app, ["ingest", str(path), "--db", str(tmp_path / "s.duckdb")])
    assert result.exit_code == 1
    (error,) = result.output.strip().splitlines()
    assert error.startswith(f"Error: {path}: ") and message in error


# -- the disk refuses, the process is told to stop ------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 2 MB tmpfs (needs root and mount): a real 'No space left on device'."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_is_a_one_line_error(small_disk):
    big = small_disk.parent / "big.csv"
    write_big_comtrade(big, 40_000)  # about 6 MB: its rows do not fit in 2 MB
    result = CliRunner().invoke(app, ["ingest", str(big), "--db", str(small_disk / "s.duckdb")])
    assert result.exit_code == 1
    (error,) = result.output.strip().splitlines()
    assert error.startswith(f"Error: {big}: No space left on device while writing ")
    assert "nothing of this file was committed" in error


def test_a_full_scratch_folder_is_a_one_line_error(small_disk, tmp_path):
    big = tmp_path / "big.csv"
    write_big_comtrade(big, 40_000)
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.write(big, "big.csv")
    process = cli("ingest", str(archive), "--db", str(tmp_path / "s.duckdb"), TMPDIR=str(small_disk))
    _, err = process.communicate(timeout=120)
    assert process.returncode == 1, err
    assert "No space left on device while writing a scratch file" in err and "Traceback" not in err
    assert not list(small_disk.iterdir())  # the part written was removed


def test_sigterm_during_a_zip_ingest_removes_the_extracted_file(tmp_path):
    db = small_store(tmp_path)
    before = snapshot(db)
    big = tmp_path / "big.csv"
    write_big_comtrade(big, 300_000)
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.write(big, "big.csv")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    process = cli("ingest", str(archive), "--db", str(db), TMPDIR=str(scratch))
    deadline = time.monotonic() + 60
    while not list(scratch.glob("tradeflows-*/big.csv")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the extraction did not start"
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    assert not list(scratch.iterdir())  # extracted file and folder gone
    assert same(before, snapshot(db))


def test_a_true_memory_shortage_says_what_to_do(tmp_path, monkeypatch):
    from tradeflows.synthetic.files import write_comtrade_extract

    path = write_comtrade_extract(tmp_path / "extract.csv", 100_000)
    monkeypatch.setenv("TRADEFLOWS_INGEST_MEMORY", "20MB")
    result = CliRunner().invoke(app, ["ingest", str(path), "--db", str(tmp_path / "s.duckdb")])
    assert result.exit_code == 1
    (error,) = result.output.strip().splitlines()
    assert error.startswith(f"Error: {path}: out of memory at DuckDB's limit of 20MB for an ingest")
    assert error.endswith("Raise the limit, e.g. TRADEFLOWS_INGEST_MEMORY=4GB, or split the file.")
    monkeypatch.setenv("TRADEFLOWS_INGEST_MEMORY", "lots")
    result = CliRunner().invoke(app, ["ingest", str(path), "--db", str(tmp_path / "s.duckdb")])
    assert result.output.strip() == "Error: TRADEFLOWS_INGEST_MEMORY='lots': expected a size such as 1GB or 512MB"


def test_a_read_only_store_folder_is_a_one_line_error(small_disk, tmp_path):
    db = small_disk / "s.duckdb"
    small = tmp_path / "more.csv"
    small.write_text("\n".join([HEADER, line()]) + "\n")
    tradeflows.open(db)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    for target in (db, small_disk / "new.duckdb"):
        result = CliRunner().invoke(app, ["ingest", str(small), "--db", str(target)])
        assert result.exit_code == 1
        (error,) = result.output.strip().splitlines()
        assert error.startswith(f"Error: Cannot open the store {target}") and "Read-only file system" in error
