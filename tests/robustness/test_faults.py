"""Faults: an ingest killed or interrupted half-way, a store held by another process,
and `tradeflows sql` asked to change the store. After each, the store holds exactly
what it held before (every row of every table compared) and the next ingest completes.

The ingests run in subprocesses so that they can really be killed; a run is known to
have started when its scratch folder (``tradeflows-*`` under its TMPDIR) appears.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

import tradeflows
from tests.robustness.support import cli, python, snapshot, write_big_comtrade
from tests.robustness.test_bad_input import HEADER, accounted, line
from tradeflows.cli import app

BIG_ROWS = 80_000  # an ingest of about a second: long enough to be caught half-way


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    path = tmp_path_factory.mktemp("big") / "big_comtrade.csv"
    return path, write_big_comtrade(path, BIG_ROWS)


def small_store(folder: Path) -> Path:
    path = folder / "store.duckdb"
    small = folder / "small.csv"
    small.write_text("\n".join([HEADER, line(), line(partner_code="398", trade_value_us="7")]) + "\n")
    tradeflows.open(path).ingest([small])
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A store that already holds one small file: the state a failed ingest must leave alone."""
    return small_store(tmp_path)


@pytest.fixture(scope="module")
def query_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """One store for the read-only tests, with its content."""
    path = small_store(tmp_path_factory.mktemp("query"))
    return path, snapshot(path)


def same(before: dict, after: dict) -> bool:
    try:
        for table in before:
            assert_frame_equal(before[table], after[table])
    except AssertionError:
        return False
    return True


