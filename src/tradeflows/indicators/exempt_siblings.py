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

from typing import TYPE_CHECKING

import polars as pl

from tradeflows.indicators.base import (
    DEFAULT_AFTER,
    DEFAULT_BASELINE,
    BasketLike,
    CountriesLike,
    Scope,
    YearsLike,
    basket_cte,
    codes_cte,
    join_on,
    literal,
    make_scope,
    period_columns,
    period_means_cte,
    period_years_cte,
    ratio_of,
    rows_where,
    run,
    sanctioned_codes,
    status_reason,
)
from tradeflows.reference.baskets import held_codes

if TYPE_CHECKING:
    from tradeflows.store import Store

DEFAULT_BASKETS = "chpl"


def _listed(table: str, condition: str) -> str:
    """SQL: the code ``c.hs`` starts one of ``table``'s codes (of its revision) meeting ``condition``."""
    return (f"EXISTS (SELECT 1 FROM {table} k WHERE {condition} AND k.hs_version = c.hs_version "
            f"AND left(c.hs, k.code_level) = k.code)")  # fmt: skip


def sql(scope: Scope, *, sanctioned: pl.DataFrame | None = None, threshold: float = 1.5) -> str:
    """The exempt-siblings indicator as one SQL text; ``sanctioned`` are the resolved codes of
    every sanctioned basket (``base.sanctioned_codes``), which are neither siblings nor control."""
    where = rows_where(scope, "a", flows=[scope.flow], reporters=scope.reporters, partners=scope.partners,
                       first_year=scope.first_year, last_year=scope.last_year)  # fmt: skip
    return f"""WITH {basket_cte(scope)},
{codes_cte("p_sanctioned", sanctioned)},
{period_years_cte(scope)},
hs6_rows AS (
  SELECT a.source, a.year, a.hs_version, a.hs, a.value_usd, a.rows AS n_rows
  FROM annual a WHERE {where} AND a.hs_level = 6
),
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
  SELECT k.basket, k.role, r.source, r.year, r.hs, left(r.hs, 4) AS hs4, r.value_usd, r.n_rows
  FROM hs6_rows r JOIN classified k ON k.hs_version = r.hs_version AND k.hs = r.hs
  WHERE k.role <> 'other_sanctioned'
),
{period_means_cte(scope, "per_code", "tagged", keys=["source", "basket", "role", "hs4", "hs"],
                  means={("baseline_usd", "after_usd"): "value_usd"},
                  extra=["CAST(SUM(n_rows) AS BIGINT) AS n_rows"])},
inside AS (
  SELECT source, basket, hs4, SUM(baseline_usd) AS baseline_usd, SUM(after_usd) AS after_usd
  FROM per_code WHERE role = 'inside' GROUP BY source, basket, hs4
),
control AS (
  SELECT source, basket, SUM(baseline_usd) AS baseline_usd, SUM(after_usd) AS after_usd,
         CAST(SUM(n_rows) AS BIGINT) AS n_rows, COUNT(*) AS n_codes
  FROM per_code WHERE role = 'control' GROUP BY source, basket
),
siblings AS (
  SELECT s.source, s.basket, s.hs4, s.hs, s.baseline_usd AS sibling_baseline_usd, s.after_usd AS sibling_after_usd,
         {ratio_of("s.after_usd", "s.baseline_usd")} AS sibling_ratio,
         i.baseline_usd AS inside_baseline_usd, i.after_usd AS inside_after_usd,
         {ratio_of("i.after_usd", "i.baseline_usd")} AS inside_ratio,
         {ratio_of("c.after_usd", "c.baseline_usd")} AS control_ratio,
         s.n_rows, COALESCE(c.n_codes, 0) AS n_control_codes
  FROM per_code s
  LEFT JOIN inside i ON {join_on("i", "s", ("source", "basket", "hs4"))}
  LEFT JOIN control c ON {join_on("c", "s", ("source", "basket"))}
  WHERE s.role = 'sibling'
),
scored AS (
  SELECT s.*, sibling_ratio / NULLIF(control_ratio, 0) AS relative_growth,
         {status_reason([
             ("sibling_baseline_usd = 0", "zero_baseline",
              "'the sibling code had no trade in the baseline: a ratio is undefined (see new-flows)'"),
             ("control_ratio IS NULL", "no_control",
              "'no other unsanctioned code with baseline trade to compare with'"),
         ], ok_reason="CASE WHEN inside_ratio IS NULL THEN 'the basket''s own codes of the heading are not held "
                      "with baseline trade: no inside ratio' END")}
  FROM siblings s
)
SELECT source, basket, hs4, hs, {period_columns(scope, years=True)},
       sibling_baseline_usd, sibling_after_usd, sibling_ratio, inside_ratio, control_ratio, relative_growth,
       COALESCE(relative_growth >= {literal(float(threshold))}, FALSE) AS flagged,
       n_rows, n_control_codes, status, reason
FROM scored
UNION ALL
SELECT b.source, b.basket, CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), {period_columns(scope, years=True)},
       CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE),
       CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), FALSE, CAST(0 AS BIGINT), CAST(0 AS BIGINT), 'no_siblings',
       'no HS6 code the store holds shares a heading with the basket outside every sanctioned list '
       || '(a basket of whole headings, such as cars = 8703, has none)'
FROM (SELECT DISTINCT r.source, p.basket FROM hs6_rows r CROSS JOIN baskets p) b
WHERE NOT EXISTS (SELECT 1 FROM scored s WHERE s.basket = b.basket AND s.source = b.source)
ORDER BY basket, flagged DESC, relative_growth DESC NULLS LAST, hs"""


def exempt_siblings(
    store: Store,
    *,
    basket: BasketLike | list[BasketLike] = DEFAULT_BASKETS,
    reporter: CountriesLike = None,
    partner: CountriesLike = "hubs,targets",
    flow: str = "X",
    baseline: YearsLike = DEFAULT_BASELINE,
    after: YearsLike = DEFAULT_AFTER,
    threshold: float = 1.5,
    source: str | None = None,
    baskets: dict | None = None,
    groups: dict | None = None,
) -> pl.DataFrame:
    """Growth of the unsanctioned HS6 codes sharing a heading with the basket, against ordinary goods.

    Columns: source, basket, hs4 (the heading), hs (the sibling code), baseline, after,
    baseline_years, after_years, sibling_baseline_usd, sibling_after_usd, sibling_ratio,
    inside_ratio (the basket's codes in the heading), control_ratio (every other unsanctioned
    code), relative_growth, flagged, n_rows, n_control_codes, status, reason.
    """
    scope = make_scope(store, basket=basket, reporter=reporter, partner=partner, flow=flow, baseline=baseline,
                       after=after, source=source, baskets=baskets, groups=groups)  # fmt: skip
    return frame(store, scope, threshold=threshold)


def frame(store: Store, scope: Scope, **options: float) -> pl.DataFrame:
    """Run the indicator for an already resolved scope."""
    return run(store, sql(scope, sanctioned=sanctioned_codes(held_codes(store)), **options))
