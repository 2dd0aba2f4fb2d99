"""Small hand-computed cases for each indicator's formula, and the reasons a figure cannot be computed."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

import tradeflows
from tradeflows.indicators import (
    excess,
    growth,
    hub_score,
    mirror_gap,
    new_flows,
    pass_through,
    target_share,
    unit_value,
)
from tradeflows.indicators.did import estimate
from tradeflows.indicators.testing import load_rows


@pytest.fixture
def make(tmp_path):
    def build(rows):
        store = tradeflows.open(tmp_path / "s.duckdb")
        load_rows(store, rows)
        return store

    return build


def row(year, reporter, partner, value, hs="870323", flow="X", **extra):
    return dict(year=year, reporter=reporter, partner=partner, hs=hs, flow=flow, value_usd=float(value), **extra)


def test_growth_robust_z_by_hand(make):
    store = make([row(2019, "GEO", "RUS", 100), row(2020, "GEO", "RUS", 120), row(2021, "GEO", "RUS", 80),
                  row(2022, "GEO", "RUS", 200)])  # fmt: skip
    r = growth(store, basket="cars", reporter="GEO", baseline="2019-2021", after=2022).row(0, named=True)
    # mean 100, median 100, absolute deviations 0, 20, 20 -> MAD 20
    assert r["baseline_usd"] == pytest.approx(100) and r["ratio"] == pytest.approx(2.0)
    assert r["robust_z"] == pytest.approx(100 / (1.4826 * 20))
    assert r["flagged"] and r["status"] == "ok" and r["reason"] is None and r["baseline_years"] == 3


def test_growth_missing_year_is_not_zero_and_zero_baseline_is_explained(make):
    # GEO reported nothing in 2020 (missing, not zero); to ARM it reported only other goods before 2022.
    store = make([row(2019, "GEO", "RUS", 100), row(2021, "GEO", "RUS", 200), row(2022, "GEO", "RUS", 300),
                  row(2019, "GEO", "ARM", 5, hs="080810"), row(2022, "GEO", "ARM", 50)])  # fmt: skip
    out = growth(store, basket="cars", reporter="GEO", baseline="2019-2021", after=2022, by_partner=True)
    by = {r["partner"]: r for r in out.iter_rows(named=True)}
    assert by["RUS"]["baseline_usd"] == pytest.approx(150) and by["RUS"]["baseline_years"] == 2
    assert by["ARM"]["status"] == "zero_baseline" and by["ARM"]["ratio"] is None
    assert "new-flows" in by["ARM"]["reason"]
    assert not any(isinstance(v, float) and not math.isfinite(v) for v in out.select(pl.col(pl.Float64)).row(0))


def test_growth_without_baseline_data_says_so(make):
    store = make([row(2022, "GEO", "RUS", 300)])
    r = growth(store, basket="cars", reporter="GEO", baseline=2021, after=2022).row(0, named=True)
    assert r["status"] == "no_baseline_data" and r["ratio"] is None and "2021" in r["reason"]


def test_excess_trend_and_floor(make):
    # 30, 20, 10: slope -10 a year; 2022 counterfactual 0 (floored), 2023 still 0.
    store = make([row(y, "ARM", "RUS", v) for y, v in ((2019, 30), (2020, 20), (2021, 10), (2022, 50), (2023, 70))])
    out = excess(store, basket="cars", reporter="ARM", baseline="2019-2021", after="2022-2023")
    rows = {r["period"]: r for r in out.iter_rows(named=True)}
    assert rows["2022"]["trend_usd_per_year"] == pytest.approx(-10)
    assert rows["2022"]["counterfactual_usd"] == 0 and rows["2022"]["excess_usd"] == pytest.approx(50)
    assert rows["2022-2023 total"]["excess_usd"] == pytest.approx(120)
    assert rows["2022"]["status"] == "zero_counterfactual" and rows["2022"]["excess_pct"] is None


def test_excess_with_one_baseline_year_uses_that_year(make):
    store = make([row(2021, "ARM", "RUS", 40), row(2022, "ARM", "RUS", 100)])
    r = excess(store, basket="cars", reporter="ARM", baseline=2021, after=2022).row(0, named=True)
    assert r["method"] == "mean" and r["counterfactual_usd"] == 40 and r["excess_pct"] == pytest.approx(150)


def test_target_share_partner_filter_keeps_the_whole_denominator(make):
    store = make([row(2021, "GEO", "RUS", 10), row(2021, "GEO", "DEU", 90), row(2022, "GEO", "RUS", 60),
                  row(2022, "GEO", "DEU", 40)])  # fmt: skip
    r = target_share(store, basket="cars", reporter="GEO", partner="RUS", baseline=2021, after=2022)
    assert r["partner"].to_list() == ["RUS"] and r["change_pp"][0] == pytest.approx(50)


def test_mirror_gap_needs_both_sides(make):
    store = make([row(2021, "DEU", "KGZ", 100, hs="847130"), row(2022, "DEU", "KGZ", 200, hs="847130")])
    r = mirror_gap(store, basket="computers", reporter="DEU", partner="KGZ", baseline=2021, after=2022).row(
        0, named=True
    )
    assert r["status"] == "not_two_sided" and r["gap_share_after"] is None


def test_pass_through_and_monthly_lag(make):
    # 24 months; KAZ's exports to RUS repeat its imports from DEU two months later.
    rng = np.random.default_rng(1)
    imports = rng.uniform(50, 150, 26)
    rows = []
    for i in range(24):
        year, month = 2021 + i // 12, i % 12 + 1
        rows.append(
            row(year, "KAZ", "DEU", imports[i + 2] * (3 if year == 2022 else 1), hs="847130", flow="M", month=month)
        )
        rows.append(row(year, "KAZ", "RUS", imports[i] * 0.5, hs="847130", month=month))
    out = pass_through(make(rows), basket="computers", reporter="KAZ", partner="RUS", origin="DEU",
                       baseline=2021, after=2022).row(0, named=True)  # fmt: skip
    m_b, m_a = sum(imports[2:14]), 3 * sum(imports[14:26])
    x_b, x_a = 0.5 * sum(imports[0:12]), 0.5 * sum(imports[12:24])
    assert out["delta_imports_usd"] == pytest.approx(m_a - m_b)
    assert out["pass_through"] == pytest.approx(min(m_a - m_b, x_a - x_b) / (m_a - m_b))
    assert out["lag_status"] == "ok" and out["best_lag_months"] == 2 and out["n_months"] >= 12


def test_pass_through_undefined_when_imports_fall(make):
    store = make(
        [row(2021, "KAZ", "DEU", 100, hs="847130", flow="M"), row(2022, "KAZ", "DEU", 50, hs="847130", flow="M")]
    )
    r = pass_through(store, basket="computers", reporter="KAZ", baseline=2021, after=2022).row(0, named=True)
    assert r["pass_through"] is None and r["status"] == "imports_did_not_rise" and "did not rise" in r["reason"]


def test_unit_value_zero_quantity_and_too_few_routes(make):
    store = make([row(2022, "ARE", "RUS", 100, hs="851713"), row(2022, "CHN", "DEU", 100, hs="851713", net_kg=2.0)])
    out = {
        r["reporter"]: r
        for r in unit_value(store, basket="smartphones", baseline=2021, after=2022).iter_rows(named=True)
    }
    assert out["ARE"]["status"] == "zero_quantity" and out["ARE"]["unit_value"] is None
    assert out["CHN"]["status"] == "too_few_observations" and out["CHN"]["unit_value"] == pytest.approx(50)
    assert not out["CHN"]["flagged"]


def test_new_flows_needs_a_reported_baseline(make):
    store = make([row(2022, "POL", "KGZ", 5e6, hs="854231")])
    r = new_flows(store, basket="chpl", reporter="POL", baseline=2021, after=2022).row(0, named=True)
    assert r["status"] == "no_baseline_data" and not r["flagged"] and "absent is not zero" in r["reason"]


def test_hub_score_components_by_hand(make):
    store = make([row(2021, "DEU", "GEO", 100), row(2022, "DEU", "GEO", 300),
                  row(2021, "GEO", "RUS", 10), row(2022, "GEO", "RUS", 110),
                  row(2021, "GEO", "TUR", 90), row(2022, "GEO", "TUR", 90)])  # fmt: skip
    r = hub_score(store, basket="cars", reporter="GEO", baseline=2021, after=2022).row(0, named=True)
    assert r["imports_ratio"] == pytest.approx(3) and r["exports_to_target_ratio"] == pytest.approx(11)
    assert r["target_share_change_pp"] == pytest.approx(100 * (110 / 200 - 10 / 100))
    assert r["pass_through"] == pytest.approx(min(200, 100) / 200) and r["flagged"]


def test_did_recovers_a_known_effect_and_reports_per_cent():
    rng = np.random.default_rng(0)
    rows = []
    for o in ("DEU", "FRA", "ITA"):
        for d in ("ARM", "KAZ", "BRA", "IND", "MEX", "ZAF"):
            for k in range(6):
                a_odk = rng.normal()
                for t in range(2019, 2025):
                    s, p, h = int(k < 3), int(t >= 2022), d in ("ARM", "KAZ")
                    log_v = 10 + a_odk + 0.1 * (t - 2019) + 0.2 * s * p * h + 0.05 * s * p + rng.normal(0, 0.01)
                    rows.append((o, d, f"{k:06d}", t, math.exp(log_v), s, p, "hubs" if h else "control"))
    panel = pl.DataFrame(rows, schema=["origin", "destination", "product", "year", "value_usd", "sanctioned", "post",
                                       "dest_group"], orient="row")  # fmt: skip
    r = estimate(panel, basket="test", groups=["hubs"], baseline="2019-2021", after="2022-2024").row(0, named=True)
    assert r["status"] == "ok" and r["beta"] == pytest.approx(0.2, abs=0.01)
    assert r["pct_increase"] == pytest.approx(100 * math.expm1(r["beta"]))
    assert r["pct_ci_low"] < r["pct_increase"] < r["pct_ci_high"] and r["n_clusters"] == 18


def test_did_with_too_few_observations_says_why():
    panel = pl.DataFrame(schema={"origin": pl.String, "destination": pl.String, "product": pl.String,
                                 "year": pl.Int64, "value_usd": pl.Float64, "sanctioned": pl.Int32,
                                 "post": pl.Int32, "dest_group": pl.String})  # fmt: skip
    r = estimate(panel, basket="x", groups=["hubs"], baseline="2021", after="2022").row(0, named=True)
    assert r["status"] == "too_few_observations" and r["beta"] is None and "30" in r["reason"]
