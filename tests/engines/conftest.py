"""Spark for the engine tests: one local[2] session for the whole run, skipped with the
reason when pyspark or Java is missing; a small synthetic world and the real Comtrade
files, each with a DuckDB and a Spark engine over the same data."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import tradeflows
from tradeflows.engines import DuckDBEngine, open_engine
from tradeflows.synthetic import WorldConfig, generate_world

# Few countries and products, so that Spark's fixed cost per query dominates, not the data.
SMALL_WORLD = WorldConfig(
    countries=("DEU", "FRA", "USA", "JPN", "ARM", "GEO", "KAZ", "KGZ", "TUR", "ARE", "RUS", "BLR", "CHN", "IND"),
    products=("847130", "847150", "870323", "851713", "880621", "854231", "080810", "271019"),
    years=tuple(range(2018, 2025)),
)


def _java_available() -> bool:
    home = os.environ.get("JAVA_HOME")
    return shutil.which("java") is not None or bool(home and (Path(home) / "bin" / "java").exists())


@pytest.fixture(scope="session")
def spark_session():
    pytest.importorskip("pyspark", reason="pyspark is not installed: pip install 'tradeflows[spark]'")
    if not _java_available():
        pytest.skip("Spark needs Java 17+: no `java` on PATH and no JAVA_HOME")
    from tradeflows.engines.spark import spark_session as start

    session = start("local[2]")
    # Tiny data: a few shuffle partitions instead of 200 keep each query's fixed cost down.
    session.conf.set("spark.sql.shuffle.partitions", "4")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def small_world_store(tmp_path_factory: pytest.TempPathFactory) -> tradeflows.Store:
    store = tradeflows.open(tmp_path_factory.mktemp("world") / "world.duckdb")
    store.load_frame(generate_world(SMALL_WORLD).flows, source="synthetic", label="engine tests")
    return store


@pytest.fixture(scope="session")
def engines(spark_session, small_world_store, real_store) -> dict[str, tuple[DuckDBEngine, object]]:
    """{"synthetic": (duckdb, spark), "real": (duckdb, spark)} over the same stores."""
    pairs = {}
    for name, store in (("synthetic", small_world_store), ("real", real_store)):
        spark = open_engine("spark", store=store, session=spark_session)
        spark.session.conf.set("spark.sql.shuffle.partitions", "4")
        pairs[name] = (DuckDBEngine(store), spark)
    return pairs
