"""The store as a partitioned Parquet dataset: what Spark, DuckDB and polars read when the
data outgrow one DuckDB file, or when another engine runs the same definitions.

Layout under the dataset folder::

    flows/year=2021/reporter=GEO/data_0.parquet   the flows table, hive-partitioned
    ingests.parquet, countries.parquet, comtrade_codes.parquet, products.parquet
    manifest.json                                  the store state it was written from

Unlike ``export_parquet`` (one file in the canonical schema, for moving rows to another
store), the dataset is a copy of the store: ``ingest_id`` is kept, so each row still
points to its ingest run in ``ingests.parquet``. The partition columns live in the
folder names only (hive style); every reader below puts them back as columns.

``manifest.json`` records the store's state (last ingest run, runs, rows): a dataset whose
state differs from the store's is stale and ``ensure_dataset`` writes it again.

>>> import tempfile, pathlib, tradeflows
>>> from tradeflows.indicators.testing import load_rows
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> store = tradeflows.open(folder / "s.duckdb")
>>> load_rows(store, [dict(year=2021, reporter="GEO", partner="RUS", hs="870323", value_usd=5.0)])
>>> store.export_dataset(folder / "s.parquet")
1
>>> sorted(p.name for p in (folder / "s.parquet" / "flows").iterdir())
['year=2021']
>>> scan_dataset(folder / "s.parquet").select("year", "reporter", "value_usd").collect().row(0)
(2021, 'GEO', 5.0)
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl

from tradeflows.errors import ParameterError, StoreError
from tradeflows.schema import FLOW_COLUMNS
from tradeflows.store.plan import quote_ident, quote_literal

DEFAULT_PARTITION = ("year", "reporter")
# Besides flows: what the views join (countries, products), where rows came from (ingests),
# which rows a later file superseded and what each file holds (store/vintages.py).
SIDE_TABLES = ("ingests", "countries", "comtrade_codes", "products", "superseded", "held")
MANIFEST = "manifest.json"
FORMAT = "tradeflows-dataset"
VERSION = 2  # 2: superseded and held beside flows
# Only columns that are never NULL can name a folder (a NULL has no folder name of its own).
PARTITIONABLE = tuple(c.name for c in FLOW_COLUMNS if not c.nullable and c.name != "value_usd")


def dataset_path(store_path: Path) -> Path:
    """Where a store's dataset is cached: beside it, ``tradeflows.duckdb`` -> ``tradeflows.parquet/``."""
    return store_path.with_suffix(".parquet")


def store_state(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """What a dataset must match to be current: the last ingest run, the runs and the rows."""
    last, runs = con.execute("SELECT coalesce(max(ingest_id), 0), count(*) FROM ingests").fetchone()
    (rows,) = con.execute("SELECT count(*) FROM flows").fetchone()
    return {"last_ingest": int(last), "ingests": int(runs), "rows": int(rows)}


def read_manifest(path: Path) -> dict | None:
    """The dataset's manifest, or None when ``path`` holds no tradeflows dataset."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and manifest.get("format") == FORMAT else None


def check_partition(partition_by: Sequence[str]) -> tuple[str, ...]:
    columns = tuple(c.strip() for c in partition_by if c.strip())
    bad = [c for c in columns if c not in PARTITIONABLE]
    if bad or len(set(columns)) != len(columns):
        raise ParameterError(
            f"partition_by={list(partition_by)!r}: expected distinct columns among {', '.join(PARTITIONABLE)} "
            "(columns that are never NULL), e.g. year,reporter"
        )
    return columns


def export_dataset(
    con: duckdb.DuckDBPyConnection, path: Path, *, partition_by: Sequence[str] = DEFAULT_PARTITION, store: str = ""
) -> dict:
    """Write the store behind ``con`` to the dataset folder ``path``; returns the manifest.

    The dataset is written beside ``path`` and moved into place when complete, so a reader
    never sees half of one. An existing folder is replaced only if it is a dataset itself.
    """
    partition = check_partition(partition_by)
    if path.exists() and any(path.iterdir()) and read_manifest(path) is None:
        raise StoreError(
            f"{path} exists and is not a tradeflows dataset (no {MANIFEST}); refusing to replace it. "
            "Give an empty or new folder."
        )
    state = store_state(con)
    part = path.with_name(path.name + ".part")
    shutil.rmtree(part, ignore_errors=True)
    part.mkdir(parents=True)
    columns = ", ".join(quote_ident(c.name) for c in FLOW_COLUMNS)
    order = ", ".join((*partition, "ingest_id", "line"))
    options = "FORMAT parquet, COMPRESSION zstd"
    if partition:
        options += f", PARTITION_BY ({', '.join(partition)})"
    target = part / "flows" if partition else part / "flows" / "data_0.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"COPY (SELECT {columns} FROM flows ORDER BY {order}) TO {quote_literal(str(target))} ({options})")
    for name in SIDE_TABLES:
        con.execute(f"COPY {name} TO {quote_literal(str(part / (name + '.parquet')))} (FORMAT parquet)")
    manifest = {"format": FORMAT, "version": VERSION, "store": store, "state": state, "partition_by": list(partition)}
    (part / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    old = path.with_name(path.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if path.exists():
        path.rename(old)
    part.rename(path)
    shutil.rmtree(old, ignore_errors=True)
    return manifest


def is_current(path: Path, state: dict[str, int]) -> bool:
    """Whether the dataset at ``path`` was written from a store in ``state``."""
    manifest = read_manifest(path)
    return manifest is not None and manifest.get("version") == VERSION and manifest.get("state") == state


def scan_dataset(path: Path | str) -> pl.LazyFrame:
    """The dataset's flows as a polars LazyFrame in the canonical schema (partition columns restored)."""
    path = Path(path)
    manifest = read_manifest(path)
    if manifest is None:
        raise StoreError(f"{path} is not a tradeflows dataset (no {MANIFEST}); write one with `tradeflows export`.")
    schema = {c.name: c.polars_type for c in FLOW_COLUMNS}
    partition = manifest["partition_by"]
    frame = pl.scan_parquet(
        path / "flows", hive_partitioning=bool(partition), hive_schema={c: schema[c] for c in partition} or None
    )
    return frame.select([pl.col(name).cast(kind) for name, kind in schema.items()])


def duckdb_flows_sql(path: Path | str) -> str:
    """A DuckDB query over the dataset's flows in the canonical schema, e.g. for ``FROM (...)``."""
    path = Path(path)
    manifest = read_manifest(path)
    if manifest is None:
        raise StoreError(f"{path} is not a tradeflows dataset (no {MANIFEST}); write one with `tradeflows export`.")
    glob = quote_literal(str(path / "flows" / "**" / "*.parquet"))
    columns = ", ".join(f"CAST({quote_ident(c.name)} AS {c.sql_type}) AS {quote_ident(c.name)}" for c in FLOW_COLUMNS)
    hive = "true" if manifest["partition_by"] else "false"
    return f"SELECT {columns} FROM read_parquet({glob}, hive_partitioning = {hive})"
