"""The report on hand-made stores whose figures are worked out here by hand: the Sankey's
bands and the share not drawn, the lead where no baseline year is held, each caveat once."""

from __future__ import annotations

import polars as pl
import pytest

import tradeflows
from tests.routes.conftest import flow_rows
from tradeflows.indicators.base import PARTIAL_CHOICES
from tradeflows.indicators.testing import load_rows
from tradeflows.reports import build_report, render_markdown

# Georgia, cars (HS 8703), 2022: imports from the USA 60, China 20, Turkey 20 and Kazakhstan 10
# (110 in all); exports to Kazakhstan 55 and Russia 22 (77 to the targets). 2021: the same
# shares, a tenth of the values, so the baseline exists.
ROWS = [
    (year, partner, flow, value * scale)
    for year, scale in ((2021, 0.1), (2022, 1.0))
    for partner, flow, value in (("USA", "M", 60.0), ("CHN", "M", 20.0), ("TUR", "M", 20.0), ("KAZ", "M", 10.0),
                                 ("KAZ", "X", 55.0), ("RUS", "X", 22.0))
]  # fmt: skip


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> tradeflows.Store:
    store = tradeflows.open(tmp_path_factory.mktemp("hand") / "s.duckdb")
    rows = [("GEO", partner, flow, year, "8703", value) for year, partner, flow, value in ROWS]
    store.load_frame(flow_rows(rows), source="csv", label="hand-made")
    return store


def bands(report) -> dict[tuple[str, str], float]:
    return {(s, t): v for s, t, v in report.sankey.bands.select("source", "target", "value_per_year").rows()}


def test_sankey_bands_by_origin_group(store):
    report = build_report(store, "cars", "GEO", targets="RUS,KAZ", years=2022, baseline=2021)
    # Each origin's share of Georgia's 110 of imports, applied to each target (an origin is
    # never routed to itself: Kazakhstan -> Georgia -> Kazakhstan is left out):
    #   coalition (USA): 60/110 x 55 = 30 to KAZ, 60/110 x 22 = 12 to RUS: 42
    #   China:           20/110 x 55 = 10,        20/110 x 22 = 4:         14
    #   others:  Turkey  20/110 x 55 = 10,        20/110 x 22 = 4,
    #            Kazakhstan only to RUS: 10/110 x 22 = 2:                  16
    assert bands(report) == pytest.approx({
        ("coalition", "GEO"): 42.0, ("China", "GEO"): 14.0, ("other origins", "GEO"): 16.0,
        ("GEO", "KAZ"): 30.0 + 10.0 + 10.0, ("GEO", "RUS"): 12.0 + 4.0 + 4.0 + 2.0,
    })  # fmt: skip
    # Not drawn: Kazakhstan's own cars going back, 10/110 x 55 = 5 of the 77: 5/77 = 6.5%.
    assert report.sankey.outside_share == pytest.approx(5 / 77)
    text = render_markdown(report)
    assert "| coalition → Georgia | $42 |" in text and "| Georgia → Kazakhstan | $50 |" in text
    assert "Not drawn: 6.5% of Georgia's exports to the targets" in text
    # The allocation card and the lead read the coalition, and name the other groups.
    card = {label: (value, note) for label, value, note in report.headline}["Allocated to routes from the coalition"]
    assert card == ("$42 a year", "of Georgia's exports to the targets, by proportional allocation; China $14, "
                                  "other origins $16")  # fmt: skip


def test_sankey_with_the_users_origins_states_the_rest(store):
    report = build_report(store, "cars", "GEO", targets="RUS,KAZ", years=2022, baseline=2021, origins="coalition")
    assert bands(report)[("coalition", "GEO")] == pytest.approx(42.0)
    assert ("China", "GEO") not in bands(report)
    # 77 - 42 = 35 of the 77 allocated to origins not drawn: 45.5%.
    assert report.sankey.outside_share == pytest.approx(35 / 77)
    assert "Not drawn: 45.5% of Georgia's exports to the targets" in render_markdown(report)


def test_lead_says_in_words_when_no_baseline_is_held(tmp_path):
    # Georgia's file holds 2022 and 2023 only: no year of the default baseline 2019-2021.
    store = tradeflows.open(tmp_path / "s.duckdb")
    rows = [("GEO", p, f, y, "8703", v) for y in (2022, 2023) for p, f, v in (("USA", "M", 100.0), ("KAZ", "X", 40.0))]
    store.load_frame(flow_rows(rows), source="csv", label="hand-made")
    report = build_report(store, "cars", "GEO")
    # (40 + 40) / 2 = $40 a year to the targets in 2022-2023
    assert report.lead.startswith(
        "Georgia's exports of cars to RUS, BLR, ARM, KAZ, KGZ amounted to $40 a year in 2022-2023; the store holds "
        "no baseline year (2019-2021) of Georgia's exports of cars, so no change is given."
    )
    assert "n/a" not in report.lead
    cards = {label: note for label, _, note in report.headline}
    assert cards["Georgia's imports"] == "no baseline year held; as reported, CIF"


def test_each_caveat_once(tmp_path):
    # Monthly figures: 2021 whole, 2022 January-June, 2023 January-March: two years held in part.
    store = tradeflows.open(tmp_path / "s.duckdb")
    rows = [dict(year=y, month=m, reporter="GEO", partner=p, flow=f, hs="870323", value_usd=v)
            for y, months in ((2021, 12), (2022, 6), (2023, 3)) for m in range(1, months + 1)
            for p, f, v in (("USA", "M", 10.0), ("KAZ", "X", 4.0))]  # fmt: skip
    load_rows(store, rows)
    report = build_report(store, "cars", "GEO")
    notes = report.caveats + report.methodology
    assert len(notes) == len(set(notes))
    held_in_part = [c for c in report.caveats if "holds only" in c]
    assert held_in_part == ["2022 holds only 6 months of GEO's cars; 2023 holds only 3 months of GEO's cars: "
                            "compared like for like (see Methodology)."]  # fmt: skip
    # How a year held in part is compared is said once, in the methodology.
    assert sum(PARTIAL_CHOICES["like_for_like"] in n for n in notes) == 1


def test_a_year_two_sources_hold_in_part_reads_the_same_whatever_the_row_order():
    # Armenia's 2023 is held for 10 months by one file and 11 by another: the caveat names
    # both, the shorter first, however the rows arrive (a report is the same bytes each run).
    from tradeflows.indicators.base import Years
    from tradeflows.reports.report import _caveats

    texts = set()
    for rows in ([(2023, 11), (2023, 10)], [(2023, 10), (2023, 11)]):
        short = pl.DataFrame(rows, schema=["year", "n_months"], orient="row")
        texts.add(tuple(_caveats("ARM", "cars", "HS 8703", "like_for_like", short, {2021, 2022, 2023},
                                 Years(2021, 2021), [2021])))  # fmt: skip
    assert len(texts) == 1
    (caveats,) = texts
    assert "2023 holds only 10 months of ARM's cars; 2023 holds only 11 months of ARM's cars" in caveats[-1]
