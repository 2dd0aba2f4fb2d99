"""Country names, as national statistics and Eurostat print them -> ISO3.

English names are matched by ``country_converter`` (its regular expressions know most
spellings: "Czech Rep.", "Korea, DPR of", "Folkland Islands (Malvinas)"). What it
does not know is in ``NAME_EXCEPTIONS`` below, each with why. Eurostat's labels carry
the territory's history in brackets ("Belgium (incl. Luxembourg 'LU' -> 1998)"): the
name before the note is matched.

Russian names (Kazakhstan's statistics bureau) are matched against the Unicode CLDR
territory names in Russian (through ``babel``), after ``RU_NAME_EXCEPTIONS``: the
bureau's own spellings, written down from its workbooks of 2018-2021. Its group and
total rows are no country: ``Всего`` (total) is the world (WLD), kept out of sums over
partners as every world row is; the groups in ``RU_GROUPS`` get their reason.

A name none of these knows is left unmapped with a reason, so the reader quarantines
its rows rather than dropping them.

>>> names_to_iso3(["Czech Rep.", "Monako", "Nagorno-Karabakh", "Unknown country"])["iso3"].to_list()
['CZE', 'MCO', None, '_X']
>>> names_to_iso3(["Всего", "Кыргызстан", "Россия", "Страны ЕАЭС"])["iso3"].to_list()
['WLD', 'KGZ', 'RUS', None]
>>> names_to_iso3(["Belgium (incl. Luxembourg 'LU' -> 1998)"])["iso3"].to_list()
['BEL']
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
    "eastern samoa": "ASM",  # American Samoa's old name (Eurostat-style tables of the Kyrgyz statistics)
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
    "netherlands antilles": (
        "dissolved in 2010 (ISO 3166 code ANT withdrawn); its successors Curaçao, Sint Maarten and the Caribbean "
        "Netherlands cannot be told apart"
    ),
    "nagorno-karabakh": "not an ISO 3166 country; assigning it to Armenia or Azerbaijan is a judgement the data cannot make",
    "nagorno karabagh": "not an ISO 3166 country; assigning it to Armenia or Azerbaijan is a judgement the data cannot make",
}


# Kazakhstan's Bureau of National Statistics (stat.gov.kz), "Основные показатели внешней
# торговли", workbooks 2018-2021: spellings that differ from CLDR's Russian names.
# Keys are normalised (lower case, ё as е, one space).
RU_NAME_EXCEPTIONS: dict[str, str] = {
    "всего": "WLD",  # the total over all partners
    "всего в том числе": "WLD",  # the same total, "of which" following (sheet 12_2018)
    "кыргызстан": "KGZ",  # CLDR: Киргизия
    "конго": "COG",  # the Republic of the Congo; CLDR: Конго - Браззавиль
    "демократическая республика конго": "COD",
    "гонконг": "HKG",
    "макао": "MAC",
    "македония": "MKD",  # North Macedonia
    "соединенные штаты америки": "USA",
    "соединенное королевство": "GBR",
    "чешская республика": "CZE",
    "республика латвия": "LVA",
    "объединенные арабские эмираты": "ARE",
    "молдова, республика": "MDA",
    "иран, исламская республика": "IRN",
    "ирак, республика ирак": "IRQ",
    "корея, народно-демократическая республика": "PRK",
    "лаосская народно-демократическая республика": "LAO",
    "танзания, объединенная республика": "TZA",
    "сирийская арабская республика": "SYR",
    "палестина, государство": "PSE",
    "микронезия, федеративные штаты": "FSM",
    "самоа, независимое государство": "WSM",
    "ватикан, государство-город": "VAT",
    "бруней-даруссалам": "BRN",
    "свазиленд": "SWZ",  # Eswatini since 2018
    "сейшелы": "SYC",
    "бермуды": "BMU",
    "южная африка": "ZAF",  # CLDR: Южно-Африканская Республика
    "мьянма": "MMR",
    "тимор-лесте": "TLS",
    "кот-д'ивуар": "CIV",
    "коморские острова": "COM",
    "папуа-новая гвинея": "PNG",
    "черногория (монтенегро)": "MNE",
    "тайвань (китай)": "TWN",
    "виргинские острова (брит.)": "VGB",
    "виргинские острова (сша)": "VIR",
    "виргинские острова, сша": "VIR",
    "каймановы острова (брит.)": "CYM",
    "ангилья (брит.)": "AIA",
    "гибралтар (брит.)": "GIB",
    "гуам (сша)": "GUM",
    "кокосовые (килинг) острова": "CCK",
    "остров рождества": "CXR",
    "остров святой елены": "SHN",
    "остров мэн": "IMN",
    "острова теркс и кайкос": "TCA",
    "фарерские острова": "FRO",
    "маршалловы острова": "MHL",
    "северные марианские острова": "MNP",
    "французкие южные территории": "ATF",  # misspelt (sheet 12_2018)
    "малые тихоокеан. отдаленные остроа сша": "UMI",  # United States Minor Outlying Islands, abbreviated
    "малые тихоокеан. отдален. острова сша": "UMI",
    "малые тихоокеан.отдален.ост-ва с.ш.": "UMI",
}

# The same workbooks' subtotal rows, between the countries: never one partner.
_SUBTOTAL = "a subtotal over a group of partners, printed between the countries it sums; never added to them"
RU_GROUPS: dict[str, str] = {
    name: f"{what}: {_SUBTOTAL}"
    for name, what in {
        "страны снг": "CIS countries",
        "страны еаэс": "Eurasian Economic Union countries",
        "страны вне еаэс": "CIS countries outside the EAEU",
        "остальные страны мира": "the rest of the world (outside the CIS)",
        "европа": "Europe",
        "страны ес": "EU countries",
        "страны вне ес": "European countries outside the EU",
        "азия": "Asia",
        "африка": "Africa",
        "америка": "America",
        "австралия и океания": "Australia and Oceania",
    }.items()
}

# Eurostat's labels: "Italy (incl. San Marino 'SM' -> 1993)". The note says what the code
# covered in earlier years; for the years it does not name, the label is the country.
_HISTORY_NOTE = re.compile(r"\s*\((?:incl|excl)\.[^()]*\)\s*$")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


def _key(name: str) -> str:
    return " ".join(name.replace("ё", "е").replace("Ё", "Е").replace("’", "'").split()).lower()


@cache
def _cldr_russian() -> dict[str, str]:
    """CLDR's Russian territory names (normalised) -> ISO3, for the codes we know."""
    from babel import Locale

    iso2 = _iso2_to_iso3()
    return {_key(name): iso2[code] for code, name in Locale("ru").territories.items() if code in iso2}


