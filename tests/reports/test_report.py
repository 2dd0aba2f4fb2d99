"""The Georgia car report, checked against figures computed here from the raw CSV."""

from __future__ import annotations

import csv
import re
from collections import defaultdict

import pytest
from plotly.offline import get_plotlyjs

from tests.conftest import GEORGIA
from tradeflows.reference.groups import get_group
from tradeflows.reports import build_report, render_html, render_markdown, write_report


def raw_totals() -> dict[tuple[str, str, int], float]:
    """(flow, partner ISO3, year) -> value, summed with the csv module (world rows would be partner 0: none
    here), over the months every year of the file holds: the report compares like for like by default,
    and Georgia's 2023 holds January-November."""
    with GEORGIA.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    held: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        held[int(row["year"])].add(row["month"])
    common = set.intersection(*held.values())
    assert len(common) == 11
    totals: dict[tuple[str, str, int], float] = defaultdict(float)
    for row in rows:
        if row["partner_code"] != "0" and row["month"] in common:
            totals[row["trade_code"], row["partner_iso"], int(row["year"])] += float(row["trade_value_us"])
    return totals


@pytest.fixture(scope="module")
def report(georgia_store):
    return build_report(georgia_store, "cars", "GEO")


def test_targets_and_years_are_explicit(report):
    assert report.targets == ("RUS", "BLR", "ARM", "KAZ", "KGZ")
    assert "Eurasian Economic Union" in report.target_reason
    # Default periods come from what Georgia's car series hold: 2021 is its only year of 2019-2021.
    assert (report.period, report.baseline, report.baseline_held) == ("2022-2023", "2021", "2021")
    assert any("11 months" in c for c in report.caveats)


def test_indicator_row_matches_the_raw_file(report):
    raw = raw_totals()
    kaz = report.indicators.filter(leg="exports to", partner="KAZ").row(0, named=True)
    assert kaz["baseline_usd"] == pytest.approx(raw["X", "KAZ", 2021])
    assert kaz["value_usd"] == pytest.approx((raw["X", "KAZ", 2022] + raw["X", "KAZ", 2023]) / 2)
    assert kaz["flagged"] and "Kazakhstan" in kaz["explanation"]


def test_top_route_matches_a_hand_allocation(report):
    raw = raw_totals()
    top = report.routes.row(0, named=True)
    # Like for like (January-November of each year), Kyrgyzstan's route rose most; over whole
    # years as held it was Kazakhstan's (2023's December is missing, 2022's counted).
    assert top["path"] == "USA → GEO → KGZ"
    # exports to KAZ x USA's share of Georgia's imports from every partner, each year, averaged over 2022-2023
    yearly = []
    for year in (2022, 2023):
        all_imports = sum(v for (flow, _, y), v in raw.items() if flow == "M" and y == year)
        yearly.append(raw["X", "KGZ", year] * raw["M", "USA", year] / all_imports)
    assert top["value_per_year"] == pytest.approx(sum(yearly) / 2)
    base = (
        raw["X", "KGZ", 2021] * raw["M", "USA", 2021] / sum(v for (f, _, y), v in raw.items() if f == "M" and y == 2021)
    )
    assert top["baseline_per_year"] == pytest.approx(base)


def test_html_is_self_contained_and_reproducible(report, georgia_store, tmp_path):
    html = render_html(report)
    assert html.count("Plotly.newPlot(") == 2 and 'id="chart-series"' in html and 'id="chart-sankey"' in html
    # plotly.js inline once; nothing else loaded from anywhere
    bundle = get_plotlyjs()
    assert html.count(bundle) == 1
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", html.replace(bundle, ""))
    assert "sha256" in html and "vehicle_trade_georgia.csv" in html
    again = render_html(build_report(georgia_store, "cars", "GEO"))
    assert html == again


def test_markdown_has_the_tables(report, tmp_path):
    text = write_report(report, tmp_path / "r.md", fmt="md").read_text()
    assert "| 1 | USA → GEO → KGZ |" in text and "## Methodology" in text and "## Provenance" in text
    assert "Charts (time series and Sankey diagram of the routes) are in the HTML version" in text
    assert text == render_markdown(report)


def test_legs_table_lets_a_reader_recompute_the_top_share(report):
    legs = {row["leg"]: row for row in report.legs.iter_rows(named=True)}
    share = legs["USA → GEO"]["period_per_year"] / legs["all partners → GEO"]["period_per_year"]
    # the route's share is weighted by year; with two years of similar shares the two agree closely
    kaz = report.routes.filter(path="USA → GEO → KAZ")
    assert share == pytest.approx(kaz["share_of_hub_exports"][0], rel=0.02)
    assert legs["GEO → KAZ"]["period_basis"] == "reported by exporter"
    assert legs["USA → GEO"]["period_basis"] == "mirror: importer's imports"


def test_pass_through_card_matches_the_raw_file(report):
    raw = raw_totals()
    coalition = set(get_group("coalition").members)

    def mean(flow, partners, years):
        return sum(v for (f, p, y), v in raw.items() if f == flow and p in partners and y in years) / len(years)

    d_imports = mean("M", coalition, (2022, 2023)) - mean("M", coalition, (2021,))
    d_exports = mean("X", set(report.targets), (2022, 2023)) - mean("X", set(report.targets), (2021,))
    expected = min(d_imports, d_exports) / d_imports
    card = {label: value for label, value, _ in report.headline}["Pass-through to the targets"]
    assert card == f"{100 * expected:.0f}%"


def test_mirror_years_do_not_dilute_the_baseline(real_store):
    """With Armenia's file beside Georgia's, Georgia's exports to Armenia have mirror-only
    years (2017-2020, from Armenia's imports): Georgia's own baseline is 2021 alone."""
    raw = raw_totals()
    targets = ("RUS", "BLR", "ARM", "KAZ", "KGZ")
    baseline = sum(raw["X", t, 2021] for t in targets)  # Georgia reports 2021 only
    lead = build_report(real_store, "cars", "GEO").lead
    assert f"went from ${baseline / 1e6:,.1f}m a year in the baseline" in lead
