"""The indicator suite over the whole store, through the library functions the CLI calls.

The suite: growth of every reporter's exports to every partner (all goods, one basket of
every HS chapter), the mirror gap of every exporter-importer pair (all goods), and
pass-through and hub score of the hubs for the sanctioned baskets. Baseline: the same
four jobs in plain pandas, from the same rows at rest (the canonical Parquet file the
store was loaded from). Target: we are at least 5 times faster.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from bench import (
    AFTER,
    ANALYTICS_MIN_VS_PANDAS,
    BASELINE,
    BenchData,
    Result,
    measured,
    pandas_baseline,
    record,
    rounds_for,
)

from tradeflows.indicators import INDICATORS
from tradeflows.reference.groups import BUILTIN_GROUPS
from tradeflows.store import open_store

ALL_GOODS = [f"{chapter:02d}" for chapter in range(1, 98)]
BASKETS = ["cars", "computers", "smartphones", "uavs", "chpl"]
B_YEARS, A_YEARS = (2019, 2020, 2021), (2022, 2023)
COALITION, HUBS, TARGETS = (BUILTIN_GROUPS[g].members for g in ("coalition", "hubs", "targets"))
CIF = 1.05


def ours(store) -> list:
    """The suite through the registry, as the CLI runs it: one scope resolved, the others derived."""
    growth, mirror, passes, hubs = (INDICATORS[n] for n in ("growth", "mirror-gap", "pass-through", "hub-score"))
    everything = growth.scope(store, basket=ALL_GOODS, baseline=BASELINE, after=AFTER)
    sanctioned = everything.replace(basket=BASKETS, reporter="hubs", partner="targets")
    return [
        growth.run(store, everything, growth.settings(by_partner=True)),
        mirror.run(store, everything),
        passes.run(store, sanctioned),
        hubs.run(store, sanctioned),
    ]


# -- the same jobs in pandas ----------------------------------------------------------------


def _means(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Baseline and after annual means of value_usd per ``keys`` (years without a row count as zero)."""
    wide = frame.pivot_table(index=keys, columns="year", values="value_usd", aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(columns=[*B_YEARS, *A_YEARS], fill_value=0.0)
    return pd.DataFrame({"baseline": wide[list(B_YEARS)].mean(axis=1), "after": wide[list(A_YEARS)].mean(axis=1)})


def pandas_suite(parquet, baskets: pd.DataFrame) -> list[pd.DataFrame]:
    flows = pd.read_parquet(parquet, columns=["year", "reporter", "partner", "flow", "hs_version", "hs_level", "hs",
                                              "value_usd"])  # fmt: skip
    flows = flows[flows["hs_level"] == 6]
    annual = flows.groupby(["year", "reporter", "partner", "flow", "hs_version", "hs"], as_index=False)[
        "value_usd"
    ].sum()

    # growth: every reporter's exports to each partner, each after year against the baseline mean, robust z.
    x = annual[annual["flow"] == "X"]
    series = x.pivot_table(index=["reporter", "partner"], columns="year", values="value_usd", aggfunc="sum",
                           fill_value=0.0)  # fmt: skip
    base = series[list(B_YEARS)]
    median = base.median(axis=1)
    mad = base.sub(median, axis=0).abs().median(axis=1)
    grown = pd.DataFrame({"baseline_usd": base.mean(axis=1)})
    for year in A_YEARS:
        grown[f"ratio_{year}"] = series[year] / grown["baseline_usd"].where(grown["baseline_usd"] > 0)
        grown[f"robust_z_{year}"] = (series[year] - median) / (1.4826 * mad.where(mad > 0))
    grown["flagged"] = (grown.filter(like="ratio_") >= 2).any(axis=1) | (grown.filter(like="robust_z_") >= 3.5).any(
        axis=1
    )

    # mirror gap: o's exports to h against h's imports from o at FOB, over the years both sides reported.
    by_pair = annual.groupby(["year", "reporter", "partner", "flow"], as_index=False)["value_usd"].sum()
    exports = by_pair[by_pair["flow"] == "X"].rename(columns={"reporter": "exporter", "partner": "importer"})
    imports = by_pair[by_pair["flow"] == "M"].rename(columns={"reporter": "importer", "partner": "exporter"})
    both = exports.merge(imports, on=["year", "exporter", "importer"], suffixes=("_x", "_m"))
    both["value_usd"] = both["value_usd_x"]
    gap = _means(both, ["exporter", "importer"]).join(
        _means(both.assign(value_usd=both["value_usd_m"] / CIF), ["exporter", "importer"]), rsuffix="_m"
    )
    gap["gap_share_baseline"] = (gap["baseline"] - gap["baseline_m"]) / gap["baseline"]
    gap["gap_share_after"] = (gap["after"] - gap["after_m"]) / gap["after"]
    rise = gap["after"] - gap["baseline"]
    gap["unreported_increase_share"] = ((rise - (gap["after_m"] - gap["baseline_m"])) / rise).where(rise > 0)

    # pass-through and hub score: the hubs' trade in the sanctioned baskets.
    six = baskets[baskets["code_level"] == 6][["basket", "hs_version", "code"]].rename(columns={"code": "hs"})
    four = baskets[baskets["code_level"] == 4][["basket", "hs_version", "code"]].rename(columns={"code": "hs4"})
    hub_rows = annual[annual["reporter"].isin(HUBS) | annual["partner"].isin(HUBS)]
    by_heading = hub_rows.assign(hs4=hub_rows["hs"].str[:4]).merge(four, on=["hs_version", "hs4"])
    in_basket = pd.concat([hub_rows.merge(six, on=["hs_version", "hs"]), by_heading])
    hub_imports = in_basket[(in_basket["flow"] == "M") & in_basket["reporter"].isin(HUBS)
                            & in_basket["partner"].isin(COALITION)]  # fmt: skip
    hub_exports = in_basket[(in_basket["flow"] == "X") & in_basket["reporter"].isin(HUBS)]
    to_targets = hub_exports[hub_exports["partner"].isin(TARGETS)]
    imp, tgt = _means(hub_imports, ["reporter", "basket"]), _means(to_targets, ["reporter", "basket"])
    passed = imp.join(tgt, how="outer", lsuffix="_imports", rsuffix="_exports").fillna(0.0)
    d_imp = passed["after_imports"] - passed["baseline_imports"]
    d_exp = passed["after_exports"] - passed["baseline_exports"]
    passed["pass_through"] = (np.minimum(d_imp, d_exp) / d_imp).where(d_imp > 0)

    origin_exports = in_basket[(in_basket["flow"] == "X") & in_basket["reporter"].isin(COALITION)
                               & in_basket["partner"].isin(HUBS)]  # fmt: skip
    score = _means(origin_exports, ["partner", "basket"]).rename_axis(["reporter", "basket"])
    score = score.join(tgt, how="outer", rsuffix="_tgt").join(_means(hub_exports, ["reporter", "basket"]),
                                                              how="outer", rsuffix="_all")  # fmt: skip
    score["imports_ratio"] = np.log(score["after"] / score["baseline"].where(score["baseline"] > 0))
    score["exports_to_target_ratio"] = np.log(
        score["after_tgt"] / score["baseline_tgt"].where(score["baseline_tgt"] > 0)
    )
    score["target_share_change_pp"] = 100 * (score["after_tgt"] / score["after_all"]
                                             - score["baseline_tgt"] / score["baseline_all"])  # fmt: skip
    score["pass_through"] = passed["pass_through"]
    components = ["imports_ratio", "exports_to_target_ratio", "target_share_change_pp", "pass_through"]
    score["score"] = score[components].rank(pct=True).mean(axis=1)
    return [grown, gap, passed, score.sort_values("score", ascending=False)]


def test_indicator_suite(data: BenchData, benchmark, request) -> None:
    store = open_store(data.store, create=False)
    rounds = rounds_for(request.config, data.rows)
    frames: list = []
    seconds = measured(benchmark, lambda: frames.append(ours(store)), rounds=rounds)
    assert all(not f.is_empty() for f in frames[-1])
    baskets = INDICATORS["hub-score"].scope(store, basket=BASKETS).baskets.to_pandas()
    pandas, out = pandas_baseline(pandas_suite, data.canonical, baskets, rounds=rounds)
    if pandas is not None:
        # The same answers where they are the same definition: the hubs' pass-through.
        ours_pt = frames[-1][2].filter(frames[-1][2]["pass_through"].is_not_null())
        assert ours_pt.height == out[2]["pass_through"].notna().sum()
    record(Result("indicator suite (growth, mirror gap, pass-through, hub score)", data.rows, seconds,
                  {"pandas": pandas}, {"pandas": ("min", ANALYTICS_MIN_VS_PANDAS)}, note=out if pandas is None else ""))  # fmt: skip
