"""Helpers for the robustness tests: a large Comtrade file written fast, store snapshots,
and Python subprocesses that ingest or query a store."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl

import tradeflows
from tests.conftest import COMTRADE_HEADER, comtrade_row

PARTNERS = ("31", "40", "643", "398", "417", "51", "842", "251", "699", "757", "156", "792", "784")
TABLES = ("flows", "quarantine", "ingests", "products")


def write_big_comtrade(path: Path, rows: int, *, offset: float = 0.0) -> float:
    """A valid legacy Comtrade file of ``rows`` distinct rows; returns their total value_usd.
    ``offset`` is added to every value, to make files that differ."""
    base = comtrade_row()
    total = 0.0
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(COMTRADE_HEADER) + "\n")
        for i in range(rows):
            value = float(i % 1000 + 1) + offset
            total += value
            row = base | {
                "partner_code": PARTNERS[i % len(PARTNERS)], "month": str(1 + (i // 13) % 12),
                "year": str(2000 + (i // 156) % 25), "commodity_code": f"{1000 + (i // 3900) % 8000:04d}",
                "trade_value_us": str(value), "netweight_kg": str(i),
            }  # fmt: skip
            handle.write(",".join(row.values()) + "\n")
    return total


def snapshot(db: Path) -> dict[str, pl.DataFrame]:
    """Every row of the store's tables, in a stable order, for before/after comparisons."""
    store = tradeflows.Store(db, lock_timeout=30)
    return {t: store.sql(f"SELECT * EXCLUDE (started_at, finished_at) FROM {t} ORDER BY ALL")
            if t == "ingests" else store.sql(f"SELECT * FROM {t} ORDER BY ALL") for t in TABLES}  # fmt: skip


def python(code: str, **env: str) -> subprocess.Popen:
    """Start ``python -c code`` with the test's environment (plus ``env``); output is piped."""
    return subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONUNBUFFERED": "1"} | env,
    )


def cli(*args: str, **env: str) -> subprocess.Popen:
    """Start the installed ``tradeflows`` command (through ``python -m tradeflows``)."""
    return subprocess.Popen(
        [sys.executable, "-m", "tradeflows", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONUNBUFFERED": "1"} | env,
    )


_TEMPLATE: list[Path] = []


def fresh_store(path: Path) -> tradeflows.Store:
    """An empty store at ``path``, copied from one built once per test process (building
    one takes a tenth of a second or more; property tests need many)."""
    if not _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="tradeflows-template-"))
        tradeflows.open(folder / "empty.duckdb")
        _TEMPLATE.append(folder / "empty.duckdb")
    shutil.copyfile(_TEMPLATE[0], path)
    return tradeflows.Store(path)
