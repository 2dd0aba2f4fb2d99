"""The embedded DuckDB store: canonical tables, ingest runs, quarantine, views."""

from tradeflows.store.loader import FileResult, IngestReport
from tradeflows.store.store import Store, open_store

__all__ = ["FileResult", "IngestReport", "Store", "open_store"]
