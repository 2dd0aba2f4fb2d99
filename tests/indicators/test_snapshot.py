"""A basket snapshot answers the library's queries with the store's own figures."""

from __future__ import annotations

import importlib

import pytest
from polars.testing import assert_frame_equal

import tradeflows
from tradeflows.indicators.base import make_scope
from tradeflows.indicators.snapshot import BasketSnapshot
from tradeflows.indicators.testing import load_rows


@pytest.mark.parametrize(("module", "options"), [
    ("growth", {"by_partner": True}), ("target_share", {}), ("hub_profile", {}),
    ("passthrough", {"origin": "coalition"}),
])  # fmt: skip
def test_every_figure_as_on_the_store(real_store, module, options):
    # Georgia's and Armenia's files; Georgia's 2023 holds eleven months: the like-for-like
    # reading of figures month by month is exercised.
    scope = make_scope(real_store, basket="cars", reporter="GEO", partner="RUS,KAZ", baseline=2021, after="2022-2023")
    indicator = importlib.import_module(f"tradeflows.indicators.{module}")
    with BasketSnapshot(real_store, scope) as snapshot:
        on_snapshot = indicator.frame(snapshot, scope, **options)
    assert not on_snapshot.is_empty()
    assert_frame_equal(on_snapshot, indicator.frame(real_store, scope, **options))


def test_other_goods_are_not_in_it(store):
    load_rows(store, [dict(year=2021, reporter="GEO", partner="RUS", hs=hs, value_usd=1.0)
                      for hs in ("870323", "870899", "300490")])  # fmt: skip
    scope = make_scope(store, basket="cars", baseline=2020, after=2021)
    with BasketSnapshot(store, scope) as snapshot:
        for view in ("flows", "standing", "figures", "annual", "annual_hs4"):
            assert set(snapshot.sql(f"SELECT DISTINCT left(hs, 4) AS h FROM {view}")["h"]) <= {"8703"}
    with pytest.raises(tradeflows.errors.QueryError, match="closed"):
        snapshot.sql("SELECT 1")
