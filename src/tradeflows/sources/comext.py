"""Eurostat Comext bulk files: EU member states' trade by CN8 product, monthly.

Two layouts are read: the classic bulk file (``DECLARANT_ISO``, ``PARTNER_ISO``,
``VALUE_IN_EUROS``, ``QUANTITY_IN_KG``) and the later one (``REPORTER``,
``PARTNER``, ``VALUE_EUR``/``VALUE_IN_EUROS``, ``QUANTITY_KG``/``QUANTITY_IN_KG``).
Both carry ``PRODUCT_NC`` (CN8), ``FLOW`` (1 import, 2 export) and ``PERIOD``
(YYYYMM; YYYY52 for a year's total).

Choices, recorded in each run's ingest note:

- CN8 -> HS6: each line is kept as its own row under the HS6 heading its CN8 code
  falls in (``84713000`` -> ``847130``). Aggregating at ingest would merge several
  reported figures into one row and lose their line numbers; the views sum rows of
  one HS6 code anyway, so keeping lines costs nothing in totals. Codes that are not
  8 digits (Eurostat's confidential ``27XXXXXX`` codes, ``TOTAL``) are quarantined
  with their reason, not dropped.
- EUR -> USD: ``VALUE_IN_EUROS`` times the ECB's annual average USD per EUR of the
  row's year (``tradeflows.reference.eurostat.EUR_USD_ANNUAL``); monthly rows use
  the annual rate, a stated approximation. Years outside the table are quarantined.
- Partners in Eurostat's geo codes: GR Greece, XI/XU the UK after 2020 (both GBR),
  Q* not specified (areas nes); see ``tradeflows.reference.eurostat``.
- Imports are by country of origin (Comext's partner for extra-EU imports) and
  exports by destination.
"""

from __future__ import annotations

from tradeflows.reference.eurostat import EUR_USD_SOURCE, eur_usd_sql
from tradeflows.schema import hs_version_sql
from tradeflows.sources.base import Field, SourceSpec

_YEAR = 'TRY_CAST(left(trim("PERIOD"), 4) AS INTEGER)'


def _comext(
    name: str, *, reporter: str, partner: str, value: str, kg: str, regime: str, description: str
) -> SourceSpec:
    return SourceSpec(
        name=name,
        description=description,
        signature=frozenset({reporter, partner, "PRODUCT_NC", "FLOW", "PERIOD", value}),
        fields={
            # PERIOD is YYYYMM, or YYYY52 for the annual total.
            "year": Field("PERIOD", "sql", sql=f"CASE WHEN regexp_full_match(trim(\"PERIOD\"), '[0-9]{{6}}') THEN {_YEAR} END"),
            "month": Field(
                "PERIOD",
                "sql",
                sql="CASE WHEN right(trim(\"PERIOD\"), 2) BETWEEN '01' AND '12' THEN TRY_CAST(right(trim(\"PERIOD\"), 2) AS INTEGER) END",
            ),
            "reporter": Field(reporter, "eurostat_country"),
            "partner": Field(partner, "eurostat_country"),
            "flow": Field("FLOW", "flow", values={"1": "M", "2": "X"}),
            "hs_version": Field.expression(hs_version_sql(_YEAR)),
            "hs_level": Field.constant(6),
            "hs": Field("PRODUCT_NC", "hs", source_digits=8),
            "value_usd": Field(value, "number", factor_sql=eur_usd_sql(_YEAR), factor_label="EUR/USD rate for the year"),
            "net_kg": Field(kg, "number", required=False),
            # Statistical regime (1 normal, 2 inward processing ...): breakdowns with no total row.
            "customs": Field(regime, "text", required=False),
            "partner_basis": Field.expression("CASE WHEN trim(\"FLOW\") = '1' THEN 'origin' ELSE 'destination' END"),
        },
        optional_columns=frozenset({kg, regime}),
        note=(
            f"Comext: CN8 lines kept one row each under their HS6 code; VALUE in EUR x {EUR_USD_SOURCE} of the "
            "row's year -> value_usd; hs_version inferred from the year (CN follows the HS revision in force)"
        ),
    )


CLASSIC = _comext(
    "comext",
    reporter="DECLARANT_ISO",
    partner="PARTNER_ISO",
    value="VALUE_IN_EUROS",
    kg="QUANTITY_IN_KG",
    regime="STAT_REGIME",
    description="Eurostat Comext bulk file (DECLARANT_ISO, PARTNER_ISO, PRODUCT_NC, VALUE_IN_EUROS)",
)
REPORTER_PARTNER = _comext(
    "comext_rp",
    reporter="REPORTER",
    partner="PARTNER",
    value="VALUE_IN_EUROS",
    kg="QUANTITY_IN_KG",
    regime="STAT_REGIME",
    description="Eurostat Comext bulk file (REPORTER, PARTNER, PRODUCT_NC, VALUE_IN_EUROS)",
)
V2 = _comext(
    "comext_v2",
    reporter="REPORTER",
    partner="PARTNER",
    value="VALUE_EUR",
    kg="QUANTITY_KG",
    regime="STAT_PROCEDURE",
    description="Eurostat Comext bulk file, 2024 layout (REPORTER, PARTNER, PRODUCT_NC, VALUE_EUR)",
)
