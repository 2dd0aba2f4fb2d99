"""Small hand-made stores for the routes tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

import tradeflows
from tradeflows.schema import flows_schema, infer_hs_version


def flow_rows(rows: list[tuple], *, source: str = "csv") -> pl.DataFrame:
    """Canonical flows from (reporter, partner, flow, year, hs, value_usd) tuples: annual, all modes."""
    schema = flows_schema()
    records = [
        {
            "source": source, "ingest_id": 0, "line": None, "year": year, "month": None, "reporter": reporter,
            "partner": partner, "partner2": None, "flow": flow, "hs_version": infer_hs_version(year),
            "hs_level": len(hs), "hs": hs, "value_usd": float(value), "cif_usd": None, "fob_usd": None, "qty": None,
            "qty_unit": None, "net_kg": None, "qty_flag": None, "mode": "TOTAL", "customs": None,
            "partner_basis": "origin" if flow == "M" else "destination",
        }
        for reporter, partner, flow, year, hs, value in rows
    ]  # fmt: skip
    return pl.DataFrame(records, schema=schema)


@pytest.fixture
def make_store(tmp_path: Path) -> Callable[..., tradeflows.Store]:
    """A store holding the given (reporter, partner, flow, year, hs, value_usd) rows."""

    def make(rows: list[tuple], name: str = "routes.duckdb") -> tradeflows.Store:
        store = tradeflows.open(tmp_path / name)
        store.load_frame(flow_rows(rows), source="csv", label="hand-made")
        return store

    return make
