"""Exempt siblings: codes just outside a sanctions list that grow like the codes inside it.

Goods under export controls can be declared under a nearby code that is not controlled. For
each basket, its *siblings* are the HS6 codes the store holds that share an HS4 heading with
one of the basket's codes but are neither in the basket nor in any built-in sanctioned basket;
the *control* is every other code that is not sanctioned. For the reporters' trade with the
partners (by default everyone's exports into the hubs and the targets), baseline against after
(annual means), each sibling gets:

- ``sibling_ratio``: after / baseline of the sibling code;
- ``inside_ratio``: the same for the basket's own codes in that heading;
- ``control_ratio``: the same for all control codes together;
- ``relative_growth = sibling_ratio / control_ratio``: growth beyond what ordinary goods did.

Flagged: ``relative_growth`` at least ``threshold``. A basket of whole headings (cars = 8703)
has no siblings: one row per source says so (status ``no_siblings``). Figures read HS6 rows only.

>>> import tempfile, pathlib, tradeflows
>>> from tradeflows.indicators.testing import load_rows
>>> store = tradeflows.open(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
>>> load_rows(store, [dict(year=y, reporter="DEU", partner="KGZ", flow="X", hs=hs, value_usd=v)
...                   for y, hs, v in ((2021, "848280", 10.0), (2022, "848280", 40.0), (2021, "848210", 5.0),
...                                    (2022, "848210", 15.0), (2021, "080810", 100.0), (2022, "080810", 200.0))])
>>> exempt_siblings(store, basket="chpl", baseline=2021, after=2022).select(
...     "hs", "sibling_ratio", "inside_ratio", "control_ratio", "relative_growth", "flagged").row(0)
('848280', 4.0, 3.0, 2.0, 2.0, True)
"""

from __future__ import annotations

from dataclasses import dataclass

from tradeflows.indicators.api import ScopeSpec, frame_function, public_function, runner, takes_settings
from tradeflows.indicators.base import (
    Scope,
    annual_means,
    basket_cte,
    codes_cte,
    in_list,
    join_on,
    literal,
    months_held,
    not_held,
    partial_reason,
    period_columns,
    ratio_of,
    rows_where,
    sanctioned_codes,
    source_filter,
    status_reason,
)

DEFAULT_BASKETS = "chpl"


def _listed(table: str, condition: str) -> str:
    """SQL: the code ``c.hs`` starts one of ``table``'s codes (of its revision) meeting ``condition``."""
    return (f"EXISTS (SELECT 1 FROM {table} k WHERE {condition} AND k.hs_version = c.hs_version "
            f"AND left(c.hs, k.code_level) = k.code)")  # fmt: skip


def _hs6_rows(scope: Scope, where: str) -> str:
    """CTE ``hs6_rows``: the HS6 figures of the reporters, by year, a year held in part taken as
    ``scope.partial`` says: whole as held; annualised x 12 / the months the reporter's file holds
    that year; like for like (default), a reporter's file with a short year read month by month,
    every year cut to the months all its years hold (``cut``)."""
    cols = "a.source, a.reporter, a.flow, a.year, a.hs_version, a.hs"
    if scope.partial == "whole":
        return (f"hs6_rows AS (\n  SELECT {cols}, a.value_usd, a.rows AS n_rows\n"
                f"  FROM annual a WHERE {where} AND a.hs_level = 6\n)")
    if scope.partial == "annualise":
        return f"""hs6_rows AS (
  SELECT {cols}, a.value_usd * 12.0 / y.months AS value_usd, a.rows AS n_rows
  FROM annual a JOIN file_years y ON y.source = a.source AND y.reporter = a.reporter AND y.flow = a.flow
   AND y.year = a.year
  WHERE {where} AND a.hs_level = 6
)"""
    on = "s.source = a.source AND s.reporter = a.reporter AND s.flow = a.flow"
    return f"""hs6_rows AS (
  SELECT {cols}, a.value_usd, a.rows AS n_rows
  FROM annual a WHERE {where} AND a.hs_level = 6 AND NOT EXISTS (SELECT 1 FROM short s WHERE {on})
  UNION ALL
  SELECT {cols}, SUM(a.value_usd), COUNT(*)
  FROM figures a JOIN countries pc ON pc.iso3 = a.partner AND pc.kind IN ('country', 'area_nes')
  JOIN cut s ON {on} AND s.month = a.month
  WHERE {where} AND a.hs_level = 6
  GROUP BY {cols}
)"""


