"""Country names as national statistics print them."""

from __future__ import annotations

from tradeflows.reference.country_names import names_to_iso3


def test_names_exceptions_groups_and_unknowns() -> None:
    names = ["Czech Rep.", "Monako", "American Saoma", "Folkland Islands (Malvinas)", "Saint-Barth?lemy",
             "Unknown country", "World", "Australia and Oceania", "Africa", "South Africa", "Non-EU countries",
             "Nagorno Karabagh", "Atlantis"]
    got = {r["name"]: (r["iso3"], r["reason"]) for r in names_to_iso3(names).iter_rows(named=True)}
    assert {n: iso for n, (iso, _) in got.items() if iso} == {
        "Czech Rep.": "CZE", "Monako": "MCO", "American Saoma": "ASM", "Folkland Islands (Malvinas)": "FLK",
        "Saint-Barth?lemy": "BLM", "Unknown country": "_X", "World": "WLD", "South Africa": "ZAF",
    }
    # Groups are never matched to one of their members (country_converter would say AUS).
    assert got["Australia and Oceania"] == (None, "a group of countries, not one partner")
    assert got["Africa"][1] == got["Non-EU countries"][1] == "a group of countries, not one partner"
    assert "Armenia or Azerbaijan" in got["Nagorno Karabagh"][1]
    assert got["Atlantis"] == (None, "country_converter knows no country of this name")
