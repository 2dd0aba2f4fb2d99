"""Kazakhstan's Bureau of National Statistics (stat.gov.kz): "Основные показатели внешней
торговли" (main indicators of foreign trade), trade by partner country, as published in
.xls workbooks (see ``../shared/data/national/kazakhstan/``).

A workbook holds one sheet per period (``12_2021``: January–December 2021, and the
year before, ``12_2020``): title rows, the unit as a cell (``тыс. долларов США``,
thousand US dollars), then a header over two rows (Товарооборот turnover, Экспорт
exports, Импорт imports; each "Всего" total and "удельный вес" share in per cent) and
one row per partner, named in Russian. The reader is recognised by those cells, not by
the file's name (which is in Cyrillic and changes from year to year).

What lands in the store, one run per workbook (its sheets are lines of one long table,
each naming its sheet and row):

- exports (X, by destination) and imports (M, by country of origin) for each partner
  and year, all goods (``hs`` TOTAL); turnover is their sum and shares are derived, so
  neither is loaded;
- values times the unit the sheet states (a sheet stating no known unit is
  quarantined, never guessed);
- ``Всего`` (total) as partner WLD; the group rows between the countries (Страны СНГ,
  Страны ЕАЭС, Европа ...) quarantined with their reason
  (``tradeflows.reference.country_names``), never summed with countries;
- an empty cell is no figure (the bureau leaves a cell empty where there is none to
  print): counted in the run's note;
- a sheet's period must be the whole year (январь-декабрь); a sheet of fewer months is
  cumulative and quarantined, not read as a year;
- a year printed in two workbooks (as the year, then as the year before, sometimes
  revised) is one figure under the same identity: the later ingest stands (the store's
  vintages).
"""

from __future__ import annotations

from tradeflows.schema import hs_version_sql
from tradeflows.sources.base import Field, Layout, SourceSpec

# The units the bureau prints, lower case -> factor to US dollars.
UNITS: dict[str, float] = {"тыс. долларов сша": 1e3, "млн. долларов сша": 1e6, "долларов сша": 1.0}

_YEAR = "TRY_CAST(regexp_extract(\"period\", '(\\d{4})$', 1) AS INTEGER)"
_WHOLE_YEAR = f"CASE WHEN lower(\"period\") LIKE 'январь-декабрь %' THEN {_YEAR} END"
_FLOW = "CASE WHEN lower(\"column\") LIKE 'экспорт|%' THEN 'X' WHEN lower(\"column\") LIKE 'импорт|%' THEN 'M' END"
_UNIT = "CASE lower(\"unit\") " + " ".join(f"WHEN '{u}' THEN {f!r}" for u, f in UNITS.items()) + " END"

LAYOUT = Layout(
    sheets=r"^\d{1,2}_\d{4}$",
    header=r"(?i)^товарооборот$",
    header_rows=2,
    columns={r"(?i)^наименование": "name"},
    wide=r"(?i)^(экспорт|импорт)\|всего$",
    cells={"unit": r"(?i)^((?:тыс\.|млн\.)?\s*долларов США)$", "period": r"(?i)^за (.+\d{4}) года$"},
    detect=(r"(?i)долларов США", r"(?i)^товарооборот$", r"(?i)^экспорт$", r"(?i)^импорт$"),
)

KAZAKHSTAN = SourceSpec(
    name="kazakhstan_stat",
    description="Kazakhstan statistics bureau workbook: trade by partner country (.xls, Russian, unit on the sheet)",
    signature=frozenset(),
    fields={
        "year": Field("period", "sql", sql=_WHOLE_YEAR),
        "reporter": Field.constant("KAZ"),
        "partner": Field("name", "name_country"),
        "flow": Field("column", "sql", sql=_FLOW),
        "hs_version": Field.expression(hs_version_sql(_WHOLE_YEAR)),
        "hs_level": Field.constant(0),
        "hs": Field.constant("TOTAL"),
        "value_usd": Field(
            "value", "number", factor_sql=_UNIT, factor_label="unit the sheet states (тыс. долларов США)"
        ),
        "partner_basis": Field.expression(f"CASE {_FLOW} WHEN 'M' THEN 'origin' ELSE 'destination' END"),
    },
    layout=LAYOUT,
    note=(
        "Kazakhstan stat.gov.kz: reporter KAZ; exports and imports by partner (turnover and shares not loaded), "
        "times the unit the sheet states; Всего -> WLD, group rows quarantined; hs TOTAL = all goods; imports by "
        "country of origin"
    ),
)
