"""The screen: a lead's score from the indicators' outputs by hand, the known leads first on the
shared data, --since against an earlier run, and the HTML page escaping what the data says."""

from __future__ import annotations

import math

import polars as pl
import pytest
from polars.testing import assert_frame_equal

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
    # no new flow, no mirror gap (no coalition reports), no imports by consignment held: 0. Weights sum to 10.
    size = (math.log10(3e6) - 5) / 3
    expected = (2 * 1 + 2 * size + 1 + 1 + math.log(1.6) / math.log(4)) / 10
    assert lead["score"] == pytest.approx(expected)
    assert lead["share_change_pp"] == pytest.approx(100 * (4 / 7 - 1 / 4)) and lead["pass_through"] == 0.5
    assert lead["evidence"].startswith("GEO's exports of cars to RUS rose x4.0 ($1.0m a year in 2021 to $4.0m in 2022)")
    assert "50% of GEO's extra imports passed on" in lead["evidence"]
    assert any("mirror gap not computed" in c for c in lead["caveats"])
    assert "origin vs consignment: not held (the store holds no imports of GEO by country of consignment: missing, " \
           "not zero)" in lead["caveats"] and lead["consignment_ratio_after"] is None  # fmt: skip
    assert not any("origin-consignment" in c for c in lead["commands"])
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


def consignments(rows):
    """A hub's imports of all goods by origin and by consignment, as a national file gives them."""
    return [dict(year=y, reporter="GEO", partner=p, flow="M", hs="TOTAL", hs_level=0, value_usd=float(v),
                 partner_basis=b) for p, b, y, v in rows]  # fmt: skip


def test_origin_against_consignment_scored_by_hand(hand_store):
    # A national file of GEO's imports (another source): DEU consigns 120m then 300m, of which it made 100m a
    # year; ARM (a hub) 50m then 100m, having made 50m; CHN, neither coalition nor hub, does not count however far
    # its consignments exceed what it made.
    load_rows(hand_store, consignments([
        ("DEU", "origin", 2021, 100e6), ("DEU", "origin", 2022, 100e6),
        ("DEU", "consignment", 2021, 120e6), ("DEU", "consignment", 2022, 300e6),
        ("ARM", "origin", 2021, 50e6), ("ARM", "origin", 2022, 50e6),
        ("ARM", "consignment", 2021, 50e6), ("ARM", "consignment", 2022, 100e6),
        ("CHN", "origin", 2021, 10e6), ("CHN", "origin", 2022, 10e6),
        ("CHN", "consignment", 2021, 10e6), ("CHN", "consignment", 2022, 1000e6),
    ]), source="national")  # fmt: skip
    result = screen(hand_store, baskets=["cars"], baseline=2021, after=2022)
    lead = result.leads.row(0, named=True)
    # DEU: 300m - 100m = 200m a year beyond what it made in 2022 (ARM: 50m), ratio 300 / 100 = 3; in 2021 20m
    assert (lead["consignment_partner"], lead["consignment_source"]) == ("DEU", "national")
    assert lead["consigned_minus_origin_after_usd"] == pytest.approx(200e6) and lead["consignment_ratio_after"] == 3.0
    # the score of test_a_lead_scored_by_hand plus ln 3 / ln 4 (weight 1); weights sum to 10
    size = (math.log10(3e6) - 5) / 3
    expected = (2 * 1 + 2 * size + 1 + 1 + math.log(1.6) / math.log(4) + math.log(3) / math.log(4)) / 10
    assert lead["score"] == pytest.approx(expected)
    assert "its imports consigned from DEU exceed those made in DEU by $200.0m a year in 2022 (x3.0; $20.0m in " \
           "2021; all goods, national): goods made elsewhere shipped through DEU" in lead["evidence"]  # fmt: skip
    assert not any(c.startswith("origin vs consignment") for c in lead["caveats"])
    db = str(hand_store.path)
    assert f"tradeflows indicators origin-consignment --reporter GEO --partner coalition,hubs --baseline 2021 " \
           f"--after 2022 --db {db}" in lead["commands"]  # fmt: skip
    # the other figures are those the Comtrade-like rows alone give
    assert lead["exports_ratio"] == 4.0 and lead["pass_through"] == 0.5 and lead["imports_ratio"] == 1.6
    page = render_screen(result)
    assert "consigned from DEU beyond what it made there:\n$200.0m a year (x3.0; national)" in page


