"""Routes for every HS6 product the store holds, for one target (Russia) and one year (2023).

Ours: ``find_routes``, the call behind ``tradeflows routes`` (leg values in SQL,
proportional allocation and ranking in polars, the indicators' flags on each leg).
Baseline: the same job in plain pandas from the rows at rest: leg values (the exporter's
figure, else the importer's brought to FOB), each origin's share of a hub's imports of a
product, applied to the hub's exports of it to Russia, summed over products, 2023 against
the 2019-2021 mean, ranked by change. Target (issue 16): we are at least 3 times faster at
10M rows; ours does more (the source preference, two-hub routes where asked, the flags).
"""

from __future__ import annotations

import pandas as pd
from bench import BASELINE, BenchData, Result, measured, pandas_baseline, record, rounds_for

from tradeflows.reference.groups import BUILTIN_GROUPS
from tradeflows.routes import find_routes
from tradeflows.store import open_store

TARGET, YEAR = "RUS", 2023
B_YEARS = (2019, 2020, 2021)
COALITION, HUBS = BUILTIN_GROUPS["coalition"].members, BUILTIN_GROUPS["hubs"].members
CIF = 1.05
ROUTES_MIN_VS_PANDAS = 3.0  # issue 16's target for routes (the other analytics: 5x)


def pandas_routes(parquet, codes: list[str]) -> pd.DataFrame:
    flows = pd.read_parquet(parquet, columns=["year", "reporter", "partner", "flow", "hs_level", "hs", "value_usd"])
    flows = flows[(flows["hs_level"] == 6) & flows["hs"].isin(codes) & flows["year"].isin([*B_YEARS, YEAR])]
    involved = list(HUBS) + [TARGET]
    flows = flows[flows["reporter"].isin(involved) | flows["partner"].isin(involved)]
    keys = ["year", "exporter", "importer", "hs"]
    x = flows[flows["flow"] == "X"].rename(columns={"reporter": "exporter", "partner": "importer"})
    m = flows[flows["flow"] == "M"].rename(columns={"reporter": "importer", "partner": "exporter"})
    x = x.groupby(keys)["value_usd"].sum()
    m = m.groupby(keys)["value_usd"].sum() / CIF
    legs = x.combine_first(m).rename("value_usd").reset_index()  # the exporter's figure, else the mirror

    into_hubs = legs[legs["importer"].isin(HUBS)].copy()
    into_hubs["share"] = into_hubs["value_usd"] / into_hubs.groupby(["year", "importer", "hs"])["value_usd"].transform(
        "sum"
    )
    into_hubs = into_hubs[into_hubs["exporter"].isin(COALITION)]
    out = legs[legs["exporter"].isin(HUBS) & (legs["importer"] == TARGET)]
    routes = into_hubs.merge(out, left_on=["year", "importer", "hs"], right_on=["year", "exporter", "hs"],
                             suffixes=("_in", "_out"))  # fmt: skip
    routes = routes.rename(columns={"exporter_in": "origin", "importer_in": "hub"})
    routes["value_usd"] = routes["share"] * routes["value_usd_out"]
    by_year = routes.groupby(["origin", "hub", "year"])["value_usd"].sum().unstack("year", fill_value=0.0)
    baseline = by_year.reindex(columns=list(B_YEARS), fill_value=0.0).mean(axis=1)
    ranked = pd.DataFrame({"value_usd": by_year.get(YEAR, 0.0), "baseline_usd": baseline})
    ranked["change_usd"] = ranked["value_usd"] - ranked["baseline_usd"]
    return ranked.sort_values("change_usd", ascending=False)


def test_routes_all_products(data: BenchData, benchmark, request) -> None:
    store = open_store(data.store, create=False)
    codes = store.sql("SELECT DISTINCT hs FROM flows WHERE hs_level = 6 ORDER BY hs")["hs"].to_list()
    rounds = rounds_for(request.config, data.rows)
    found: list = []
    seconds = measured(benchmark, lambda: found.append(
        find_routes(store, codes, targets=TARGET, years=YEAR, baseline=BASELINE)), rounds=rounds)  # fmt: skip
    pandas, out = pandas_baseline(pandas_routes, data.canonical, codes, rounds=rounds)
    routes = (
        found[-1].routes.filter(found[-1].routes["hub2"].is_null())
        if "hub2" in found[-1].routes.columns
        else found[-1].routes
    )
    assert routes.height > 0 and (pandas is None or len(out) > 0)
    record(Result("routes, every HS6 product, one target and year", data.rows, seconds, {"pandas": pandas},
                  {"pandas": ("min", ROUTES_MIN_VS_PANDAS)},
                  note=f"{len(codes)} HS6 codes" + ("" if pandas is not None else f"; {out}")))  # fmt: skip
