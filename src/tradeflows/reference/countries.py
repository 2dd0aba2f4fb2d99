"""Countries: ISO3 codes, names, UN M49 numbers and UN Comtrade's own area codes.

Country names and ISO codes come from ``country_converter`` (coco), which the
field already maintains; this module only adds what coco does not know:
Comtrade's reporter/partner codes that differ from M49, and Comtrade's special
partners (world, areas not elsewhere specified), which are real rows to keep.

>>> comtrade_to_iso3(842), comtrade_to_iso3(251), comtrade_to_iso3(0)
('USA', 'FRA', 'WLD')
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from tradeflows.errors import UnknownCountryError
from tradeflows.schema import WORLD

if TYPE_CHECKING:
    import polars as pl

# UN Comtrade area codes that are not the country's M49 number, and Comtrade's
# special partners. Source: UN Comtrade reference tables (Reporters.json /
# partnerAreas.json, https://comtradeapi.un.org/files/v1/app/reference/).
COMTRADE_CODE_EXCEPTIONS: dict[int, str] = {
    842: "USA",  # M49 840
    251: "FRA",  # M49 250
    699: "IND",  # M49 356
    381: "ITA",  # M49 380
    579: "NOR",  # M49 578
    757: "CHE",  # M49 756
}

# Comtrade's special partners: (code, our code, Comtrade's partnerISO, name, kind).
# 490 is in practice Taiwan, but Comtrade publishes it as "Other Asia, nes"; we keep
# Comtrade's label rather than guess.
SPECIAL_AREAS: tuple[tuple[int, str, str, str, str], ...] = (
    (0, WORLD, "W00", "World", "world"),
    (490, "S19", "S19", "Other Asia, nes", "area_nes"),
    (899, "_X", "_X", "Areas, nes", "area_nes"),
    (97, "EUR", "EUR", "European Union", "group"),
    (568, "X1_568", "_568", "Other Europe, nes", "area_nes"),
    (577, "X1_577", "_577", "Other Africa, nes", "area_nes"),
    (636, "X1_636", "_636", "Rest of America, nes", "area_nes"),
    (837, "X1_837", "_837", "Bunkers", "area_nes"),
    (838, "X1_838", "_838", "Free Zones", "area_nes"),
    (839, "X1_839", "_839", "Special Categories", "area_nes"),
    (879, "X1_879", "_879", "Western Asia, nes", "area_nes"),
    (527, "X1_527", "_527", "Oceania, nes", "area_nes"),
)


@cache
def country_table() -> pl.DataFrame:
    """One row per country or special area: iso3, name, m49, comtrade_code, kind.

    ``kind`` is ``country``, ``world``, ``area_nes`` or ``group``; only countries
    should be summed over.
    """
    import country_converter as coco
    import polars as pl

    data = coco.CountryConverter().data
    countries = pl.DataFrame(
        {
            "iso3": data["ISO3"].astype(str).tolist(),
            "name": data["name_short"].astype(str).tolist(),
            "m49": [int(x) if x == x else None for x in data["ISOnumeric"].tolist()],
        },
        schema={"iso3": pl.String, "name": pl.String, "m49": pl.Int32},
    )
    by_iso3 = {v: k for k, v in COMTRADE_CODE_EXCEPTIONS.items()}
    countries = countries.with_columns(
        pl.col("iso3")
        .replace_strict(by_iso3, default=pl.col("m49"), return_dtype=pl.Int32)
        .alias("comtrade_code"),
        pl.lit("country").alias("kind"),
    )
    specials = pl.DataFrame(
        [(iso, name, None, code, kind) for code, iso, _, name, kind in SPECIAL_AREAS],
        schema={
            "iso3": pl.String,
            "name": pl.String,
            "m49": pl.Int32,
            "comtrade_code": pl.Int32,
            "kind": pl.String,
        },
        orient="row",
    )
    return pl.concat([countries, specials]).sort("iso3")


@cache
def comtrade_code_table() -> pl.DataFrame:
    """Every numeric code a Comtrade file may use for an area -> iso3.

    Comtrade's own codes (842 USA) and, as its extracts also carry them
    (Italy as 380 as well as 381), the plain M49 numbers.
    """
    import polars as pl

    table = country_table()
    own = table.drop_nulls("comtrade_code").select(pl.col("comtrade_code").alias("code"), "iso3")
    m49 = table.drop_nulls("m49").select(pl.col("m49").alias("code"), "iso3")
    return pl.concat([own, m49.filter(~pl.col("code").is_in(own["code"].implode()))]).unique().sort("code")


@cache
def _by_comtrade_code() -> dict[int, str]:
    table = comtrade_code_table()
    return dict(zip(table["code"].to_list(), table["iso3"].to_list(), strict=True))


def comtrade_to_iso3(code: int) -> str:
    """Map a UN Comtrade reporter/partner code to our ISO3 code."""
    try:
        return _by_comtrade_code()[int(code)]
    except (KeyError, ValueError):
        raise UnknownCountryError(
            f"Unknown UN Comtrade area code {code!r}: not an M49 country number nor one of "
            "Comtrade's own codes (842 USA, 251 France, 0 World, 899 Areas nes, ...)"
        ) from None


def iso3_to_m49(iso3: str) -> int:
    """The UN M49 / ISO 3166 numeric code of a country (used by BACI, among others).

    >>> iso3_to_m49("KAZ")
    398
    """
    import polars as pl

    table = country_table().filter(pl.col("iso3") == iso3.upper())
    if table.is_empty() or table["m49"][0] is None:
        raise UnknownCountryError(f"Unknown ISO3 country code {iso3!r}; expected e.g. 'KAZ', 'RUS', 'DEU'")
    return int(table["m49"][0])


def country_name(iso3: str) -> str:
    """English short name of an ISO3 code, or the code itself when unknown."""
    import polars as pl

    table = country_table().filter(pl.col("iso3") == iso3)
    return table["name"][0] if len(table) else iso3
