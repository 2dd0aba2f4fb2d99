"""Typical ``tradeflows sql`` aggregations, through ``Store.sql`` (the path the CLI uses:
a read-only connection, the query checked, the result as a polars DataFrame).

Baseline: the same aggregations in plain pandas from the rows at rest (the canonical
Parquet file the store was loaded from). Target: we are at least 5 times faster.
"""

from __future__ import annotations

import pandas as pd
from bench import ANALYTICS_MIN_VS_PANDAS, BenchData, Result, measured, pandas_baseline, record, rounds_for

from tradeflows.store import open_store

QUERIES = {
    # Each reporter's exports by year, from the annual view.
    "exports by reporter and year":
        "SELECT year, reporter, sum(value_usd) AS value_usd FROM annual WHERE flow = 'X' "
        "GROUP BY year, reporter ORDER BY year, reporter",
    # Russia's imports rebuilt from its partners' exports, by supplier and HS chapter.
    "mirror imports of RUS by supplier and chapter":
        "SELECT year, reporter AS supplier, left(hs, 2) AS chapter, sum(value_usd) AS value_usd FROM annual "
        "WHERE flow = 'X' AND partner = 'RUS' GROUP BY ALL ORDER BY ALL",
    # The 20 largest HS6 products of 2023 in world exports, straight from flows.
    "top 20 products of 2023":
        "SELECT hs, sum(value_usd) AS value_usd, count(*) AS rows FROM flows WHERE year = 2023 AND flow = 'X' "
        "GROUP BY hs ORDER BY value_usd DESC LIMIT 20",
}  # fmt: skip


def pandas_queries(parquet) -> list[pd.DataFrame]:
    flows = pd.read_parquet(parquet, columns=["year", "reporter", "partner", "flow", "hs", "value_usd"])
    x = flows[flows["flow"] == "X"]
    by_reporter = x.groupby(["year", "reporter"], as_index=False)["value_usd"].sum()
    rus = x[x["partner"] == "RUS"]
    mirror = rus.groupby(["year", "reporter", rus["hs"].str[:2].rename("chapter")])["value_usd"].sum().reset_index()
    top = (x[x["year"] == 2023].groupby("hs")["value_usd"].agg(["sum", "size"])
           .sort_values("sum", ascending=False).head(20))  # fmt: skip
    return [by_reporter, mirror, top]


def test_sql_aggregations(data: BenchData, benchmark, request) -> None:
    store = open_store(data.store, create=False)
    rounds = rounds_for(request.config, data.rows)
    results: list = []
    seconds = measured(benchmark, lambda: results.append([store.sql(q) for q in QUERIES.values()]), rounds=rounds)
    pandas, theirs = pandas_baseline(pandas_queries, data.canonical, rounds=rounds)
    ours = results[-1]
    if pandas is not None:
        assert ours[0].height == len(theirs[0]) and ours[2]["hs"].to_list() == theirs[2].index.to_list()
    record(Result(f"sql: {len(QUERIES)} typical aggregations", data.rows, seconds,
                  {"pandas": pandas}, {"pandas": ("min", ANALYTICS_MIN_VS_PANDAS)}, note=theirs if pandas is None else ""))  # fmt: skip
