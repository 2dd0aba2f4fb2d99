"""UN Comtrade under its current column names (the comtradeapi.un.org API and
Comtrade Plus downloads): ``refYear``, ``refMonth``, ``reporterCode``,
``partnerCode``, ``partner2Code``, ``flowCode``, ``classificationCode``,
``cmdCode``, ``customsCode``, ``motCode``, ``primaryValue``, ``netWgt``, ``qty`` ...

What the codes mean, and how they land in the canonical table:

- ``classificationCode`` H0..H6 is the HS revision (H4 2012, H5 2017, H6 2022);
- ``partner2Code`` 0 is the total over second partners (``WLD``); others are the
  country of consignment;
- ``customsCode`` C00 and ``motCode`` 0 are the totals over customs procedures and
  modes of transport; other codes are breakdowns of them (the ``figures`` view
  keeps one level);
- ``flowCode`` M, X, RM, RX; Comtrade's other flows (FM foreign imports, DX
  domestic exports, MIP/XIP processing ...) are quarantined with the valid list;
- ``isQtyEstimated`` / ``isNetWgtEstimated`` set ``qty_flag`` to ``estimated``.
"""

from __future__ import annotations

from tradeflows.sources.base import Field, SourceSpec
from tradeflows.sources.comtrade import MAX_ROW_USD, estimated_flag, mode_of_transport

# Comtrade's classification codes -> HS revision year.
CLASSIFICATIONS: dict[str, int] = {
    "H0": 1992, "H1": 1996, "H2": 2002, "H3": 2007, "H4": 2012, "H5": 2017, "H6": 2022,
}

_VERSION = "CASE upper(trim(\"classificationCode\")) " + " ".join(
    f"WHEN '{code}' THEN {year}" for code, year in CLASSIFICATIONS.items()
) + " END"

COMTRADE_PLUS = SourceSpec(
    name="comtrade_plus",
    description="UN Comtrade, current API column names (refYear, reporterCode, cmdCode, primaryValue, ...)",
    signature=frozenset({"refYear", "reporterCode", "partnerCode", "flowCode", "cmdCode", "primaryValue"}),
    fields={
        "year": Field("refYear", "int"),
        # Annual records carry refMonth 52.
        "month": Field("refMonth", "int", required=False, values={"52": None}),
        "reporter": Field("reporterCode", "comtrade_country"),
        "partner": Field("partnerCode", "comtrade_country"),
        "partner2": Field("partner2Code", "comtrade_country", required=False),
        "flow": Field("flowCode", "flow", values={"M": "M", "X": "X", "RM": "RM", "RX": "RX"}),
        "hs_version": Field("classificationCode", "sql", sql=_VERSION),
        "hs": Field("cmdCode", "hs"),
        "value_usd": Field("primaryValue", "number", maximum=MAX_ROW_USD),
        "cif_usd": Field("cifvalue", "number", required=False, maximum=MAX_ROW_USD),
        "fob_usd": Field("fobvalue", "number", required=False, maximum=MAX_ROW_USD),
        "qty": Field("qty", "number", required=False),
        "qty_unit": Field("qtyUnitAbbr", "text", required=False),
        "net_kg": Field("netWgt", "number", required=False),
        "qty_flag": estimated_flag("isQtyEstimated", "isNetWgtEstimated"),
        "mode": mode_of_transport("motCode", "motDesc"),
        "customs": Field("customsCode", "text", required=False),
        # Imports are by origin; the second partner (when not 0) is the consignment country.
        "partner_basis": Field.expression(
            "CASE WHEN trim(\"flowCode\") IN ('M', 'RM') THEN 'origin' ELSE 'destination' END"
        ),
    },
    optional_columns=frozenset(
        {"refMonth", "partner2Code", "cifvalue", "fobvalue", "qty", "qtyUnitAbbr", "netWgt", "isQtyEstimated",
         "isNetWgtEstimated", "motCode", "motDesc", "customsCode", "cmdDesc"}
    ),
    description_column="cmdDesc",
    note="hs_version from classificationCode (H4 2012, H5 2017, H6 2022)",
)