def test_consignment_held_with_none_above_origin_says_so(hand_store):
    load_rows(hand_store, consignments([("DEU", b, y, 100e6) for b in ("origin", "consignment") for y in (2021, 2022)]),
              source="national")  # fmt: skip
    lead = screen(hand_store, baskets=["cars"], baseline=2021, after=2022).leads.row(0, named=True)
    assert lead["consignment_partner"] is None and lead["consigned_minus_origin_after_usd"] is None
    assert "origin vs consignment: no coalition country or hub consigned GEO more than it made (ok)" in lead["caveats"]
    assert any("origin-consignment --reporter GEO" in c for c in lead["commands"])  # held: the command shows it


def test_the_armenian_national_file_adds_its_consignments_and_changes_no_other_figure(real_store, tmp_path):
    from tests.conftest import ARMENIA, GEORGIA
    from tests.indicators.test_consignment import NATIONAL, _raw

    if not NATIONAL.exists():
        pytest.skip("shared data not found")
    both = tradeflows.open(tmp_path / "both.duckdb")
    both.ingest([GEORGIA, ARMENIA])
    both.ingest([NATIONAL], source="national_armenia")
    options = dict(baskets=["cars"], after="2022-2023")
    without, with_ = (screen(s, **options).leads for s in (real_store, both))
    raw = _raw("Georgia")  # thousand USD in the file, read here with csv
    georgia = sum(raw["import_consignment", y] - raw["import_origin", y] for y in (2022, 2023)) / 2
    assert georgia == pytest.approx(699.7e6, abs=0.05e6)
    arm = with_.filter(hub="ARM")
    assert len(arm) and set(arm["consignment_partner"]) == {"GEO"}
    assert arm["consigned_minus_origin_after_usd"].to_list() == pytest.approx([georgia] * len(arm))
    assert all("its imports consigned from GEO exceed those made in GEO by $699.7m a year in 2022-2023" in e
               for e in arm["evidence"])  # fmt: skip
    assert all(any(c.startswith("tradeflows indicators origin-consignment --reporter ARM") for c in cs)
               for cs in arm["commands"])  # fmt: skip
    # Georgia's leads: every figure, word and caveat as without the national file
    # the commands name the store's path; the ranks move as Armenia's leads rise past them
    same = [c for c in with_.columns if c not in ("commands", "rank")]
    geo = (with_.filter(hub="GEO").select(same).sort("target"), without.filter(hub="GEO").select(same).sort("target"))
    # equal to the last digits a sum's order may move (DuckDB adds in parallel)
    assert_frame_equal(geo[0], geo[1], check_exact=False, rel_tol=1e-12) and len(geo[0])
    assert all(any("origin vs consignment: not held" in c for c in cs) for cs in geo[0]["caveats"])
    # Armenia's: the same figures but for the new component
    figures = ["target", "exports_baseline_usd", "exports_after_usd", "share_change_pp", "pass_through",
               "imports_ratio", "new_codes", "n_rows"]  # fmt: skip
    assert_frame_equal(arm.select(figures).sort("target"), without.filter(hub="ARM").select(figures).sort("target"),
                       check_exact=False, rel_tol=1e-12)  # fmt: skip
    assert without.filter(hub="ARM")["consignment_partner"].is_null().all()


def test_consignments_held_in_part_are_compared_like_for_like_and_said_so(hand_store):
    # 2021 held January-December, 2022 January-March: like for like both are read January-March.
    # DEU consigns 2m a month against 1m made there; so 3 x (2m - 1m) = 3m in each period's months, ratio 2.
    rows = consignments([("DEU", b, y, v) for y, months in ((2021, 12), (2022, 3)) for _ in range(months)
                         for b, v in (("origin", 1e6), ("consignment", 2e6))])  # fmt: skip
    months = [m for y, n in ((2021, 12), (2022, 3)) for m in range(1, n + 1) for _ in (0, 1)]
    load_rows(hand_store, [dict(r, month=m) for r, m in zip(rows, months, strict=True)], source="national")
    lead = screen(hand_store, baskets=["cars"], baseline=2021, after=2022).leads.row(0, named=True)
    assert lead["consigned_minus_origin_after_usd"] == pytest.approx(3e6) and lead["consignment_ratio_after"] == 2.0
    assert "(x2.0; $3.0m in 2021; all goods, national; a year held in part, see caveats)" in lead["evidence"]
    assert any(c.startswith("origin vs consignment: partial: a year holds 3 months") for c in lead["caveats"])