@cache
def _iso2_to_iso3() -> dict[str, str]:
    import country_converter as coco

    data = coco.CountryConverter().data
    known = _known_codes()
    # coco writes a few ISO2 cells as patterns ("^GR$|^EL$"): take each two-letter code in them.
    return {
        code: str(b)
        for a, b in zip(data["ISO2"], data["ISO3"], strict=True)
        if a == a and b in known
        for code in re.findall(r"[A-Z]{2}", str(a))
    }


def _russian(name: str) -> tuple[str | None, str | None]:
    key = _key(name)
    if key in RU_NAME_EXCEPTIONS:
        return RU_NAME_EXCEPTIONS[key], None
    if key in RU_GROUPS:
        return None, RU_GROUPS[key]
    iso3 = _cldr_russian().get(key)
    return (iso3, None) if iso3 else (None, "no Russian name of a country (CLDR, or the bureau's spellings) matches")


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
    russian = {n: _russian(n) for n in distinct if _CYRILLIC.search(n)}
    logging.getLogger("country_converter").setLevel(logging.CRITICAL)
    stripped = {n: _HISTORY_NOTE.sub("", n) for n in distinct if n not in russian}
    to_match = sorted({
        m for n, m in stripped.items() if m.strip().lower() not in NAME_EXCEPTIONS | UNMAPPABLE and not _GROUP.search(m)
    })
    matched = coco.CountryConverter().convert(to_match, to="ISO3", not_found=None) if to_match else []
    if isinstance(matched, str):  # coco returns a bare string for a single name
        matched = [matched]
    by_coco = dict(zip(to_match, matched, strict=True))
    rows = []
    for name in distinct:
        if name in russian:
            rows.append((name, *russian[name]))
            continue
        key = stripped[name].strip().lower()
        iso3 = NAME_EXCEPTIONS.get(key) or by_coco.get(stripped[name])
        if isinstance(iso3, list) or iso3 not in _known_codes():
            iso3 = None  # several matches, or none
        if iso3:
            reason = None
        elif key in UNMAPPABLE:
            reason = UNMAPPABLE[key]
        elif _GROUP.search(stripped[name]):
            reason = "a group of countries, not one partner"
        else:
            reason = "country_converter knows no country of this name"
        rows.append((name, iso3, reason))
    return pl.DataFrame(rows, schema={"name": pl.String, "iso3": pl.String, "reason": pl.String}, orient="row")
