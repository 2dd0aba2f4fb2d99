"""Exempt siblings by hand: which codes are siblings, and their growth against ordinary goods."""

from __future__ import annotations

import pytest

import tradeflows
from tradeflows.indicators import exempt_siblings
from tradeflows.indicators.testing import load_rows


@pytest.fixture
def store(tmp_path):
    store = tradeflows.open(tmp_path / "s.duckdb")
    rows = [
        # chpl 848210 (inside, heading 8482): 10 -> 20
        ("848210", 10, 20),
        # 848280: same heading, on no list -> a sibling: 5 -> 25
        ("848280", 5, 25),
        # 847160: shares heading 8471 with chpl 847150, but the computers basket holds all of 8471:
        # sanctioned elsewhere, neither sibling nor control
        ("847150", 8, 8), ("847160", 4, 40),
        # ordinary goods, the control: 080810 100 -> 110, 271019 50 -> 55: 150 -> 165, x1.1
        ("080810", 100, 110), ("271019", 50, 55),
        # 853650: heading 8536 holds chpl 853669 -> a sibling with no baseline trade
        ("853669", 3, 3), ("853650", 0, 9),
    ]
    load_rows(store, [dict(year=y, reporter="DEU", partner="KAZ", flow="X", hs=hs, value_usd=float(v))
                      for hs, b, a in rows for y, v in ((2021, b), (2022, a)) if v])  # fmt: skip
    return store


def test_siblings_against_ordinary_goods(store):
    out = exempt_siblings(store, basket="chpl", reporter="DEU", partner="KAZ", baseline=2021, after=2022)
    by = {r["hs"]: r for r in out.iter_rows(named=True)}
    assert set(by) == {"848280", "853650"}  # 847160 is in the computers basket, not a sibling
    r = by["848280"]
    assert r["sibling_ratio"] == pytest.approx(5.0) and r["inside_ratio"] == pytest.approx(2.0)
    assert r["control_ratio"] == pytest.approx(165 / 150)
    assert r["relative_growth"] == pytest.approx(5.0 / 1.1) and r["flagged"] and r["status"] == "ok"
    assert r["hs4"] == "8482" and r["n_control_codes"] == 2 and r["n_rows"] == 2
    # the sibling with no baseline trade: a ratio is undefined, and it says where to look
    assert by["853650"]["status"] == "zero_baseline" and by["853650"]["sibling_ratio"] is None
    assert not by["853650"]["flagged"] and "new-flows" in by["853650"]["reason"]


def test_a_whole_heading_has_no_siblings(store):
    r = exempt_siblings(store, basket="8482", reporter="DEU", partner="KAZ", baseline=2021, after=2022).row(
        0, named=True)
    assert r["status"] == "no_siblings" and r["hs"] is None and not r["flagged"]


def test_a_reporter_holding_one_period_is_left_out(store):
    # FRA's file covers 2021 only: its 848280 and control trade have no after figure (missing, not a fall)
    load_rows(store, [dict(year=2021, reporter="FRA", partner="KAZ", flow="X", hs=hs, value_usd=v)
                      for hs, v in (("848280", 500.0), ("080810", 900.0))])  # fmt: skip
    by = {r["hs"]: r for r in exempt_siblings(store, basket="chpl", reporter="DEU,FRA", partner="KAZ",
                                              baseline=2021, after=2022).iter_rows(named=True)}  # fmt: skip
    r = by["848280"]  # DEU alone, as above: 5 -> 25 against the control's 150 -> 165
    assert r["sibling_ratio"] == pytest.approx(5.0) and r["control_ratio"] == pytest.approx(165 / 150)
    assert r["status"] == "ok" and "FRA left out" in r["reason"] and "2022" in r["reason"]
    only = exempt_siblings(store, basket="chpl", reporter="FRA", partner="KAZ", baseline=2021, after=2022)
    r = only.filter(hs="848280").row(0, named=True)
    assert r["status"] == "not_held" and r["sibling_ratio"] is None and "not zero" in r["reason"]


def test_a_year_held_in_part_is_cut_like_for_like(tmp_path):
    store = tradeflows.open(tmp_path / "m.duckdb")
    # monthly: 2021 twelve months, 2022 January-June only; sibling 848280 and control 080810, 1 a month each
    # in 2021, 2 a month in 2022 for the sibling, 1 for the control; chpl 848210 1 a month throughout
    rows = [(y, m, hs, v) for y, months in ((2021, 12), (2022, 6)) for m in range(1, months + 1)
            for hs, v in (("848280", 1.0 if y == 2021 else 2.0), ("080810", 1.0), ("848210", 1.0))]  # fmt: skip
    load_rows(store, [dict(year=y, month=m, reporter="DEU", partner="KAZ", flow="X", hs=hs, value_usd=v)
                      for y, m, hs, v in rows])  # fmt: skip
    kwargs = dict(basket="chpl", reporter="DEU", partner="KAZ", baseline=2021, after=2022)
    r = exempt_siblings(store, **kwargs).row(0, named=True)
    # like for like: both years cut to January-June: sibling 6 -> 12, control 6 -> 6
    assert r["sibling_baseline_usd"] == pytest.approx(6) and r["sibling_ratio"] == pytest.approx(2.0)
    assert r["control_ratio"] == pytest.approx(1.0) and r["status"] == "partial" and "like for like" in r["reason"]
    r = exempt_siblings(store, **kwargs, partial="annualise").row(0, named=True)
    # annualised: 2022 x 12 / 6: sibling 12 -> 24, control 12 -> 12
    assert r["sibling_after_usd"] == pytest.approx(24) and r["control_ratio"] == pytest.approx(1.0)
    r = exempt_siblings(store, **kwargs, partial="whole").row(0, named=True)
    # as held: sibling 12 -> 12, control 12 -> 6
    assert r["sibling_ratio"] == pytest.approx(1.0) and r["control_ratio"] == pytest.approx(0.5)
