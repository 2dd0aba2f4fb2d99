"""The screen: a lead's score from the indicators' outputs by hand, the known leads first on the
shared data, --since against an earlier run, and the HTML page escaping what the data says."""

from __future__ import annotations

import math

import polars as pl
import pytest

import tradeflows
from tradeflows.errors import ParameterError
from tradeflows.indicators.testing import load_rows
from tradeflows.reports.screen_page import render_screen
from tradeflows.screen import Screen, screen


def cars(rows):
    return [dict(year=y, reporter=r, partner=p, flow=f, hs="8703", value_usd=float(v)) for r, p, f, y, v in rows]


GEORGIA_2021_2022 = cars([
    ("GEO", "RUS", "X", 2021, 1e6), ("GEO", "RUS", "X", 2022, 4e6),   # x4, a rise of $3m
    ("GEO", "TUR", "X", 2021, 3e6), ("GEO", "TUR", "X", 2022, 3e6),   # RUS's share 1/4 -> 4/7
    ("GEO", "DEU", "M", 2021, 10e6), ("GEO", "DEU", "M", 2022, 16e6),  # imports x1.6, +$6m
])  # fmt: skip


@pytest.fixture
def hand_store(tmp_path):
    store = tradeflows.open(tmp_path / "s.duckdb")
    load_rows(store, GEORGIA_2021_2022)
    return store


def test_a_lead_scored_by_hand(hand_store):
    result = screen(hand_store, baskets=["cars"], baseline=2021, after=2022)
    lead = result.leads.row(0, named=True)
    assert (lead["hub"], lead["target"], lead["basket"], lead["lead"]) == ("GEO", "RUS", "cars", True)
    # growth: ln 4 / ln 4 = 1 (weight 2); size: (log10 3e6 - 5) / 3 (weight 2); share: 100 (4/7 - 1/4) = 32.1
    # points / 25, capped at 1; pass-through: min(3m, 6m) / 6m = 0.5 / 0.5 = 1; imports: ln 1.6 / ln 4;
    # no new flow, no mirror gap (no coalition reports): 0. Weights sum to 9.
    size = (math.log10(3e6) - 5) / 3
    expected = (2 * 1 + 2 * size + 1 + 1 + math.log(1.6) / math.log(4)) / 9
    assert lead["score"] == pytest.approx(expected)
    assert lead["share_change_pp"] == pytest.approx(100 * (4 / 7 - 1 / 4)) and lead["pass_through"] == 0.5
    assert lead["evidence"].startswith("GEO's exports of cars to RUS rose x4.0 ($1.0m a year in 2021 to $4.0m in 2022)")
    assert "50% of GEO's extra imports passed on" in lead["evidence"]
    assert any("mirror gap not computed" in c for c in lead["caveats"])
    db = str(hand_store.path)
    assert f"tradeflows indicators growth --basket cars --reporter GEO --partner RUS --by-partner --baseline 2021 " \
           f"--after 2022 --db {db}" in lead["commands"]  # fmt: skip
    assert lead["report"] == "reports/GEO-cars.html" and len(result.leads) == 1  # TUR is no target


def test_since_marks_new_and_changed_leads(hand_store):
    # run 2: Armenia's exports to Russia appear, and Georgia's to Kazakhstan, which changes RUS's share
    load_rows(hand_store, cars([("ARM", "RUS", "X", 2021, 1e6), ("ARM", "RUS", "X", 2022, 5e6),
                                ("GEO", "KAZ", "X", 2021, 1e6), ("GEO", "KAZ", "X", 2022, 1e6)]))  # fmt: skip
    result = screen(hand_store, baskets=["cars"], baseline=2021, after=2022, since=1)
    since = {(r["hub"], r["target"]): r["since"] for r in result.leads.iter_rows(named=True)}
    assert since == {("ARM", "RUS"): "new", ("GEO", "RUS"): "changed", ("GEO", "KAZ"): "new"}
    assert result.since == 1 and result.last_run == 2
    again = screen(hand_store, baskets=["cars"], baseline=2021, after=2022, since=2)
    assert set(again.leads["since"]) == {"unchanged"}
    with pytest.raises(ParameterError, match="no ingest run 7"):
        screen(hand_store, baskets=["cars"], baseline=2021, after=2022, since=7)


