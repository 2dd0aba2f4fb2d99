"""Views over the canonical tables that make short queries safe.

Real files repeat a figure as a total and as its breakdown (mode of transport,
customs procedure, second partner), mix HS4 totals with HS6 detail and carry
world rows. The views below pick one level of each so that a plain ``sum``
never double-counts:

- ``standing``  every row of ``flows`` but those a later ingest run superseded (the same
                figure from a later file: store/vintages.py), so each figure counts once;
- ``figures``   every standing row, minus breakdown rows whose total is also present;
- ``annual``    figures rolled up to years, partners that are countries or areas nes
                (no world or group rows), one row per HS code and level, names joined;
- ``annual_hs4`` one figure per HS4 heading: the reported HS4 row, or its HS6 rows
                summed where the heading itself was not reported;
- ``world_totals`` the rows reported against partner WLD, by year;
- ``coverage``  which reporter, year and flow the store holds, with the months present;
- ``coverage_by_product`` which series (reporter, flow, partner basis, HS code) the files
                cover, year by year, with the months held;
- ``revisions`` what a later file changed: each superseded figure beside the next vintage.
"""

from __future__ import annotations

from collections.abc import Sequence

from tradeflows.schema import FLOW_COLUMNS, TOTAL_CUSTOMS, TOTAL_MODE, WORLD

# Columns that identify a figure (all but the measures and provenance): two rows of one
# source with the same identity are two vintages of one figure (store/vintages.py).
IDENTITY = (
    "source", "reporter", "partner", "partner2", "flow", "year", "month",
    "hs_version", "hs_level", "hs", "mode", "customs", "partner_basis",
)

# (column, what its total row holds). NULL also counts as the total: the source
# did not break the figure down by that dimension.
_BREAKDOWNS = (("mode", TOTAL_MODE), ("customs", TOTAL_CUSTOMS), ("partner2", WORLD))


def _is_total(t: str, column: str, total: str) -> str:
    return f"coalesce({t}.{column}, '{total}') = '{total}'"


def all_total(t: str) -> str:
    """Whether the row of relation alias ``t`` is at the total level of every breakdown."""
    return " AND ".join(_is_total(t, c, total) for c, total in _BREAKDOWNS)


def same(a: str, b: str, columns: Sequence[str] = IDENTITY) -> str:
    """Relations ``a`` and ``b`` hold the same figure: equal on every identity column, NULLs included."""
    return " AND ".join(f"{a}.{k} IS NOT DISTINCT FROM {b}.{k}" for k in columns)


# A superseded row is one of an earlier run whose identity a later run gave again.
STANDING_SQL = f"""
CREATE OR REPLACE VIEW standing AS
SELECT * FROM flows f
WHERE NOT EXISTS (SELECT 1 FROM superseded s WHERE s.ingest_id = f.ingest_id AND {same('s', 'f')})
"""

_ID_COLUMNS = ", ".join(IDENTITY)


def _vintage_sql(name: str, run: str) -> str:
    """CTE ``name``: the measures of each superseded figure in run ``run`` (of ``nxt``)."""
    keys = ", ".join(f"n.{k}" for k in ("ingest_id", "by_ingest_id", *IDENTITY))
    return (f"{name} AS (\n  SELECT {keys}, sum(f.value_usd) AS value_usd, sum(f.qty) AS qty, sum(f.net_kg) AS net_kg\n"
            f"  FROM nxt n JOIN flows f ON f.ingest_id = n.{run} AND {same('f', 'n')}\n  GROUP BY {keys}\n)")  # fmt: skip


