"""The one translation from DuckDB's dialect to Spark's: every view, every indicator and the
route legs translate, and the rules that keep DuckDB's meaning hold (no Spark needed here)."""

from __future__ import annotations

import pytest

pytest.importorskip("sqlglot", reason="the translation needs sqlglot: pip install 'tradeflows[spark]'")

from tradeflows.engines.transpile import tables_in, to_spark, view_to_spark  # noqa: E402
from tradeflows.errors import QueryError  # noqa: E402
from tradeflows.indicators import INDICATORS, compute  # noqa: E402
from tradeflows.indicators.testing import load_rows  # noqa: E402
from tradeflows.store.views import VIEWS_SQL  # noqa: E402


@pytest.mark.parametrize("sql", VIEWS_SQL, ids=lambda sql: view_to_spark(sql)[0])
def test_every_view_translates(sql):
    name, query = view_to_spark(sql)
    assert sql.split(" AS", 1)[0].strip().endswith(name)
    assert query.startswith(("SELECT", "WITH"))
    assert "BY NAME" not in query  # Spark has no UNION BY NAME in SQL


class Recorder:
    """Runs queries on DuckDB and keeps their text, to translate what the indicators really send."""

    name = "recorder"

    def __init__(self, store):
        self.store, self.queries = store, []

    @property
    def path(self):
        return self.store.path

    def sql(self, query):
        from tradeflows.engines import DuckDBEngine

        self.queries.append(query)
        return DuckDBEngine(self.store).sql(query)


@pytest.mark.parametrize("name", list(INDICATORS))
def test_every_query_an_indicator_sends_translates(name, store):
    rows = [dict(year=y, reporter=r, partner=p, hs="870323", value_usd=v, flow=f)
            for y, v in ((2021, 10.0), (2022, 30.0))
            for r, p, f in (("DEU", "KAZ", "X"), ("KAZ", "RUS", "X"), ("KAZ", "DEU", "M"))]  # fmt: skip
    load_rows(store, rows)
    recorder = Recorder(store)
    try:
        compute(name, recorder, basket="cars", baseline="2021", after="2022")
    except Exception:  # an indicator may find too little data here; its queries were sent all the same
        pass
    assert recorder.queries
    for query in recorder.queries:
        assert to_spark(query)


def test_percentile_stays_exact():
    query = "SELECT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY v) FROM t"
    assert to_spark(query) == "SELECT PERCENTILE(v, 0.5) FROM t"  # not PERCENTILE_APPROX


def test_division_by_zero_stays_null():
    assert to_spark("SELECT a / b FROM t") == "SELECT TRY_DIVIDE(a, b) FROM t"


def test_a_list_sorted_by_another_column_is_refused():
    with pytest.raises(QueryError, match="sorts by its own values"):
        to_spark("SELECT list(a ORDER BY b) FROM t")


def test_sql_that_is_not_duckdb_is_reported():
    with pytest.raises(QueryError, match="Cannot read the SQL"):
        to_spark("SELECT FROM WHERE (")


def test_only_views_translate_as_views():
    with pytest.raises(QueryError, match="Expected CREATE VIEW"):
        view_to_spark("SELECT 1")


def test_tables_in_skips_ctes():
    assert tables_in("WITH a AS (SELECT * FROM figures) SELECT * FROM a JOIN products p ON TRUE") == [
        "figures", "products"]  # fmt: skip
