"""Small hand-made stores for examples and tests: canonical rows from a few dicts.

>>> canonical_rows([dict(year=2021, reporter="GEO", partner="RUS", hs="870323", value_usd=5.0)])["hs_level"].to_list()
[6]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from tradeflows.schema import FLOW_COLUMNS, flows_schema, infer_hs_version

if TYPE_CHECKING:
    from tradeflows.store import Store


def canonical_rows(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows of the flows table from dicts holding at least year, reporter, partner, hs, value_usd.

    Defaults: flow X, annual, the HS revision in force in the year, mode TOTAL, partner
    basis destination for exports and origin for imports, no quantities.
    """
    full = []
    for row in rows:
        flow = row.get("flow", "X")
        full.append({
            "source": "test", "ingest_id": 0, "line": None, "month": None, "partner2": None, "flow": flow,
            "hs_version": infer_hs_version(row["year"]), "hs_level": len(row["hs"]), "cif_usd": None,
            "fob_usd": None, "qty": None, "qty_unit": None, "net_kg": None, "qty_flag": None, "mode": "TOTAL",
            "customs": None, "partner_basis": "origin" if flow in ("M", "RM") else "destination", **row,
        })  # fmt: skip
    return pl.DataFrame(full, schema=flows_schema()).select(c.name for c in FLOW_COLUMNS)


def load_rows(store: Store, rows: list[dict[str, Any]], *, source: str = "test") -> None:
    """Load hand-made rows into ``store`` as one ingest run."""
    store.load_frame(canonical_rows(rows), source=source, label="hand-made rows")