def wait_for_ingest_start(tmp: Path, process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not any(tmp.glob("tradeflows-*")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the ingest did not start"
        time.sleep(0.02)


def assert_next_ingest_completes(db: Path, big_file: tuple[Path, float]) -> None:
    store = tradeflows.Store(db)
    report = store.ingest([big_file[0]])
    assert [(f.status, f.rows_kept) for f in report.files] == [("loaded", BIG_ROWS)]
    assert accounted(store) == (BIG_ROWS + 2, BIG_ROWS + 2, 0)
    total = store.sql("SELECT sum(value_usd) AS v FROM flows WHERE ingest_id = ?", [report.files[0].ingest_id])
    assert total["v"][0] == big_file[1]


# A writer that stops just before COMMIT, every row already inserted in its transaction.
_STOP_BEFORE_COMMIT = """
import sys, time
from contextlib import contextmanager
import tradeflows
from tradeflows.store.store import Store

class Stopping:
    def __init__(self, con):
        self._con = con
    def execute(self, sql, *args):
        if sql == "COMMIT":
            print("committing", flush=True)
            time.sleep(120)
        return self._con.execute(sql, *args)
    def __getattr__(self, name):
        return getattr(self._con, name)

connect = Store.connect
@contextmanager
def stopping(self, *, read_only=True):
    with connect(self, read_only=read_only) as con:
        yield con if read_only else Stopping(con)
Store.connect = stopping
tradeflows.Store(sys.argv[1]).ingest([sys.argv[2]])
"""


def test_sigkill_just_before_commit_leaves_the_store_as_it_was(db, big_file, tmp_path):
    before = snapshot(db)
    code = _STOP_BEFORE_COMMIT.replace("sys.argv[1]", repr(str(db))).replace("sys.argv[2]", repr(str(big_file[0])))
    writer = python(code)
    try:
        assert writer.stdout.readline().strip() == "committing", writer.stderr.read()
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(30)
    assert writer.returncode == -signal.SIGKILL
    assert same(before, snapshot(db))
    assert_next_ingest_completes(db, big_file)


@pytest.mark.parametrize("delay", [0.0, 0.5])
def test_sigkill_at_any_moment_leaves_the_store_before_or_after_the_ingest(db, big_file, tmp_path, delay):
    before = snapshot(db)
    writer = python(f"import tradeflows; tradeflows.Store({str(db)!r}).ingest([{str(big_file[0])!r}])",
                    TMPDIR=str(tmp_path))  # fmt: skip
    wait_for_ingest_start(tmp_path, writer)
    time.sleep(delay)
    finished = writer.poll() is not None
    writer.send_signal(signal.SIGKILL)
    writer.wait(30)
    after = snapshot(db)
    if finished or not same(before, after):
        # Killed after COMMIT: then the whole file is in, not a row less.
        assert accounted(tradeflows.Store(db)) == (BIG_ROWS + 2, BIG_ROWS + 2, 0)
        return
    assert same(before, after)
    assert_next_ingest_completes(db, big_file)


def test_ctrl_c_during_an_ingest_exits_130_and_leaves_the_store_intact(db, big_file, tmp_path):
    before = snapshot(db)
    process = cli("ingest", str(big_file[0]), "--db", str(db), TMPDIR=str(tmp_path))
    wait_for_ingest_start(tmp_path, process)
    # Soon after the run starts: the one-pass load of a clean file can finish in a few
    # tenths of a second on a quiet machine, and a signal after it would find nothing to stop.
    time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Interrupted: nothing was committed by the unfinished step." in err
    assert "Traceback" not in err
    assert same(before, snapshot(db))
    assert_next_ingest_completes(db, big_file)


def test_ctrl_c_during_a_long_query_exits_130(db, tmp_path):
    before = snapshot(db)
    process = cli("sql", "SELECT sum(i % 7) AS s FROM range(100000000000) t(i)", "--db", str(db))
    time.sleep(2.5)  # imports done, the query running (it would take minutes)
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert time.monotonic() - started < 10  # the query stopped; it did not run to its end
    assert "Interrupted" in err and "Traceback" not in err
    assert same(before, snapshot(db))


# -- another process holds the store ------------------------------------------------------

_HOLD = "import sys, time, tradeflows\nwith tradeflows.Store({db!r}).connect(read_only=False):\n    print('holding', flush=True)\n    time.sleep(120)\n"  # noqa: E501


@pytest.fixture
def held(db):
    """The store held open for writing by another process."""
    holder = python(_HOLD.format(db=str(db)))
    assert holder.stdout.readline().strip() == "holding", holder.stderr.read()
    yield holder
    holder.kill()
    holder.wait(30)


def test_a_second_writer_gets_a_clear_error_naming_the_holder(db, held, tmp_path):
    small = tmp_path / "more.csv"
    small.write_text(HEADER + "\n" + line(partner_code="417") + "\n")
    started = time.monotonic()
    expected = rf"in use by another process \(PID {held.pid}\).*waited 0.5 s"
    with pytest.raises(tradeflows.StoreLockedError, match=expected):
        tradeflows.Store(db, lock_timeout=0.5).ingest([small])
    assert 0.5 <= time.monotonic() - started < 5


def test_cli_ingest_into_a_held_store_exits_1_without_a_traceback(db, held, tmp_path):
    small = tmp_path / "more.csv"
    small.write_text(HEADER + "\n" + line(partner_code="417") + "\n")
    process = cli("ingest", str(small), "--db", str(db), TRADEFLOWS_LOCK_TIMEOUT="0.5")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1, err
    assert f"Error: The store {db} is in use by another process (PID {held.pid})" in err
    assert "is being written by another process" in err  # said while it waited
    assert "Traceback" not in err


def test_the_store_is_usable_once_the_other_writer_is_gone(db, held, tmp_path):
    held.kill()  # it held the store without writing: the two rows of the small file remain
    held.wait(30)
    small = tmp_path / "more.csv"
    small.write_text(HEADER + "\n" + line(partner_code="417") + "\n")
    tradeflows.Store(db).ingest([small])
    assert accounted(tradeflows.Store(db)) == (3, 3, 0)


# -- `tradeflows sql` cannot change anything ---------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "INSERT INTO flows SELECT * FROM flows",
        "DELETE FROM flows",
        "UPDATE flows SET value_usd = 0",
        "DROP TABLE flows",
        "CREATE TABLE x AS SELECT 1",
        "CREATE OR REPLACE VIEW annual AS SELECT 1",
        "ALTER TABLE flows ADD COLUMN x INT",
        "ATTACH '{tmp}/other.duckdb' AS other",
        "COPY flows TO '{tmp}/out.csv'",
        "EXPORT DATABASE '{tmp}/export'",
        "INSTALL httpfs",
        "SET enable_external_access = false",
        "CHECKPOINT",
        "SELECT 1; DROP TABLE flows",
    ],
)
def test_sql_refuses_anything_but_a_query_and_the_store_is_unchanged(query_db, tmp_path, query):
    db, before = query_db
    query = query.format(tmp=tmp_path)
    result = CliRunner().invoke(app, ["sql", query, "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert "Error: Refused a" in result.output
    assert "tradeflows sql` runs read-only queries" in result.output
    assert same(before, snapshot(db))
    assert not [p.name for p in tmp_path.iterdir()]  # no file was written either


def test_sql_still_reads_files_and_the_store(query_db, tmp_path):
    db, _ = query_db
    extra = tmp_path / "extra.csv"
    extra.write_text("a,b\n1,2\n3,4\n")
    got = tradeflows.Store(db).sql(f"SELECT sum(a) AS a, (SELECT count(*) FROM flows) AS n FROM read_csv('{extra}')")
    assert got.rows() == [(4, 2)]
