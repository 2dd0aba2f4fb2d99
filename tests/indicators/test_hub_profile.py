"""The hub-profile indicator on hand-made stores, every figure worked out here by hand."""

from __future__ import annotations

import pytest

from tradeflows.indicators.base import make_scope
from tradeflows.indicators.hub_profile import frame, hub_profile, monthly
from tradeflows.indicators.testing import load_rows


def test_means_over_the_years_each_series_holds(store):
    # Imports held 2020-2023, exports 2021-2023 (2020 is not held for exports: missing, not zero).
    rows = [dict(year=y, reporter="GEO", partner="USA", flow="M", hs="870323", value_usd=v)
            for y, v in ((2020, 10.0), (2021, 30.0), (2022, 60.0), (2023, 100.0))]
    rows += [dict(year=y, reporter="GEO", partner=p, flow="X", hs="870323", value_usd=v)
             for y, p, v in ((2021, "RUS", 4.0), (2021, "TUR", 16.0), (2022, "RUS", 30.0), (2022, "TUR", 10.0),
                             (2023, "RUS", 50.0), (2023, "TUR", 10.0))]  # fmt: skip
    load_rows(store, rows)
    row = hub_profile(store, basket="cars", reporter="GEO", partner="RUS", baseline="2019-2021",
                      after="2022-2023").row(0, named=True)  # fmt: skip
    # imports: baseline (10 + 30) / 2 held years = 20; after (60 + 100) / 2 = 80; x4
    assert (row["imports_baseline_usd"], row["imports_after_usd"], row["imports_ratio"]) == (20.0, 80.0, 4.0)
    assert (row["imports_baseline_years"], row["imports_after_years"]) == (2, 2)
    # exports: baseline 2021 alone, 4 + 16 = 20; after (40 + 60) / 2 = 50; x2.5
    assert (row["exports_baseline_usd"], row["exports_after_usd"], row["exports_ratio"]) == (20.0, 50.0, 2.5)
    assert (row["exports_baseline_years"], row["exports_after_years"]) == (1, 2)
    # to Russia: 4 before, (30 + 50) / 2 = 40 after, x10; its share 4/20 = 20% then 40/50 = 80%
    assert (row["targets_baseline_usd"], row["targets_after_usd"], row["targets_ratio"]) == (4.0, 40.0, 10.0)
    assert row["targets_share_baseline"] == pytest.approx(0.2) and row["targets_share_after"] == pytest.approx(0.8)
    assert row["status"] == "ok"


def test_no_baseline_held_is_missing_not_zero(store):
    load_rows(store, [dict(year=2022, reporter="GEO", partner=p, flow=f, hs="870323", value_usd=5.0)
                      for p, f in (("USA", "M"), ("RUS", "X"))])  # fmt: skip
    row = hub_profile(store, basket="cars", reporter="GEO", partner="RUS", baseline="2019-2021",
                      after=2022).row(0, named=True)  # fmt: skip
    assert row["exports_baseline_usd"] is None and row["targets_ratio"] is None
    assert row["status"] == "no_baseline_data" and "not held" in row["reason"]


def test_monthly_series_by_partner_group(store):
    rows = [dict(year=2022, month=m, reporter="GEO", partner=p, flow=f, hs="870323", value_usd=v)
            for m in (1, 2) for p, f, v in (("USA", "M", 7.0), ("CHN", "M", 3.0), ("RUS", "X", 2.0), ("TUR", "X", 1.0))]
    load_rows(store, rows)
    scope = make_scope(store, basket="cars", reporter="GEO", partner="RUS", baseline=2021, after=2022)
    series = monthly(store, scope, origins=("USA",)).filter(month=1)
    assert dict(series.select("series", "value_usd").rows()) == {
        "imports from origins": 7.0, "imports from others": 3.0, "exports to targets": 2.0, "exports to others": 1.0,
    }  # fmt: skip
    assert frame(store, scope)["hub"].to_list() == ["GEO"]
