"""UN Comtrade files under the legacy column names (bulk downloads and API v1 CSV).

The layout is that of ``trade_value_us``, ``partner_iso``, ``commodity_code`` ...
(see ``../shared/data/comtrade/``). Comtrade's imports are by country of origin
and its exports by country of destination; its area codes are M49 numbers
except for its own (842 USA, 251 France, ...), which
``tradeflows.reference.countries`` maps.
"""

from __future__ import annotations

from tradeflows.schema import TOTAL_MODE, hs_version_sql
from tradeflows.sources.base import Field, SourceSpec

FLOW_NAMES: dict[str, str] = {
    "M": "M",
    "X": "X",
    "RX": "RX",
    "RM": "RM",
    "Import": "M",
    "Export": "X",
    "Re-Export": "RX",
    "Re-export": "RX",
    "Re-Import": "RM",
    "Re-import": "RM",
}

_TRUE = "('TRUE', 'T', '1', 'YES')"
# No single Comtrade figure can be larger: even a row for all goods to the world is one
# country's annual exports (China's, the largest, were 3.6e12 USD in 2022). A bigger
# value is a unit mix-up (thousands read as dollars) and is quarantined.
MAX_ROW_USD = 5e12


def estimated_flag(qty: str, net_weight: str) -> Field:
    """``qty_flag`` = 'estimated' where Comtrade marks the quantity or the net weight as estimated."""
    return Field(
        qty,
        "sql",
        required=False,
        sql=f'CASE WHEN upper(trim("{qty}")) IN {_TRUE} OR upper(trim("{net_weight}")) IN {_TRUE} '
        "THEN 'estimated' END",
    )


def mode_of_transport(code: str, description: str) -> Field:
    """Code 0 is Comtrade's all-modes row; the others are breakdowns of it, named by their
    description, or by their code where the description is empty (never NULL, which the
    ``figures`` view would read as the total)."""
    return Field(
        code,
        "sql",
        required=False,
        sql=f"CASE WHEN trim(\"{code}\") = '0' THEN '{TOTAL_MODE}' "
        f"ELSE coalesce(NULLIF(trim(\"{description}\"), ''), NULLIF(trim(\"{code}\"), '')) END",
    )

LEGACY = SourceSpec(
    name="comtrade",
    description="UN Comtrade, legacy column names (trade_value_us, partner_iso, commodity_code, ...)",
    signature=frozenset({"trade_value_us", "reporter_code", "partner_code", "commodity_code"}),
    fields={
        "year": Field("year", "int"),
        "month": Field("month", "int", required=False),
        "reporter": Field("reporter_code", "comtrade_country"),
        "partner": Field("partner_code", "comtrade_country"),
        "flow": Field("trade_code", "flow", values=FLOW_NAMES),
        "hs_version": Field.expression(hs_version_sql('TRY_CAST(trim("year") AS INTEGER)')),
        # Extracts made by hand often drop aggregate_level: the code's length then says it.
        "hs_level": Field("aggregate_level", "int"),
        "hs": Field("commodity_code", "hs"),
        "value_usd": Field("trade_value_us", "number", maximum=MAX_ROW_USD),
        "cif_usd": Field("cifvalue", "number", required=False, maximum=MAX_ROW_USD),
        "fob_usd": Field("fobvalue", "number", required=False, maximum=MAX_ROW_USD),
        "qty": Field("Qty", "number", required=False),
        "qty_unit": Field("QtyUnitAbbr", "text", required=False),
        "net_kg": Field("netweight_kg", "number", required=False),
        "qty_flag": estimated_flag("IsQtyEstimated", "IsNetWgtEstimated"),
        "mode": mode_of_transport("mot_code", "mot_desc"),
        "partner_basis": Field.expression(
            "CASE WHEN trim(\"trade_code\") IN ('M', 'RM', 'Import', 'Re-Import', 'Re-import') "
            "THEN 'origin' ELSE 'destination' END"
        ),
    },
    optional_columns=frozenset(
        {"month", "aggregate_level", "cifvalue", "fobvalue", "Qty", "QtyUnitAbbr", "netweight_kg", "IsQtyEstimated",
         "IsNetWgtEstimated", "mot_code", "mot_desc", "commodity"}
    ),
    description_column="commodity",
    note="hs_version inferred from the year (legacy Comtrade files do not name the HS revision)",
)
