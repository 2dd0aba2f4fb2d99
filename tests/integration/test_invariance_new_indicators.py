"""Substitution, exempt siblings and absorption: a file of another reporter, with other years,
changes none of their figures (each series is averaged over the years its own files hold)."""

from __future__ import annotations

from polars.testing import assert_frame_equal

import tradeflows
from tradeflows.indicators import absorption, exempt_siblings, substitution
from tradeflows.indicators.testing import load_rows

ROWS = [(y, r, p, f, hs, v) for y, k in ((2021, 1.0), (2022, 3.0)) for r, p, f, hs, v in (
    ("DEU", "RUS", "X", "848210", 100.0 / k), ("DEU", "KGZ", "X", "848210", 10.0 * k),
    ("DEU", "KGZ", "X", "848280", 5.0 * k * k), ("DEU", "KGZ", "X", "080810", 50.0 * k),
    ("KGZ", "DEU", "M", "848210", 20.0 * k), ("KGZ", "RUS", "X", "848210", 4.0 * k))]  # fmt: skip
# another reporter's file covering 2019-2024, of the same goods and others
OTHER = [(y, "USA", p, f, hs, 7.0) for y in range(2019, 2025) for p, f, hs in (
    ("KGZ", "X", "848210"), ("RUS", "X", "848280"), ("CHN", "M", "848210"), ("KGZ", "X", "271019"))]  # fmt: skip


def _load(store, rows):
    load_rows(store, [dict(year=y, reporter=r, partner=p, flow=f, hs=hs, value_usd=v) for y, r, p, f, hs, v in rows])


def _figures(store):
    common = dict(basket="chpl", baseline="2020-2021", after="2022-2023")
    return (substitution(store, reporter="DEU", partner="KGZ", targets="RUS", **common),
            exempt_siblings(store, reporter="DEU", partner="KGZ", **common),
            absorption(store, reporter="KGZ", **common))  # fmt: skip


def test_another_reporters_file_changes_no_figure(tmp_path):
    store = tradeflows.open(tmp_path / "s.duckdb")
    _load(store, ROWS)
    before = _figures(store)
    _load(store, OTHER)
    after = _figures(store)
    for old, new in zip(before, after, strict=True):
        assert len(old) and (old["status"] != "not_held").all()
        assert_frame_equal(old, new)
    # DEU's file holds 2021 and 2022 only: one year of each period, 10 and 30 to KGZ
    r = before[0].filter(hub="KGZ").row(0, named=True)
    assert (r["baseline_years"], r["after_years"]) == (1, 1) and r["hub_rise_usd"] == 20.0
