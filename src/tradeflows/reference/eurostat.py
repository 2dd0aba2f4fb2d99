"""Eurostat's own codes: its geo (country) codes and the EUR/USD rates Comext
values are converted with.

Comext's partner and reporter codes are ISO 3166 alpha-2 with Eurostat's
departures (Eurostat, "Geonomenclature" / GEO code list used by Comext):

- ``GR`` Greece in Comext (Eurostat's other domains write ``EL``: both accepted);
- ``GB`` United Kingdom until 2020; from 2021 ``XI`` Northern Ireland (still in the
  EU's customs territory for goods) and ``XU`` the United Kingdom excluding
  Northern Ireland: both map to GBR, so a sum over them is the whole UK;
- ``XK`` Kosovo, ``XS`` Serbia (code used 2005-2009), ``XC`` Ceuta and ``XL`` Melilla
  (Spanish territory outside the EU's customs area), ``UK`` (seen in some extracts);
- ``Q*`` codes: stores and provisions, high seas, countries not specified or
  secret: kept as "areas not elsewhere specified" (``_X``), as Comtrade does.

>>> eur_to_usd(2022)
1.053
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from tradeflows.errors import ParameterError
from tradeflows.reference.countries import country_table

if TYPE_CHECKING:
    import polars as pl

GEO_EXCEPTIONS: dict[str, str] = {
    "GR": "GRC",
    "EL": "GRC",
    "UK": "GBR",
    "XI": "GBR",
    "XU": "GBR",
    "XK": "XKX",
    "XS": "SRB",
    "XC": "ESP",
    "XL": "ESP",
    # Comext's confidential and unallocated partners.
    "QP": "_X",  # high seas
    "QQ": "_X",  # stores and provisions
    "QR": "_X",  # stores and provisions within intra-EU trade
    "QS": "_X",  # stores and provisions within extra-EU trade
    "QU": "_X",  # countries and territories not specified
    "QV": "_X",  # not specified within intra-EU trade
    "QW": "_X",  # not specified within extra-EU trade
    "QX": "_X",  # not specified for commercial or military reasons
    "QY": "_X",  # secret: not specified within intra-EU trade
    "QZ": "_X",  # secret: not specified within extra-EU trade
}

# Euro foreign exchange reference rates, annual averages, US dollars per euro.
# Source: European Central Bank, Statistical Data Warehouse, series
# EXR.A.USD.EUR.SP00.A (annual average of daily reference rates).
EUR_USD_ANNUAL: dict[int, float] = {
    2010: 1.3257,
    2011: 1.3920,
    2012: 1.2848,
    2013: 1.3281,
    2014: 1.3285,
    2015: 1.1095,
    2016: 1.1069,
    2017: 1.1297,
    2018: 1.1810,
    2019: 1.1195,
    2020: 1.1422,
    2021: 1.1827,
    2022: 1.0530,
    2023: 1.0813,
    2024: 1.0824,
}
EUR_USD_SOURCE = "ECB euro reference rate, annual average (EXR.A.USD.EUR.SP00.A)"


def eur_to_usd(year: int) -> float:
    """US dollars per euro, the ECB's annual average for ``year``."""
    try:
        return EUR_USD_ANNUAL[year]
    except KeyError:
        raise ParameterError(
            f"No EUR/USD rate for {year}; the table covers {min(EUR_USD_ANNUAL)}-{max(EUR_USD_ANNUAL)}"
        ) from None


def eur_usd_sql(year_expr: str) -> str:
    """SQL for the rate of the year in ``year_expr``; NULL outside the table."""
    whens = " ".join(f"WHEN {year} THEN {rate!r}" for year, rate in EUR_USD_ANNUAL.items())
    return f"(CASE {year_expr} {whens} END)"


@cache
def geo_code_table() -> pl.DataFrame:
    """Every Eurostat geo code a Comext file may use -> iso3 (``code``, ``iso3``)."""
    import country_converter as coco
    import polars as pl

    data = coco.CountryConverter().data
    # coco writes a few ISO2 cells as patterns ("^GB$|^UK$"): take each two-letter code in them.
    iso2 = {
        code: str(b)
        for a, b in zip(data["ISO2"], data["ISO3"], strict=True)
        if a == a and b == b
        for code in re.findall(r"[A-Z]{2}", str(a))
    }
    known = set(country_table()["iso3"].to_list())
    codes = {k: v for k, v in iso2.items() if v in known} | GEO_EXCEPTIONS
    return pl.DataFrame({"code": list(codes), "iso3": list(codes.values())}).sort("code")
