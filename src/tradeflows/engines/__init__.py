"""Engines that run the store's definitions: DuckDB on the store file (the default) or
Spark on its Parquet dataset, from the same SQL text (``transpile`` translates it).

>>> import tempfile, pathlib, tradeflows
>>> store = tradeflows.open(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
>>> open_engine("duckdb", store=store).name
'duckdb'
>>> spark = open_engine("spark", store=store)  # doctest: +SKIP
>>> tradeflows.indicators.hub_score(spark, baseline="2019-2021", after="2022-2024")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tradeflows.engines.base import Engine
from tradeflows.engines.duckdb import DuckDBEngine
from tradeflows.errors import ParameterError

if TYPE_CHECKING:
    from tradeflows.store import Store

EngineName = Literal["duckdb", "spark"]
ENGINES: tuple[str, ...] = ("duckdb", "spark")


def open_engine(
    name: EngineName = "duckdb", *, store: Store | None = None, dataset: Path | str | None = None, session: Any = None,
    keep_views: bool = False,
) -> Engine:
    """An engine over ``store``: DuckDB on the file, or Spark on its Parquet dataset.

    ``keep_views``: DuckDB keeps one connection and the views its queries read, computed once
    (``DuckDBEngine``): for one command's queries.

    For Spark, ``dataset`` is a dataset folder used as it is (``tradeflows export DIR
    --partition year,reporter``); without it, the store's own dataset beside the store
    (``NAME.parquet/``), written again first when the store has changed since.
    ``session`` is a SparkSession to use instead of Spark's configured one.
    """
    if name == "duckdb":
        if store is None:
            raise ParameterError("engine duckdb runs on a store: pass store= (or --db)")
        return DuckDBEngine(store, keep_views=keep_views)
    if name == "spark":
        from tradeflows.engines.spark import SparkEngine

        if dataset is None:
            if store is None:
                raise ParameterError("engine spark needs a store (--db) or a dataset folder (--dataset)")
            dataset = store.current_dataset()
        return SparkEngine(dataset, session=session)
    raise ParameterError(f"engine={name!r}: expected one of {', '.join(ENGINES)}")


def as_engine(target: Store | Engine) -> Engine:
    """An engine for a function given a store or an engine: a store runs on DuckDB."""
    from tradeflows.store import Store

    return DuckDBEngine(target) if isinstance(target, Store) else target


__all__ = ["ENGINES", "DuckDBEngine", "Engine", "EngineName", "as_engine", "open_engine"]
