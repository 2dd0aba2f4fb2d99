"""Readers while one writer ingests.

DuckDB lets one process write a store file or several processes read it, never both
at once. tradeflows makes that livable: a process that finds the store held waits
(up to TRADEFLOWS_LOCK_TIMEOUT seconds, saying so once) and then either gets in or
fails with StoreLockedError. So a reader sees the store as it was before an ingest
run or after it, never half-way, or it is told the store is busy.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import tradeflows
from tests.robustness.support import cli, python, write_big_comtrade
from tests.robustness.test_bad_input import HEADER, line

FILES, ROWS = 2, 15_000

_READER = """
import json, sys, time
from pathlib import Path
import tradeflows
store = tradeflows.Store({db!r}, lock_timeout={timeout})
stop = Path({stop!r})
while not stop.exists():
    try:
        n, v = store.sql("SELECT count(*) AS n, coalesce(sum(value_usd), 0) AS v FROM flows").row(0)
        print(json.dumps(["ok", n, v]), flush=True)
    except tradeflows.StoreLockedError as exc:
        print(json.dumps(["busy", str(exc)]), flush=True)
    time.sleep(0.02)
"""

_WRITER = """
import tradeflows
for path in {paths!r}:
    tradeflows.Store({db!r}, lock_timeout=60).ingest([path])
print("done", flush=True)
"""


@pytest.fixture
def files(tmp_path: Path) -> list[tuple[Path, float]]:
    out = []
    for i in range(FILES):
        path = tmp_path / f"part{i}.csv"
        total = write_big_comtrade(path, ROWS, offset=0.25 * i)
        out.append((path, total))
    return out


def test_readers_see_the_store_before_or_after_each_ingest_or_are_told_it_is_busy(tmp_path, files):
    db = tmp_path / "store.duckdb"
    tradeflows.open(db)
    # The consistent states: after 0, 1, 2 ... files, worked out from what was written.
    states = {(0, 0.0)}
    rows, value = 0, 0.0
    for _, total in files:
        rows, value = rows + ROWS, value + total
        states.add((rows, value))

    stop = tmp_path / "stop"
    readers = [python(_READER.format(db=str(db), timeout=0.3, stop=str(stop))) for _ in range(3)]
    time.sleep(1.0)  # the readers are querying
    writer = python(_WRITER.format(db=str(db), paths=[str(p) for p, _ in files]))
    out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0 and out.strip() == "done", err
    time.sleep(0.5)
    stop.touch()
    seen, busy = set(), 0
    for reader in readers:
        out, err = reader.communicate(timeout=60)
        assert reader.returncode == 0, err
        assert "Traceback" not in err
        for text in out.splitlines():
            kind, *rest = json.loads(text)
            if kind == "busy":
                busy += 1
                assert "in use by another process" in rest[0]
            else:
                assert tuple(rest) in states, f"a reader saw a partial store: {rest}"
                seen.add(tuple(rest))
    assert (0, 0.0) in seen and (rows, value) in seen  # before and after were both observed
    assert tradeflows.Store(db).sql("SELECT count(*) AS n FROM flows")["n"][0] == rows


def test_a_reader_waits_for_a_short_write_and_then_gets_the_new_rows(tmp_path):
    db = tmp_path / "store.duckdb"
    small = tmp_path / "small.csv"
    small.write_text(HEADER + "\n" + line() + "\n")
    tradeflows.open(db)
    hold = python(
        f"import time, tradeflows\nfrom pathlib import Path\n"
        f"with tradeflows.Store({str(db)!r}).connect(read_only=False):\n"
        f"    print('holding', flush=True)\n    time.sleep(1.0)\n"
        f"tradeflows.Store({str(db)!r}).ingest([{str(small)!r}])\nprint('done', flush=True)\n"
    )
    assert hold.stdout.readline().strip() == "holding"
    got = tradeflows.Store(db, lock_timeout=30).sql("SELECT count(*) AS n FROM flows")["n"][0]
    assert got in (0, 1)  # it got in between the two writes, or after both
    hold.communicate(timeout=60)
    assert tradeflows.Store(db).sql("SELECT count(*) AS n FROM flows")["n"][0] == 1


def test_cli_query_on_a_busy_store_says_so_and_exits_1(tmp_path):
    db = tmp_path / "store.duckdb"
    tradeflows.open(db)
    holder = python(
        f"import time, tradeflows\nwith tradeflows.Store({str(db)!r}).connect(read_only=False):\n"
        "    print('holding', flush=True)\n    time.sleep(120)\n"
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        process = cli("sql", "SELECT count(*) FROM flows", "--db", str(db), TRADEFLOWS_LOCK_TIMEOUT="0.5")
        out, err = process.communicate(timeout=60)
    finally:
        holder.kill()
        holder.wait(30)
    assert process.returncode == 1, err
    assert f"is being written by another process (PID {holder.pid}); retrying for up to 0.5 s" in err
    assert "Error: The store" in err and "in use by another process" in err
    assert "Traceback" not in err