def test_known_leads_first_on_the_shared_data(real_store):
    result = screen(real_store)
    leads = result.leads.filter("lead")
    known = {(h, t) for h in ("GEO", "ARM") for t in ("RUS", "KAZ", "KGZ")}
    top = [(r["hub"], r["target"]) for r in leads.head(4).iter_rows(named=True)]
    assert set(top) <= known and set(leads["basket"]) == {"cars"}
    ranks = {(r["hub"], r["target"]): r["rank"] for r in leads.iter_rows(named=True)}
    assert known <= set(ranks) and max(ranks[k] for k in known) <= 7  # GEO -> ARM sits among them
    geo = leads.filter(hub="GEO", target="KAZ").row(0, named=True)
    assert "baseline: GEO reported 1 of the 3 years" in geo["caveats"]  # the Georgia file starts in 2021
    # the Georgia file holds 2021 of the baseline and the store nothing after 2023: the words name those years
    assert "a year in 2021 to " in geo["evidence"] and " in 2022-2023)" in geo["evidence"]
    assert "2019" not in geo["evidence"] and "2024" not in geo["evidence"]
    assert (geo["baseline_held"], geo["after_held"]) == ("2021", "2022-2023")
    assert "not held (missing, not zero): GEO's exports of cars in 2019-2020, 2024" in geo["caveats"]
    assert (result.baseline_held, result.after_held) == ("2019-2021", "2022-2023")  # Armenia's file from 2017
    arm = leads.filter(hub="ARM", target="RUS").row(0, named=True)
    assert any("EAEU" in c for c in arm["caveats"]) and "started" not in arm["evidence"]
    assert any(n.startswith("basket chpl") for n in result.notes)  # the store holds no CHPL goods


def test_the_page_escapes_what_the_data_says(hand_store):
    result = screen(hand_store, baskets=["cars"], baseline=2021, after=2022)
    hostile = result.leads.with_columns(evidence=pl.lit("<script>alert(1)</script>"),
                                        caveats=pl.lit(["<img src=x onerror=alert(2)>"]))  # fmt: skip
    page = render_screen(Screen(hostile, "2021", "2022", "<b>db</b>", 1, notes=("<i>note</i>",)))
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;b&gt;db&lt;/b&gt;" in page and "<i>note" not in page
    assert 'href="reports/GEO-cars.html"' in page


def test_the_indicators_take_the_screens_partial_years(tmp_path):
    # GEO's 2022 held January-June: like for like, 2021 is cut to January-June too
    store = tradeflows.open(tmp_path / "p.duckdb")
    months = [(2021, m, 1e6) for m in range(1, 13)] + [(2022, m, 2e6) for m in range(1, 7)]
    load_rows(store, [dict(year=y, month=m, reporter="GEO", partner="RUS", flow="X", hs="8703", value_usd=v)
                      for y, m, v in months])  # fmt: skip
    cut = screen(store, baskets=["cars"], baseline=2021, after=2022).leads.row(0, named=True)
    assert cut["exports_baseline_usd"] == pytest.approx(6e6) and cut["exports_after_usd"] == pytest.approx(12e6)
    assert any("like for like" in c for c in cut["caveats"])
    whole = screen(store, baskets=["cars"], baseline=2021, after=2022, partial="whole")
    r = whole.leads.row(0, named=True)  # as held: 12 x 1m against 6 x 2m
    assert r["exports_baseline_usd"] == pytest.approx(12e6) and r["exports_after_usd"] == pytest.approx(12e6)
    assert whole.partial == "whole" and any("--partial whole" in c for c in r["commands"])
    with pytest.raises(ParameterError, match="partial"):
        screen(store, baskets=["cars"], baseline=2021, after=2022, partial="guess")
