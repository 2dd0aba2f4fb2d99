"""DuckDB against Spark on the same data: growth and hub score, from the same definitions.

Spark runs ``local[2]`` here (SPARK_MASTER overrides it), on the one machine DuckDB has to
itself: the figure is what switching engines costs where DuckDB suffices, not what Spark
gains on a cluster. Timed for each engine, on the store the other benchmarks build (about
2N rows, both sides of the world):

- DuckDB: growth (every reporter's sanctioned-basket exports by partner) and hub score,
  on the store file, as ``tradeflows indicators ... --engine duckdb`` runs them;
- Spark: the same two on a new engine over the store's Parquet dataset (the views the
  indicators read are materialised on the way, as in one CLI run); the session's start
  (JVM) and the dataset's export are timed apart, as one-off costs.

It runs only with TRADEFLOWS_BENCH_SPARK=1 (Spark takes minutes here), e.g.
``TRADEFLOWS_BENCH_SPARK=1 pytest benchmarks/test_engines.py --rows 1000000 -s``.
"""

from __future__ import annotations

import os
import time

import pytest
from bench import AFTER, BASELINE, BenchData, Result, measured, record, rounds_for

from tradeflows.engines import DuckDBEngine, open_engine
from tradeflows.indicators import INDICATORS
from tradeflows.store import open_store

BASKETS = ["cars", "computers", "smartphones", "uavs", "chpl"]


def both(engine) -> list:
    """Growth and the hub score through the registry, on one scope each engine resolves."""
    growth, hubs = INDICATORS["growth"], INDICATORS["hub-score"]
    scope = growth.scope(engine, basket=BASKETS, baseline=BASELINE, after=AFTER)
    return [growth.run(engine, scope, growth.settings(by_partner=True)),
            hubs.run(engine, scope.replace(reporter="hubs", partner="targets"))]  # fmt: skip


@pytest.mark.skipif(
    not os.environ.get("TRADEFLOWS_BENCH_SPARK"),
    reason="Spark takes minutes per size on this machine: run with TRADEFLOWS_BENCH_SPARK=1",
)
def test_engines_duckdb_vs_spark(data: BenchData, benchmark, request) -> None:
    pytest.importorskip("pyspark", reason="pip install 'tradeflows[spark]'")
    from tradeflows.engines.spark import spark_session

    store = open_store(data.store, create=False)
    rounds = rounds_for(request.config, data.rows)
    started = time.perf_counter()
    session = spark_session("local[2]")
    jvm = time.perf_counter() - started
    started = time.perf_counter()
    store.export_dataset(data.store.with_suffix(".parquet"))
    export = time.perf_counter() - started

    duck_frames: list = []
    duck = measured(benchmark, lambda: duck_frames.append(both(DuckDBEngine(store))), rounds=rounds)
    spark_frames: list = []
    started = time.perf_counter()
    for _ in range(rounds):
        spark_frames.append(both(open_engine("spark", store=store, session=session)))
    spark = (time.perf_counter() - started) / rounds
    assert [f.height for f in spark_frames[0]] == [f.height for f in duck_frames[0]]
    note = f"Spark session start {jvm:.1f} s; dataset export {export:.1f} s ({data.store_rows:,} rows)"
    record(Result("growth + hub score, Spark local[2] vs DuckDB", data.rows, spark, {"duckdb": duck}, note=note))
