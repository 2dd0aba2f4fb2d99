"""The ingest log as a reader sees it: which files a store holds, when each was loaded.

>>> import tempfile, pathlib, tradeflows
>>> from tradeflows.indicators.testing import load_rows
>>> store = tradeflows.open(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
>>> load_rows(store, [dict(year=2021, reporter="GEO", partner="RUS", hs="870323", value_usd=5.0)])
>>> ingest_log(store).select("ingest_id", "source", "rows_kept").rows()
[(1, 'test', 1)]
>>> data_as_of(ingest_log(store)) is not None, data_as_of(ingest_log(store).clear())
(True, None)
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from tradeflows.engines import Engine
    from tradeflows.store import Store

LOG_COLUMNS = ("ingest_id", "source", "file", "sha256", "rows_read", "rows_kept", "rows_quarantined", "finished_at")


def ingest_log(store: Store | Engine) -> pl.DataFrame:
    """One row per ingest run, in order: ``LOG_COLUMNS``, ``file`` its name without the folder
    (a report published elsewhere should not show the analyst's paths)."""
    frame = store.sql(f"SELECT {', '.join(LOG_COLUMNS)} FROM ingests ORDER BY ingest_id")
    return frame.with_columns(pl.col("file").str.replace(r"^.*[\\/]", ""))


def data_as_of(log: pl.DataFrame) -> datetime | None:
    """When the last run of ``log`` finished (None for an empty store): the date a report shows."""
    return None if log.is_empty() else log["finished_at"].max()  # type: ignore[return-value]