# Each superseded figure beside the vintage that superseded it first (run by run, so a
# figure revised twice shows two lines), with the files behind both.
REVISIONS_SQL = f"""
CREATE OR REPLACE VIEW revisions AS
WITH ranked AS (
  SELECT s.*, ROW_NUMBER() OVER (PARTITION BY ingest_id, {_ID_COLUMNS} ORDER BY by_ingest_id) AS nth
  FROM superseded s
),
nxt AS (SELECT * FROM ranked WHERE nth = 1),
{_vintage_sql("old_v", "ingest_id")},
{_vintage_sql("new_v", "by_ingest_id")}
SELECT {", ".join("o." + k for k in IDENTITY)},
       o.value_usd AS old_value_usd, n.value_usd AS new_value_usd, n.value_usd - o.value_usd AS change_usd,
       o.qty AS old_qty, n.qty AS new_qty, o.net_kg AS old_net_kg, n.net_kg AS new_net_kg,
       (o.value_usd IS DISTINCT FROM n.value_usd OR o.qty IS DISTINCT FROM n.qty
        OR o.net_kg IS DISTINCT FROM n.net_kg) AS changed,
       o.ingest_id AS old_run, io.file AS old_file, o.by_ingest_id AS new_run, inw.file AS new_file
FROM old_v o
JOIN new_v n ON n.ingest_id = o.ingest_id AND n.by_ingest_id = o.by_ingest_id AND {same('n', 'o')}
LEFT JOIN ingests io ON io.ingest_id = o.ingest_id
LEFT JOIN ingests inw ON inw.ingest_id = o.by_ingest_id
"""


def _figures_sql() -> str:
    """Rows at the total level of every breakdown are kept as they are; a breakdown row is
    dropped when, along any dimension it breaks down, the total row is also present.

    Most stores (BACI, national tables) hold no breakdown rows at all, so the anti-join
    only looks at the reporters that have some: on such stores the view costs a scan.
    """
    covered = " OR ".join(
        f"(NOT {_is_total('b', column, total)} AND EXISTS (SELECT 1 FROM candidates t WHERE "
        f"{_is_total('t', column, total)} AND "
        + " AND ".join(f"t.{k} IS NOT DISTINCT FROM b.{k}" for k in IDENTITY if k != column)
        + "))"
        for column, total in _BREAKDOWNS
    )
    return f"""
CREATE OR REPLACE VIEW figures AS
WITH detail AS (SELECT * FROM standing b WHERE NOT ({all_total('b')})),
candidates AS (SELECT * FROM standing WHERE reporter IN (SELECT DISTINCT reporter FROM detail))
SELECT * FROM standing f WHERE {all_total('f')}
UNION ALL
SELECT b.* FROM detail b WHERE NOT ({covered})
"""


def measures(t: str) -> str:
    """Sums of the measures of relation alias ``t``. A sum is NULL unless every row
    has the value (a partial sum would mislead), and quantities only add in one unit."""
    complete = [
        f"CASE WHEN count({t}.{c}) = count(*) THEN sum({t}.{c}) END AS {c}" for c in ("cif_usd", "fob_usd", "net_kg")
    ]
    return ", ".join(
        [f"sum({t}.value_usd) AS value_usd", *complete,
         f"CASE WHEN count({t}.qty) = count(*) AND min({t}.qty_unit) = max({t}.qty_unit) THEN sum({t}.qty) END AS qty",
         f"CASE WHEN min({t}.qty_unit) = max({t}.qty_unit) THEN min({t}.qty_unit) END AS qty_unit"]
    )


def months(t: str) -> str:
    """How many distinct months relation alias ``t`` holds, as plain aggregates: a
    ``count(DISTINCT month)`` made the whole annual roll-up several times slower
    (benchmarks/README.md), and a min = max test replaces ``count(DISTINCT qty_unit) = 1``."""
    return "CAST(" + " + ".join(f"max(CASE WHEN {t}.month = {m} THEN 1 ELSE 0 END)" for m in range(1, 13)) + " AS BIGINT)"


ANNUAL_SQL = f"""
CREATE OR REPLACE VIEW annual AS
SELECT f.source, f.year, f.reporter, rc.name AS reporter_name, f.partner, pc.name AS partner_name,
       f.flow, f.partner_basis, f.hs_version, f.hs_level, f.hs, pr.description,
       {measures('f')}, {months('f')} AS months, count(*) AS rows
FROM figures f
JOIN countries pc ON pc.iso3 = f.partner AND pc.kind IN ('country', 'area_nes')
LEFT JOIN countries rc ON rc.iso3 = f.reporter
LEFT JOIN products pr ON pr.hs_version = f.hs_version AND pr.hs = f.hs
GROUP BY ALL
"""