@dataclass(frozen=True)
class Settings:
    """Exempt siblings' options: flagged where a sibling grows at least ``threshold`` times
    ordinary goods."""

    threshold: float = 1.5


SCOPE = ScopeSpec(basket=DEFAULT_BASKETS, partner="hubs,targets")


@takes_settings(Settings)
def sql(scope: Scope, settings: Settings) -> str:
    """The exempt-siblings indicator as one SQL text; ``sanctioned`` are the resolved codes of
    every sanctioned basket (``base.sanctioned_codes``), which are neither siblings nor control.

    What each reporter's files cover comes from table ``held``: a code of the basket or a
    sibling is held in a year where the file covers its heading (HS6 rows hold their heading),
    the control where the file covers any heading. Each reporter's figures are averaged over
    the years its series holds; a sum over reporters compares like for like: a reporter holding
    one period only is left out of both (named in ``reason``), and a code no reporter holds in
    both periods is ``not_held``."""
    sanctioned = sanctioned_codes(scope.coverage.codes) if scope.coverage is not None else None
    threshold = settings.threshold
    where = rows_where(scope, "a", flows=[scope.flow], reporters=scope.reporters, partners=scope.partners,
                       first_year=scope.first_year, last_year=scope.last_year)  # fmt: skip
    held_where = " AND ".join([
        in_list("h.flow", [scope.flow]), in_list("h.reporter", scope.reporters),
        f"h.year BETWEEN {scope.first_year} AND {scope.last_year}", source_filter(scope, "h.source"),
        "COALESCE(h.partner_basis, 'origin') <> 'consignment'",
    ])  # fmt: skip
    b, a = scope.baseline, scope.after
    mean_b, mean_a = annual_means(scope, "CASE WHEN py.nb > 0 AND py.na > 0 THEN value_usd END")
    both = "py.nb > 0 AND py.na > 0"
    compared = f"COUNT(DISTINCT CASE WHEN {both} THEN t.reporter END)"

    def one_period(n: str) -> str:  # the reporters behind a code holding no year of a period
        names = f"STRING_AGG(DISTINCT CASE WHEN py.{n} = 0 THEN t.reporter END, '+')"
        return f"COALESCE(array_to_string(list_sort(string_split({names}, '+')), '+'), '')"  # in order, each once

    return f"""WITH {basket_cte(scope)},
{codes_cte("p_sanctioned", sanctioned)},
held_hs AS (
  -- the years (and months) each reporter's files cover a heading (table held)
  SELECT h.source, h.reporter, h.flow, h.hs AS hs4, h.year,
         {months_held("h")} AS months
  FROM held h WHERE {held_where} AND h.hs_level = 4
  GROUP BY h.source, h.reporter, h.flow, h.hs, h.year
),
file_years AS (
  SELECT source, reporter, flow, year, MAX(months) AS months FROM held_hs GROUP BY source, reporter, flow, year
),
series_years AS (
  SELECT source, reporter, flow, hs4, COUNT(CASE WHEN {b.between()} THEN year END) AS nb,
         COUNT(CASE WHEN {a.between()} THEN year END) AS na, MIN(months) AS min_months
  FROM held_hs GROUP BY source, reporter, flow, hs4
  UNION ALL
  SELECT source, reporter, flow, '*', COUNT(CASE WHEN {b.between()} THEN year END),
         COUNT(CASE WHEN {a.between()} THEN year END), MIN(months)
  FROM file_years GROUP BY source, reporter, flow
),
short AS (
  SELECT source, reporter, flow, COUNT(*) AS n_years FROM file_years GROUP BY source, reporter, flow
  HAVING MIN(months) < 12
),
cut AS (
  SELECT h.source, h.reporter, h.flow, h.month
  FROM held h JOIN short s ON s.source = h.source AND s.reporter = h.reporter AND s.flow = h.flow
  WHERE {held_where} AND h.month IS NOT NULL
  GROUP BY h.source, h.reporter, h.flow, h.month, s.n_years
  HAVING COUNT(DISTINCT h.year) = s.n_years
),
{_hs6_rows(scope, where)},
codes AS (SELECT DISTINCT hs_version, hs FROM hs6_rows),
baskets AS (SELECT DISTINCT basket FROM p_basket),
headings AS (SELECT DISTINCT basket, hs_version, left(code, 4) AS hs4 FROM p_basket WHERE code_level >= 4),
classified AS (
  SELECT b.basket, c.hs_version, c.hs,
         CASE WHEN {_listed("p_basket", "k.basket = b.basket")} THEN 'inside'
              WHEN {_listed("p_sanctioned", "TRUE")} THEN 'other_sanctioned'
              WHEN EXISTS (SELECT 1 FROM headings h WHERE h.basket = b.basket AND h.hs_version = c.hs_version
                           AND h.hs4 = left(c.hs, 4)) THEN 'sibling'
              ELSE 'control' END AS role
  FROM codes c CROSS JOIN baskets b
),
tagged AS (
  SELECT k.basket, k.role, r.source, r.reporter, r.flow, r.year, r.hs, left(r.hs, 4) AS hs4, r.value_usd, r.n_rows
  FROM hs6_rows r JOIN classified k ON k.hs_version = r.hs_version AND k.hs = r.hs
  WHERE k.role <> 'other_sanctioned'
),
per_code AS (
  -- the figures of the reporters holding both periods only: NULL where none does
  SELECT t.source, t.basket, t.role, t.hs4, t.hs, CASE WHEN {compared} > 0 THEN {mean_b} END AS baseline_usd,
         CASE WHEN {compared} > 0 THEN {mean_a} END AS after_usd,
         CAST(SUM(CASE WHEN {both} THEN t.n_rows ELSE 0 END) AS BIGINT) AS n_rows,
         {compared} AS n_compared,
         COALESCE(MAX(CASE WHEN {both} THEN py.nb END), 0) AS baseline_years,
         COALESCE(MAX(CASE WHEN {both} THEN py.na END), 0) AS after_years,
         MIN(CASE WHEN {both} THEN py.min_months END) AS min_months,
         {one_period("nb")} AS no_baseline, {one_period("na")} AS no_after
  FROM tagged t JOIN series_years py ON py.source = t.source AND py.reporter = t.reporter AND py.flow = t.flow
   AND py.hs4 = CASE WHEN t.role = 'control' THEN '*' ELSE t.hs4 END
  GROUP BY t.source, t.basket, t.role, t.hs4, t.hs
),
inside AS (
  SELECT source, basket, hs4, SUM(baseline_usd) AS baseline_usd, SUM(after_usd) AS after_usd
  FROM per_code WHERE role = 'inside' GROUP BY source, basket, hs4
),
control AS (
  SELECT source, basket, SUM(baseline_usd) AS baseline_usd, SUM(after_usd) AS after_usd,
         CAST(SUM(n_rows) AS BIGINT) AS n_rows, COUNT(CASE WHEN n_compared > 0 THEN 1 END) AS n_codes,
         MIN(min_months) AS min_months
  FROM per_code WHERE role = 'control' GROUP BY source, basket
),
siblings AS (
  SELECT s.source, s.basket, s.hs4, s.hs, s.baseline_usd AS sibling_baseline_usd, s.after_usd AS sibling_after_usd,
         {ratio_of("s.after_usd", "s.baseline_usd")} AS sibling_ratio,
         i.baseline_usd AS inside_baseline_usd, i.after_usd AS inside_after_usd,
         {ratio_of("i.after_usd", "i.baseline_usd")} AS inside_ratio,
         {ratio_of("c.after_usd", "c.baseline_usd")} AS control_ratio,
         s.n_rows, COALESCE(c.n_codes, 0) AS n_control_codes, s.n_compared, s.baseline_years, s.after_years,
         LEAST(s.min_months, c.min_months) AS min_months, s.no_baseline, s.no_after,
         -- who holds one period only, for the reason
         CASE WHEN s.no_baseline <> '' THEN s.no_baseline ELSE s.no_after END AS reporter,
         {literal(scope.flow)} AS flow
  FROM per_code s
  LEFT JOIN inside i ON {join_on("i", "s", ("source", "basket", "hs4"))}
  LEFT JOIN control c ON {join_on("c", "s", ("source", "basket"))}
  WHERE s.role = 'sibling'
),
scored AS (
  SELECT s.*, sibling_ratio / NULLIF(control_ratio, 0) AS relative_growth,
         {status_reason([
             ("s.n_compared = 0", "not_held",
              not_held("s", f"CASE WHEN s.no_baseline <> '' THEN {literal(b.label)} ELSE {literal(a.label)} END")),
             ("sibling_baseline_usd = 0", "zero_baseline",
              "'the sibling code had no trade in the baseline: a ratio is undefined (see new-flows)'"),
             ("control_ratio IS NULL", "no_control",
              "'no other unsanctioned code with baseline trade to compare with'"),
             ("s.min_months < 12", "partial", partial_reason(scope, "s.min_months", literal(a.label))),
         ], ok_reason="NULLIF(CONCAT_WS('; ', CASE WHEN inside_ratio IS NULL THEN 'the basket''s own codes of the "
                      "heading are not held with baseline trade: no inside ratio' END, CASE WHEN s.no_baseline <> '' "
                      f"THEN s.no_baseline || ' left out of both periods: no file covers the heading in ' || "
                      f"{literal(b.label)} END, CASE WHEN s.no_after <> '' THEN s.no_after || ' left out of both "
                      f"periods: no file covers the heading in ' || {literal(a.label)} END), '')")}
  FROM siblings s
)
SELECT source, basket, hs4, hs, {period_columns(scope, years=True)},
       sibling_baseline_usd, sibling_after_usd, sibling_ratio, inside_ratio, control_ratio, relative_growth,
       COALESCE(relative_growth >= {literal(float(threshold))}, FALSE) AS flagged,
       n_rows, n_control_codes, status, reason
FROM scored
UNION ALL
SELECT b.source, b.basket, CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), {period_columns(scope)},
       CAST(NULL AS BIGINT), CAST(NULL AS BIGINT),
       CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE),
       CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), FALSE, CAST(0 AS BIGINT), CAST(0 AS BIGINT), 'no_siblings',
       'no HS6 code the store holds shares a heading with the basket outside every sanctioned list '
       || '(a basket of whole headings, such as cars = 8703, has none)'
FROM (SELECT DISTINCT r.source, p.basket FROM hs6_rows r CROSS JOIN baskets p) b
WHERE NOT EXISTS (SELECT 1 FROM scored s WHERE s.basket = b.basket AND s.source = b.source)
ORDER BY basket, flagged DESC, relative_growth DESC NULLS LAST, hs"""


run = runner(sql)
frame = frame_function(Settings, run)
exempt_siblings = public_function("exempt_siblings", settings=Settings, scope=SCOPE, run=run, doc="""\
Growth of the unsanctioned HS6 codes sharing a heading with the basket, against ordinary goods.

Columns: source, basket, hs4 (the heading), hs (the sibling code), baseline, after,
baseline_years, after_years, sibling_baseline_usd, sibling_after_usd, sibling_ratio,
inside_ratio (the basket's codes in the heading), control_ratio (every other unsanctioned
code), relative_growth, flagged, n_rows, n_control_codes, status, reason. baseline_years and
after_years: the most years a reporter's file behind the sibling holds in each period (the
divisors of its means); ``partial``: how a year held in part is compared
(``indicators.base.PARTIAL_CHOICES``; like for like by default).
""")
