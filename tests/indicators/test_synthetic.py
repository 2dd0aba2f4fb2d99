"""On a synthetic world the indicators find what was planted, and on the same world with
nothing planted they flag nothing beyond noise.

Thresholds, and why they can be defended:
- hub score: every (hub, basket) pair has planted re-exports (the hub surge covers all
  coalition -> hub sanctioned cells), so recall must be 1.0; in the unplanted world exports
  to the targets move with ordinary trend and noise (ratios within about 0.9-1.5) and must
  never reach the flag (x1.5 and 20% pass-through), so the false-positive rate must be 0.
- DiD: planted +30% into the hubs and -80% to the targets; other hubs sit among the controls
  and pull the estimate down a little, so within 5 points; unplanted: the 95% interval
  must cover 0 or the estimate be within 2%.
- new flows: every planted new flow must be found (recall 1.0) and nothing else among
  coalition -> hub cells (no ordinary cell starts from zero), in either world.
"""

from __future__ import annotations

import polars as pl
import pytest

from tradeflows.indicators import did, growth, hub_score, mirror_gap, new_flows, unit_value
from tradeflows.reference.chpl import get_chpl

BASELINE, AFTER = (2019, 2021), (2022, 2024)


def test_hub_score_recall_and_false_positives(worlds):
    (store, world, _), (null_store, _, _) = worlds
    planted_pairs = set(world.planted.filter(pl.col("kind") == "reexport_leg").select("hub", "basket").iter_rows())
    planted_pairs = {(h, "uavs" if b == "uav" else b) for h, b in planted_pairs}
    scored = hub_score(store, baseline=BASELINE, after=AFTER)
    flagged = set(scored.filter("flagged").select("hub", "basket").iter_rows())
    recall = len(flagged & planted_pairs) / len(planted_pairs)
    assert recall == 1.0
    null_scored = hub_score(null_store, baseline=BASELINE, after=AFTER)
    false_positive_rate = null_scored["flagged"].mean()
    assert len(null_scored) == len(scored) and false_positive_rate == 0.0
    # the components behind the ranking are shown, and the calibrated surge ranks first
    assert {"imports_ratio", "exports_to_target_ratio", "pass_through", "n_rows_imports"} <= set(scored.columns)
    assert scored.row(0, named=True)["hub"] == "KAZ"


def test_did_recovers_the_planted_relative_increase(worlds):
    (store, _, _), (null_store, _, _) = worlds
    result = {r["group"]: r for r in did(store, basket="chpl", treated="ARM,KAZ,KGZ").iter_rows(named=True)}
    assert result["ARM+KAZ+KGZ"]["pct_increase"] == pytest.approx(30, abs=5)
    assert result["targets"]["pct_increase"] == pytest.approx(-80, abs=5)
    assert result["ARM+KAZ+KGZ"]["p_value"] < 0.01 and result["ARM+KAZ+KGZ"]["n_clusters"] > 100
    for row in did(null_store, basket="chpl", treated="ARM,KAZ,KGZ").iter_rows(named=True):
        covers_zero = row["pct_ci_low"] <= 0 <= row["pct_ci_high"]
        assert covers_zero or abs(row["pct_increase"]) < 2


def test_new_flows_recall_and_false_positives(worlds):
    (store, world, _), (null_store, _, _) = worlds
    chpl = set(get_chpl().codes)
    planted = {p for p in world.planted.filter(pl.col("kind") == "new_flow").select("exporter", "importer", "hs")
               .iter_rows() if p[2] in chpl}  # fmt: skip
    # The planted cells keep their ordinary size (thousands to millions of USD): a low threshold.
    found = new_flows(store, basket="chpl", reporter="coalition", partner="hubs", baseline=BASELINE, after=AFTER,
                      min_usd=1e3)  # fmt: skip
    flagged = set(found.filter("flagged").select("reporter", "partner", "hs").iter_rows())
    assert planted and planted <= flagged  # recall 1.0
    assert flagged <= planted  # false positives: none
    null_found = new_flows(null_store, basket="chpl", reporter="coalition", partner="hubs", baseline=BASELINE,
                           after=AFTER, min_usd=1e3)  # fmt: skip
    assert null_found.filter("flagged").is_empty()


