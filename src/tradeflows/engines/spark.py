"""Spark: the same definitions on a Spark session, over the store's Parquet dataset.

``pip install 'tradeflows[spark]'`` brings pyspark; Spark runs on Java 17 or later. The
session is Spark's own ``SparkSession.builder.getOrCreate()``, so ``spark-submit
--master``, ``spark-defaults.conf`` and an already running session all apply;
``SPARK_MASTER`` (e.g. ``local[2]``, ``spark://host:7077``) sets the master when given.

The engine registers, in a session of its own (``newSession``: its temporary views and
SQL settings do not touch the caller's), the dataset's ``flows`` in the canonical types,
its side tables (``countries``, ``products`` ...) and the store's views translated from
their one DuckDB definition; queries are translated the same way
(``tradeflows.engines.transpile``) and come back as polars through Arrow.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa

from tradeflows.engines.transpile import split_ctes, tables_in, to_spark, view_to_spark
from tradeflows.errors import EngineError, QueryError
from tradeflows.schema import FLOW_COLUMNS
from tradeflows.store import dataset as ds
from tradeflows.store.views import VIEWS_SQL

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

INSTALL_HINT = "pip install 'tradeflows[spark]'"


def _pyspark() -> Any:
    try:
        import pyspark.sql
    except ImportError:
        raise EngineError(f"--engine spark needs pyspark, which is not installed: {INSTALL_HINT}") from None
    # Spark logs every failed query in full before raising; the engine raises it once, briefly.
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    logging.getLogger("py4j").setLevel(logging.WARNING)
    return pyspark.sql


def spark_session(master: str | None = None) -> SparkSession:
    """Spark's session, from Spark's own configuration (``master`` or SPARK_MASTER when given)."""
    sql = _pyspark()
    builder = sql.SparkSession.builder
    master = master or os.environ.get("SPARK_MASTER")
    fresh = sql.SparkSession.getActiveSession() is None
    if fresh:
        builder = builder.appName("tradeflows").config("spark.ui.showConsoleProgress", "false")
        if master:
            builder = builder.master(master)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # pyspark raises its own runtime errors; Java missing is the usual one
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EngineError(
            f"Could not start Spark ({message}). Spark needs Java 17+ on PATH or JAVA_HOME; "
            "check `java -version`, or run with --engine duckdb."
        ) from None
    if fresh:  # Spark's warnings (spills, long plans) would bury the result; errors still show
        session.sparkContext.setLogLevel("ERROR")
    return session


class SparkEngine:
    """Queries run by Spark over a tradeflows dataset (``Store.export_dataset``).

    ``session``: a SparkSession to run on (default: ``spark_session()``); ``materialise``:
    compute each view a query reads once and keep it (``_materialise``), and each CTE a
    query uses more than once once per query (``_split``), as DuckDB would.
    """

    name = "spark"

    def __init__(self, dataset: Path | str, *, session: SparkSession | None = None, materialise: bool = True) -> None:
        self.dataset = Path(dataset)
        self.materialise = materialise
        self._views: dict[str, str] = {}  # name -> query in Spark SQL, in definition order
        self._materialised: set[str] = set()
        self._queries = 0
        self.manifest = ds.read_manifest(self.dataset)
        if self.manifest is None:
            raise EngineError(
                f"{self.dataset} is not a tradeflows dataset (no {ds.MANIFEST}); write one with "
                "`tradeflows export DIR --partition year,reporter`, or leave --dataset out to use the store's."
            )
        base = session or spark_session()
        self.session = base.newSession()
        # A new session starts from the cluster's settings: keep the caller's SQL settings
        # (shuffle partitions, time zone ...).
        settings = getattr(base.conf, "getAll", {})  # pyspark 4
        for key, value in settings.items():
            if key.startswith("spark.sql.") and base.conf.isModifiable(key):
                self.session.conf.set(key, value)
        # Folder names are text; the flows view casts them to the canonical types.
        self.session.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        self._register()

    def __repr__(self) -> str:
        return f"SparkEngine({str(self.dataset)!r})"

    @property
    def path(self) -> Path:
        """The store the dataset was written from (the dataset itself when unknown)."""
        return Path(self.manifest.get("store") or self.dataset)

    def _register(self) -> None:
        reader = self.session.read
        if self.manifest["partition_by"]:
            reader = reader.option("basePath", str(self.dataset / "flows"))
        reader.parquet(str(self.dataset / "flows")).createOrReplaceTempView("__flows_files")
        columns = ", ".join(f"CAST({c.name} AS {c.sql_type}) AS {c.name}" for c in FLOW_COLUMNS)
        self._define("flows", to_spark(f"SELECT {columns} FROM __flows_files"))
        for name in ds.SIDE_TABLES:
            self.session.read.parquet(str(self.dataset / f"{name}.parquet")).createOrReplaceTempView(name)
        for sql in VIEWS_SQL:
            name, query = view_to_spark(sql)
            self._views[name] = query
            self._define(name, query)

    def _define(self, name: str, query: str) -> None:
        self.session.sql(f"CREATE OR REPLACE TEMPORARY VIEW {name} AS {query}")

    def _materialise(self, query: str) -> None:
        """Compute each view ``query`` reads (and the views those read) once per engine.

        The views build on each other (figures -> annual -> annual_hs4 ...); left as views,
        Spark would plan every query over the whole chain again, which costs more than the
        data. Each is computed in order into a local checkpoint (executors' memory and disk)
        and its name pointed at that, so later plans start from it.
        """
        wanted = set(tables_in(query)) & set(self._views)
        for name in reversed(self._views):  # a view's sources come before it
            if name in wanted:
                wanted |= set(tables_in(self._views[name])) & set(self._views)
        for name, view_query in self._views.items():
            if name in wanted and name not in self._materialised:
                self.session.sql(view_query).localCheckpoint(eager=True).createOrReplaceTempView(name)
                self._materialised.add(name)

    def sql(self, query: str) -> pl.DataFrame:
        """Translate ``query`` from DuckDB's dialect, run it on Spark, return polars."""
        text = to_spark(query)
        created: list[str] = []
        try:
            if self.materialise:
                self._materialise(text)
            frame = self.session.sql(self._split(text, created) if self.materialise else text)
            table = frame.toArrow() if hasattr(frame, "toArrow") else pa.Table.from_batches(frame._collect_as_arrow())
        except Exception as exc:  # Spark's AnalysisException, ParseException, SparkRuntimeException ...
            if type(exc).__module__.startswith(("pyspark", "py4j")):
                message = str(exc).strip()
                raise QueryError(f"Spark could not run the query: {message}\nTranslated SQL:\n{text}") from None
            raise
        finally:
            for name in created:
                self.session.catalog.dropTempView(name)
        return pl.from_arrow(table)  # type: ignore[return-value]

    def _split(self, text: str, created: list[str]) -> str:
        """The query with its CTEs as temporary views, those used more than once computed once
        (Spark would evaluate them at every reference; DuckDB computes them once)."""
        self._queries += 1
        split = split_ctes(text, f"__q{self._queries}_")
        if split is None:
            return text
        ctes, main = split
        for name, body, uses in ctes:
            frame = self.session.sql(body)
            (frame.localCheckpoint(eager=True) if uses > 1 else frame).createOrReplaceTempView(name)
            created.append(name)
        return main
