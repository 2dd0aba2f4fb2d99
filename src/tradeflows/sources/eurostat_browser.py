"""Eurostat's data browser spreadsheet of Comext ("EU trade since 1988 by HS2-4-6 and CN8",
DS-045409), as its "Download > Spreadsheet" writes it (see
``../shared/data/eurostat/databrowser/``).

The workbook has a ``Summary`` sheet listing one sheet per product, a ``Structure``
sheet, and the product sheets: title rows naming the product ("… [8471]", the code in
brackets), the flow (EXPORT) and the indicator (VALUE_IN_EUROS); a header whose cells
are periods (``2020-01`` …); reporters in the first column and partners in the second,
as labels with historical notes ("Belgium (incl. Luxembourg 'LU' -> 1998)"). It is
recognised by those cells (the dataset code, ``TIME`` and ``REPORTER (Labels)``), not
by the file's name.

What lands in the store, one run per workbook (every product sheet, each line naming
its sheet and row):

- one row per reporter, partner and month that holds a number; ``:`` is Eurostat's
  "not available" (December 2022 is all ``:`` in these extracts: not yet published),
  so it is no figure, never zero: counted in the run's note;
- values in euros times the ECB's annual average rate of the row's year, as the Comext
  reader converts (``tradeflows.reference.eurostat``); a sheet whose indicator is not
  VALUE_IN_EUROS (quantities) is quarantined, not read as money;
- CN8 codes kept one row each under their HS6 heading, as Comext's are; HS4 and HS2
  sheets keep their level, so a CN8 sheet and its HS4 heading in one extract never add up;
- names matched to ISO3 with the historical notes read off
  (``tradeflows.reference.country_names``);
- exports by destination, imports by origin.
"""

from __future__ import annotations

from tradeflows.reference.eurostat import EUR_USD_SOURCE, eur_usd_sql
from tradeflows.schema import hs_version_sql
from tradeflows.sources.base import Field, Layout, SourceSpec

_YEAR = "TRY_CAST(left(\"column\", 4) AS INTEGER)"
_MONTH = "CASE WHEN substr(\"column\", 5, 1) = '-' THEN TRY_CAST(substr(\"column\", 6, 2) AS INTEGER) END"
_EUR = f"CASE WHEN \"indicator\" = 'VALUE_IN_EUROS' THEN {eur_usd_sql(_YEAR)} END"

LAYOUT = Layout(
    sheets=r"^Sheet \d+$",
    header=r"^TIME$",
    header_rows=3,  # TIME / FREQ (Labels) / REPORTER (Labels)
    columns={r"REPORTER \(Labels\)$": "reporter_name", r"PARTNER \(Labels\)$": "partner_name"},
    wide=r"^\d{4}(-\d{2})?\|",
    cells={
        "product": r"\[(\d{2,8})\]$",
        "flow_code": r"^(EXPORT|IMPORT)$",
        "indicator": r"^(VALUE_IN_EUROS|QUANTITY_IN_100KG|SUPPLEMENTARY_QUANTITY)$",
    },
    missing=(":",),
    end=r"^Special value",
    detect=(r"DS-045409", r"^TIME$", r"REPORTER \(Labels\)"),
)

DATABROWSER = SourceSpec(
    name="eurostat_databrowser",
    description="Eurostat data-browser spreadsheet of Comext DS-045409 (.xlsx: a sheet per product, months as columns)",
    signature=frozenset(),
    fields={
        "year": Field("column", "sql", sql=_YEAR),
        "month": Field("column", "sql", sql=_MONTH),
        "reporter": Field("reporter_name", "name_country"),
        "partner": Field("partner_name", "name_country"),
        "flow": Field("flow_code", "flow", values={"EXPORT": "X", "IMPORT": "M"}),
        "hs_version": Field.expression(hs_version_sql(_YEAR)),
        "hs": Field("product", "hs", source_digits=8),
        "value_usd": Field(
            "value", "number", factor_sql=_EUR, factor_label="EUR/USD rate (values must be VALUE_IN_EUROS)"
        ),
        "partner_basis": Field.expression("CASE WHEN \"flow_code\" = 'IMPORT' THEN 'origin' ELSE 'destination' END"),
    },
    layout=LAYOUT,
    note=(
        f"Eurostat data browser: one row per reporter, partner, product and month; EUR x {EUR_USD_SOURCE} of the "
        "row's year -> value_usd; CN8 kept under its HS6 code; ':' is not available, no figure"
    ),
)