def test_unit_value_finds_the_planted_underpricing(worlds):
    (store, world, _), (null_store, _, _) = worlds
    result = unit_value(store, basket="smartphones", reporter="ARE", partner="RUS", baseline=BASELINE, after=AFTER,
                        per="unit")  # fmt: skip
    after = result.filter(pl.col("period") == "after")
    assert after["flagged"].all() and (after["robust_z"] < 0).all()
    null = unit_value(null_store, basket="smartphones", baseline=BASELINE, after=AFTER, per="unit")
    assert null["flagged"].mean() < 0.01  # a robust z beyond 3.5 is rare under noise


def test_mirror_gap_finds_the_planted_unrecorded_imports(worlds):
    (store, _, _), (null_store, _, _) = worlds
    gaps = mirror_gap(store, basket="chpl", reporter="DEU,ITA", partner="KGZ,UZB", baseline=BASELINE, after=AFTER)
    by_pair = {(r["exporter"], r["importer"]): r for r in gaps.iter_rows(named=True)}
    assert by_pair[("DEU", "KGZ")]["gap_share_after"] > 0.5 > abs(by_pair[("DEU", "KGZ")]["gap_share_baseline"])
    null = mirror_gap(null_store, basket="chpl", reporter="DEU,ITA", partner="KGZ,UZB", baseline=BASELINE, after=AFTER)
    assert null["gap_share_after"].abs().max() < 0.2


def test_published_figures_hold_in_the_calibrated_world(worlds):
    """The world is calibrated on published figures; growth must read them back exactly."""
    (store, _, _), _ = worlds
    # Chinese exports of CHPL goods to Kazakhstan and Kyrgyzstan: +64% on 2019-2021.
    chpl = growth(store, basket="chpl", reporter="CHN", partner="KAZ,KGZ", baseline=BASELINE, after=AFTER)
    assert chpl.filter(pl.col("period") == "2022-2024")["ratio"][0] == pytest.approx(1.64)
    # Kazakhstan's computer imports, 2022 about 7x 2021: the world surges HS 847130-847150 only,
    # so the figure is read on those codes (all of 8471 also holds unsurged 847160/847170).
    computers = growth(store, basket=["847130", "847141", "847149", "847150"], reporter="KAZ", flow="M",
                       baseline=2021, after=2022)  # fmt: skip
    assert computers["ratio"][0] == pytest.approx(7.0)
    # UN Comtrade: car imports 2022/2021 of Armenia 5.7x and Georgia 1.8x.
    cars = growth(store, basket="cars", reporter="ARM,GEO", flow="M", baseline=2021, after=2022)
    assert dict(zip(cars["reporter"], cars["ratio"], strict=True)) == pytest.approx({"ARM": 5.7, "GEO": 1.8})


def test_unit_value_change_separates_the_planted_route(worlds):
    (store, _, _), _ = worlds
    result = unit_value(store, basket="smartphones", partner="RUS", baseline=BASELINE, after=AFTER, per="unit")
    after = result.filter(pl.col("period") == "after")
    planted = after.filter(pl.col("reporter") == "ARE")["z_change"]
    others = after.filter(pl.col("reporter") != "ARE")["z_change"]
    # x0.4 is a fall of ln(2.5) = 0.92 in log price: many robust deviations, where others move little
    assert (planted < -3).all() and others.abs().max() < planted.abs().min()


def test_growth_flags_the_planted_surges_and_nothing_in_the_null_world(worlds):
    (store, _, _), (null_store, _, _) = worlds
    baskets = ["cars", "computers", "smartphones", "uavs", "chpl"]
    kwargs = dict(basket=baskets, reporter="hubs", partner="targets", flow="X", baseline=BASELINE, after=AFTER)
    planted = growth(store, **kwargs).filter(pl.col("period") == "2022-2024")
    null = growth(null_store, **kwargs).filter(pl.col("period") == "2022-2024")
    # every hub's exports of every basket to the targets carry the planted re-export leg
    assert planted["flagged"].mean() >= 0.9
    assert null["flagged"].sum() == 0 and null["ratio"].max() < 2