# The rolled-up branch lists annual's columns in annual's order: a positional UNION ALL,
# which Spark reads as well (it has no UNION BY NAME in SQL).
ANNUAL_HS4_SQL = f"""
CREATE OR REPLACE VIEW annual_hs4 AS
SELECT *, 'reported' AS hs_basis FROM annual WHERE hs_level = 4
UNION ALL
SELECT a.source, a.year, a.reporter, any_value(a.reporter_name) AS reporter_name, a.partner,
       any_value(a.partner_name) AS partner_name, a.flow, a.partner_basis, a.hs_version,
       CAST(4 AS TINYINT) AS hs_level, left(a.hs, 4) AS hs,
       any_value(pr.description) AS description, {measures('a')}, max(a.months) AS months, sum(a.rows) AS rows, 'rolled up from HS6' AS hs_basis
FROM annual a
LEFT JOIN products pr ON pr.hs_version = a.hs_version AND pr.hs = left(a.hs, 4)
WHERE a.hs_level = 6 AND NOT EXISTS (
    SELECT 1 FROM annual t
    WHERE t.hs_level = 4 AND t.hs = left(a.hs, 4) AND t.source = a.source AND t.year = a.year
      AND t.reporter = a.reporter AND t.partner = a.partner AND t.flow = a.flow
      AND t.partner_basis IS NOT DISTINCT FROM a.partner_basis AND t.hs_version = a.hs_version)
GROUP BY a.source, a.year, a.reporter, a.partner, a.flow, a.partner_basis, a.hs_version, left(a.hs, 4)
"""

WORLD_TOTALS_SQL = f"""
CREATE OR REPLACE VIEW world_totals AS
SELECT source, year, reporter, flow, partner_basis, hs_version, hs_level, hs,
       sum(value_usd) AS value_usd, count(DISTINCT month) AS months, count(*) AS rows
FROM figures WHERE partner = '{WORLD}'
GROUP BY ALL
"""

COVERAGE_SQL = """
CREATE OR REPLACE VIEW coverage AS
SELECT source, reporter, year, flow, hs_version,
       list(DISTINCT month ORDER BY month) FILTER (WHERE month IS NOT NULL) AS months_present,
       count(DISTINCT month) AS n_months, bool_or(month IS NULL) AS annual_rows,
       count(DISTINCT partner) AS partners, count(DISTINCT hs) AS products,
       count(*) AS rows, sum(value_usd) AS value_usd
FROM standing GROUP BY ALL
"""

# What the files cover, series by series: a code is held in a month where some run's file has
# a row for it (any partner, the world included); HS6 rows hold their heading (store/vintages.py).
COVERAGE_BY_PRODUCT_SQL = """
CREATE OR REPLACE VIEW coverage_by_product AS
SELECT source, reporter, flow, partner_basis, hs_version, hs_level, hs, year,
       array_to_string(list(DISTINCT month ORDER BY month) FILTER (WHERE month IS NOT NULL), ',') AS months_held,
       CASE WHEN bool_or(month IS NULL) THEN 12 ELSE count(DISTINCT month) END AS n_months,
       CASE WHEN bool_or(month IS NULL) OR count(DISTINCT month) = 12 THEN 'full' ELSE 'partial' END AS status,
       array_to_string(list(DISTINCT ingest_id ORDER BY ingest_id), ',') AS runs
FROM held GROUP BY source, reporter, flow, partner_basis, hs_version, hs_level, hs, year
"""

def mirror_pairs_sql(x_from: str, m_from: str, *, keys: Sequence[str], measures: str, columns: str,
                     same_source: bool = False, name: str = "pairs", m_basis_chosen: bool = False) -> str:  # fmt: skip
    """The mirror pairing, written once for the ``mirror_pairs`` view and the mirror-gap indicator.

    Three CTEs: ``{name}_x``, what the exporter reports exporting (flow X: the reporter is the
    exporter, the partner the importer); ``{name}_m``, what the importer reports importing from
    it (flow M: the partner is the exporter), by origin only (by consignment is another
    question); each one row per source, year, exporter, importer and ``keys``, with the
    aggregates ``measures``. ``{name}`` selects ``columns`` from the two side by side (aliases
    ``x`` and ``m``, a full join: either side may be missing). With ``same_source`` the sides
    of one source are paired; otherwise every export source meets every import source.
    ``m_basis_chosen``: ``m_from`` already holds one basis per importer (the mirror-gap
    indicator uses consignment where the store has it), so no basis is filtered out.
    """
    by = ", ".join(keys)

    def side(flow: str, relation: str, exporter: str, importer: str) -> str:
        basis = "" if flow == "M" and m_basis_chosen else " AND partner_basis IS DISTINCT FROM 'consignment'"
        return (f"SELECT source, year, {exporter} AS exporter, {importer} AS importer, {by}, {measures}\n"
                f"    FROM {relation} WHERE flow = '{flow}'{basis}\n"
                f"    GROUP BY source, year, {exporter}, {importer}, {by}")  # fmt: skip

    matched = ["exporter", "importer", *keys, "year"] + (["source"] if same_source else [])
    match = " AND ".join(f"x.{k} = m.{k}" for k in matched)
    return (f"{name}_x AS (\n    {side('X', x_from, 'reporter', 'partner')}),\n"
            f"{name}_m AS (\n    {side('M', m_from, 'partner', 'reporter')}),\n"
            f"{name} AS (\n  SELECT {columns}\n  FROM {name}_x x FULL JOIN {name}_m m ON {match}\n)")  # fmt: skip


