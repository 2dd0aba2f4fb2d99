"""Every indicator's SQL is one portable statement: sqlglot reads it as DuckDB and writes Spark SQL
(the engine issue 9 runs the same definitions on)."""

from __future__ import annotations

import pytest

from tradeflows.indicators import INDICATORS, make_scope
from tradeflows.indicators.testing import load_rows

sqlglot = pytest.importorskip("sqlglot")

OPTIONS = {"hub-score": {"origin": "DEU"}, "pass-through": {"origin": "DEU"}, "did": {"treated": "KAZ"}}
FORBIDDEN = ("GROUP BY ALL", "QUALIFY", "$", "LIST(", "STRUCT_PACK")


@pytest.mark.parametrize("name", list(INDICATORS))
def test_indicator_sql_transpiles_to_spark(name, store):
    load_rows(store, [dict(year=2021, reporter="DEU", partner="KAZ", hs="870323", value_usd=1.0)])
    scope = make_scope(store, basket="cars", reporter="DEU", partner="KAZ", baseline=2021, after=2022)
    entry = INDICATORS[name]
    text = entry.sql(scope, entry.settings(**OPTIONS.get(name, {})))
    assert not any(token in text.upper() for token in FORBIDDEN)
    spark = sqlglot.transpile(text, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)
    assert len(spark) == 1 and "SELECT" in spark[0]


def test_a_scope_needs_no_store_only_the_codes_an_engine_holds():
    import polars as pl

    held = pl.DataFrame({"hs_version": [2022], "hs_level": [6], "hs": ["870323"]})
    scope = make_scope(None, basket="cars", reporter="GEO", baseline=2021, after=2022, held=held)
    assert scope.baskets.select("code", "via").rows() == [("8703", "hs6")]
