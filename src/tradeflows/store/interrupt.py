"""Ctrl-C that stops a running DuckDB query.

DuckDB's Python client does not look at Python's signals while a query runs, so
Ctrl-C during a long ingest or query would wait for the query to finish.
``interruptible`` has Python's C-level signal handler write to a pipe
(``signal.set_wakeup_fd``), which it does even while the main thread is inside
DuckDB; a watcher thread reading the pipe calls ``connection.interrupt()``. The
query then fails, its transaction is rolled back, and ``KeyboardInterrupt``
reaches the caller as it would for Python code.

SIGTERM (``kill``, a scheduler's timeout) is taken the same way, as ``SystemExit(143)``,
where Python's default would end the process at once: the transaction is rolled back and
temporary files (a zip's extracted member, a transcoded copy) are removed on the way out.

>>> import duckdb
>>> with duckdb.connect() as con, interruptible(con):
...     con.execute("SELECT 42").fetchall()
[(42,)]
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb


@contextmanager
def interruptible(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Within the block, SIGINT interrupts ``con``'s running query and raises ``KeyboardInterrupt``."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) in (
        signal.SIG_IGN,
        signal.SIG_DFL,
        None,
    ):
        yield  # only the main thread can take signals; an ignored Ctrl-C stays ignored
        return
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    try:
        previous = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    except (ValueError, OSError):  # Windows takes only sockets here: Ctrl-C then waits for the query
        os.close(read_end)
        os.close(write_end)
        yield
        return
    stop, requested, terminated = threading.Event(), threading.Event(), threading.Event()
    previous_term = signal.getsignal(signal.SIGTERM)
    if previous_term is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _exit_on_term)

    def watch() -> None:
        while not stop.is_set():
            data = os.read(read_end, 64)
            if not data or stop.is_set():
                return
            if signal.SIGTERM in data:
                terminated.set()
            if signal.SIGINT in data or signal.SIGTERM in data:
                requested.set()
                con.interrupt()

    watcher = threading.Thread(target=watch, name="tradeflows-interrupt", daemon=True)
    watcher.start()
    try:
        yield
    except BaseException as exc:
        # DuckDB reports the interrupted query as InterruptException, or on some paths
        # as RuntimeError("Query interrupted"); to the caller it is Ctrl-C either way.
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        if terminated.is_set():
            raise SystemExit(_TERMINATED) from None
        if requested.is_set() or _interrupted(exc):
            raise KeyboardInterrupt from None
        raise
    finally:
        if previous_term is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.set_wakeup_fd(previous)
        stop.set()
        os.write(write_end, b"\0")
        watcher.join()
        os.close(read_end)
        os.close(write_end)


_TERMINATED = 128 + signal.SIGTERM  # the exit status a shell reports for a process ended by SIGTERM


def _exit_on_term(signum: int, frame: object) -> None:
    raise SystemExit(_TERMINATED)


def _interrupted(exc: BaseException) -> bool:
    # DuckDB may notice Ctrl-C itself before the watcher does, and say so in a RuntimeError.
    return isinstance(exc, duckdb.InterruptException) or (
        isinstance(exc, RuntimeError) and "interrupted" in str(exc).lower()
    )