# Mirror pairs: what i reports exporting to j beside what j reports importing from i, code
# by code as reported (HS4 beside HS4, HS6 beside HS6), each side from any source (Comtrade,
# Comext, BACI, national), one row per pair of sources.
_MIRROR_COLUMNS = """coalesce(x.exporter, m.exporter) AS exporter, coalesce(x.importer, m.importer) AS importer,
       coalesce(x.hs, m.hs) AS hs, coalesce(x.hs_level, m.hs_level) AS hs_level, coalesce(x.year, m.year) AS year,
       x.value_usd AS export_value, m.value_usd AS import_value,
       x.source AS export_source, m.source AS import_source,
       x.hs_version AS export_hs_version, m.hs_version AS import_hs_version,
       x.months AS export_months, m.months AS import_months"""
_MIRROR_MEASURES = "any_value(hs_version) AS hs_version, sum(value_usd) AS value_usd, max(months) AS months"
MIRROR_PAIRS_SQL = f"""
CREATE OR REPLACE VIEW mirror_pairs AS
WITH {mirror_pairs_sql("annual", "annual", keys=("hs_level", "hs"), measures=_MIRROR_MEASURES, columns=_MIRROR_COLUMNS)}
SELECT * FROM pairs
"""

VIEWS_SQL: tuple[str, ...] = (
    STANDING_SQL, _figures_sql(), ANNUAL_SQL, ANNUAL_HS4_SQL, WORLD_TOTALS_SQL, COVERAGE_SQL, MIRROR_PAIRS_SQL,
    REVISIONS_SQL, COVERAGE_BY_PRODUCT_SQL,
)

_FLOW_DOCS = {c.name: c.description for c in FLOW_COLUMNS}
_ANNUAL_DOCS = {
    **_FLOW_DOCS,
    "reporter_name": "Reporter's English short name",
    "partner_name": "Partner's English short name",
    "description": "Product description, as the source file gave it",
    "value_usd": "Sum of value_usd over the year's figures",
    "cif_usd": "Sum of cif_usd; NULL unless every figure has one",
    "fob_usd": "Sum of fob_usd; NULL unless every figure has one",
    "qty": "Sum of qty; NULL unless every figure has one, in one unit",
    "net_kg": "Sum of net_kg; NULL unless every figure has one",
    "months": "Distinct months behind the figure (0 for annual data)",
    "rows": "Rows of flows behind the figure",
    "hs_basis": "reported (the HS4 row itself) or rolled up from HS6",
}

