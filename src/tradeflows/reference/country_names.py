"""English country names, as national statistics print them -> ISO3.

Names are matched by ``country_converter`` (its regular expressions know most
spellings: "Czech Rep.", "Korea, DPR of", "Folkland Islands (Malvinas)"). What it
does not know is in ``NAME_EXCEPTIONS`` below, each with why; a name neither
knows is left unmapped with a reason, so the reader quarantines its rows rather
than dropping them.

>>> names_to_iso3(["Czech Rep.", "Monako", "Nagorno-Karabakh", "Unknown country"])["iso3"].to_list()
['CZE', 'MCO', None, '_X']
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import cache

import polars as pl

from tradeflows.reference.countries import country_table

# Spellings seen in Armstat's trade-by-country table that country_converter misses.
NAME_EXCEPTIONS: dict[str, str] = {
    "monako": "MCO",  # Monaco, misspelt
    "american saoma": "ASM",  # American Samoa, misspelt
    # Armstat's residual partner: the same thing as Comtrade's "Areas, nes" (899).
    "unknown country": "_X",
    # A world total: kept as such (WLD rows stay out of sums over partners).
    "world": "WLD",
}

# Names that are no country and no area Comtrade codes: rows are quarantined with
# this reason rather than assigned to a country they may not belong to.
UNMAPPABLE: dict[str, str] = {
    "eu countries not specified": (
        "an unnamed EU member state; no ISO3 or Comtrade code covers it (the EU group would double-count members)"
    ),
    "nagorno-karabakh": "not an ISO 3166 country; assigning it to Armenia or Azerbaijan is a judgement the data cannot make",
    "nagorno karabagh": "not an ISO 3166 country; assigning it to Armenia or Azerbaijan is a judgement the data cannot make",
}


# Groups of countries that country_converter would match to one of them
# ("Australia and Oceania" -> AUS): never a single partner.
_GROUP = re.compile(
    r"(?i)\b(countries|union|world|rest of|organi[sz]ation|independent states|oceania|continent|not specified)\b"
    r"|^\s*(africa|america|asia|europe)\s*$"
)


@cache
def _known_codes() -> frozenset[str]:
    return frozenset(country_table()["iso3"].to_list())


def names_to_iso3(names: Iterable[str]) -> pl.DataFrame:
    """One row per distinct name, sorted: ``name``, ``iso3`` (NULL when unmapped) and ``reason``."""
    import country_converter as coco

    distinct = sorted({n for n in names if n is not None})
    logging.getLogger("country_converter").setLevel(logging.CRITICAL)
    to_match = [n for n in distinct if n.strip().lower() not in NAME_EXCEPTIONS | UNMAPPABLE and not _GROUP.search(n)]
    matched = coco.CountryConverter().convert(to_match, to="ISO3", not_found=None) if to_match else []
    if isinstance(matched, str):  # coco returns a bare string for a single name
        matched = [matched]
    by_coco = dict(zip(to_match, matched, strict=True))
    rows = []
    for name in distinct:
        key = name.strip().lower()
        iso3 = NAME_EXCEPTIONS.get(key) or by_coco.get(name)
        if isinstance(iso3, list) or iso3 not in _known_codes():
            iso3 = None  # several matches, or none
        if iso3:
            reason = None
        elif key in UNMAPPABLE:
            reason = UNMAPPABLE[key]
        elif _GROUP.search(name):
            reason = "a group of countries, not one partner"
        else:
            reason = "country_converter knows no country of this name"
        rows.append((name, iso3, reason))
    return pl.DataFrame(rows, schema={"name": pl.String, "iso3": pl.String, "reason": pl.String}, orient="row")