# name -> (kind, description, {column: description})
DOCS: dict[str, tuple[str, str, dict[str, str]]] = {
    "flows": ("view", "Every reported figure, one row each, as read (the canonical table), superseded vintages included: sum standing or figures", _FLOW_DOCS),
    "flow_rows": ("table", "Rows behind flows, every canonical column (store/layout.py); query flows instead", {}),
    "run_constants": ("table", "What a compact run's file states once for all its rows: source, flow, HS revision and level, partner basis ...; its rows are in table flow_rows_run_N (store/layout.py)", {}),
    "ingests": ("table", "One row per ingest run: file, sha256, rows read/kept/quarantined", {}),
    "quarantine": ("table", "Rows that could not be kept, with file, line, column, value and reason", {}),
    "countries": ("table", "ISO3 codes, names, M49 and UN Comtrade codes; kind = country, world, area_nes or group", {
        "iso3": "ISO3 code (our code for special areas)", "name": "English short name",
        "m49": "UN M49 / ISO numeric code", "comtrade_code": "UN Comtrade area code",
        "kind": "country, world, area_nes (areas not elsewhere specified) or group"}),
    "comtrade_codes": ("table", "Every numeric area code Comtrade files use (its own and M49) -> iso3", {
        "code": "Numeric area code", "iso3": "Our ISO3 code"}),
    "annual_cells": ("table", "Bookkeeping for the annual view: per ingest run and (source, reporter, year, flow), whether its rows are unique on annual's key and all totals (store/rollup.py)", {
        "unique_key": "No two rows of the run in the cell share annual's key", "all_total": "Every row is at the total level of mode, customs procedure and second partner"}),
    "products": ("table", "HS codes with the descriptions the ingested files gave", {
        "hs_version": "HS revision", "hs_level": "Digits", "hs": "HS code", "description": "Description",
        "ingest_id": "Ingest that first gave this description"}),
    "superseded": ("table", "Figures of earlier runs that a later run gave again (store/vintages.py): the later stands", {
        "ingest_id": "The earlier run whose rows of this identity are superseded",
        "by_ingest_id": "The later run that gave the figure again"}),
    "held": ("table", "What each run's file covers: source, reporter, flow, partner basis, HS code, year, month (HS6 rows hold their HS4 heading)", {
        "month": "Month held; NULL for annual data (the whole year)"}),
    "standing": ("view", "flows without the rows a later file superseded: every figure once, as the latest file gives it", _FLOW_DOCS),
    "coverage_by_product": ("view", "What the files cover, series by series: source x reporter x flow x partner basis x HS code x year, months held (not held is missing, not zero)", {
        "months_held": "Months some file covers, comma-separated (empty for annual data)", "n_months": "How many (12 for annual data)",
        "status": "full, or partial: the year is held in part", "runs": "Ingest runs whose files cover it"}),
    "revisions": ("view", "What a later file changed: each superseded figure, its old and new value, the runs and files", {
        "old_value_usd": "Value in the earlier run", "new_value_usd": "Value in the later run that superseded it",
        "change_usd": "new_value_usd - old_value_usd", "changed": "Whether value, qty or net_kg differ (FALSE: a repeat)",
        "old_run": "Earlier ingest run", "old_file": "Its file", "new_run": "Later ingest run", "new_file": "Its file"}),
    "figures": ("view", "standing flows with one level of each breakdown (mode, customs, second partner): safe to sum", _FLOW_DOCS),
    "annual": ("view", "figures by year, partners that are countries or areas nes, names joined; filter hs_level before summing codes", _ANNUAL_DOCS),
    "annual_hs4": ("view", "One figure per HS4 heading and year: reported, or rolled up from HS6 where the heading was not reported", _ANNUAL_DOCS),
    "world_totals": ("view", "Rows reported against partner WLD (world), by year: never add them to partner sums", _ANNUAL_DOCS),
    "mirror_pairs": ("view", "Exports reported by i to j beside imports reported by j from i (by origin), by year and HS code, one row per pair of sources", {
        "exporter": "Exporting country (reporter of the export side)", "importer": "Importing country (reporter of the import side)",
        "hs": "HS code", "hs_level": "Digits in the code", "year": "Year",
        "export_value": "Exports i -> j in USD as i reports them (FOB as a rule); NULL when i reports none",
        "import_value": "Imports of j from i in USD as j reports them (CIF as a rule); NULL when j reports none",
        "export_source": "Source of the export side", "import_source": "Source of the import side",
        "export_hs_version": "HS revision of the export side", "import_hs_version": "HS revision of the import side (compare like with like)",
        "export_months": "Months behind the export figure (0 for annual data)", "import_months": "Months behind the import figure"}),
    "coverage": ("view", "What the store holds: reporter x year x flow x HS version, months present (a missing month is missing, not zero)", {
        "months_present": "Sorted list of months with data", "n_months": "How many months",
        "annual_rows": "Whether annual (month NULL) rows exist", "partners": "Distinct partners",
        "products": "Distinct HS codes", "rows": "Rows in flows", "value_usd": "Sum of value_usd over all rows (mixes levels: a check figure, not a total)"}),
}
