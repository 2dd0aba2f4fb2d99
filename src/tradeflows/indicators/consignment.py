"""Origin against consignment: a hub's imports consigned from a country beside those made there.

Some statistics give a country's imports twice: by country of origin (where the goods were
made) and by country of consignment (where they were shipped from). Goods consigned from
c but made elsewhere passed through c: for a hub h, a partner c with imports *consigned*
from it well above those *originating* in it is a transit or re-export country for h (the
Armenian national file gives both; Comtrade's second partner is the consignment country).

For hub h (``reporter``), each partner c and the product ``hs`` (``TOTAL`` for all goods,
as national tables give them, or an HS code at its own level): the annual means of imports
by origin and by consignment over the years each basis holds (table ``held``), their
difference ``consigned_minus_origin_*`` and ratio ``consignment_ratio_*``, baseline and after.

>>> import tempfile, pathlib, tradeflows
>>> from tradeflows.indicators.testing import load_rows
>>> store = tradeflows.open(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
>>> load_rows(store, [dict(year=y, reporter="ARM", partner="GEO", flow="M", hs="8703", value_usd=v, partner_basis=b)
...     for y, v, b in ((2021, 10.0, "origin"), (2021, 12.0, "consignment"), (2022, 11.0, "origin"),
...                     (2022, 90.0, "consignment"))])
>>> origin_consignment(store, reporter="ARM", hs="8703", baseline=2021, after=2022).select(
...     "partner", "consigned_minus_origin_baseline_usd", "consigned_minus_origin_after_usd", "status").row(0)
('GEO', 2.0, 79.0, 'ok')
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import polars as pl

from tradeflows.errors import ParameterError
from tradeflows.indicators.base import (
    DEFAULT_AFTER,
    DEFAULT_BASELINE,
    PARTIAL_CHOICES,
    CountriesLike,
    Years,
    YearsLike,
    as_countries,
    as_years,
    in_list,
    literal,
    months_held,
    run,
    status_reason,
)

if TYPE_CHECKING:
    from tradeflows.store import Store

BASES = ("origin", "consignment")


def sql(reporters: tuple[str, ...] | None, partners: tuple[str, ...] | None, hs: str, baseline: Years,
        after: Years, *, source: str | None = None, partial: str = "like_for_like") -> str:  # fmt: skip
    """The indicator as one SQL text over ``annual`` and ``held``."""
    level = 0 if hs == "TOTAL" else len(hs)
    first, last = min(baseline.first, after.first), max(baseline.last, after.last)
    def common(t: str) -> str:
        return " AND ".join([
            f"{t}.flow = 'M'", in_list(f"{t}.reporter", reporters), f"{t}.hs = {literal(hs)}",
            f"{t}.hs_level = {level}", f"{t}.year BETWEEN {first} AND {last}",
            f"{t}.partner_basis IN ('origin', 'consignment')", f"{t}.source = {literal(source)}" if source else "TRUE",
        ])  # fmt: skip

    if partial == "like_for_like":
        scale, cut_filter = "1.0", ("(f.month IS NULL OR NOT EXISTS (SELECT 1 FROM cut c WHERE c.source = f.source AND "
                                    "c.reporter = f.reporter AND c.partner_basis = f.partner_basis) OR EXISTS (SELECT "
                                    "1 FROM cut c WHERE c.source = f.source AND c.reporter = f.reporter AND "
                                    "c.partner_basis = f.partner_basis AND c.month = f.month))")  # fmt: skip
    else:
        scale, cut_filter = ("12.0 / y.months" if partial == "annualise" else "1.0"), "TRUE"

    def mean(years: Years, basis: str) -> str:
        held = f"MAX(h.{'nb' if years is baseline else 'na'}_{basis})"
        total = f"SUM(CASE WHEN r.partner_basis = '{basis}' AND {years.between('r.year')} THEN r.value_usd END)"
        return f"CASE WHEN {held} > 0 THEN COALESCE({total}, 0) / {held} END"

    columns = ",\n         ".join(
        f"{mean(years, basis)} AS {basis}_{period}_usd"
        for period, years in (("baseline", baseline), ("after", after)) for basis in BASES
    )
    return f"""WITH held_years AS (
  SELECT source, reporter, partner_basis, year,
         {months_held("h")} AS months
  FROM held h WHERE {common("h")}
  GROUP BY source, reporter, partner_basis, year
),
held_bases AS (
  SELECT source, reporter, partner_basis, MIN(months) AS min_months, COUNT(*) AS n_years,
         COUNT(CASE WHEN {baseline.between()} THEN year END) AS nb,
         COUNT(CASE WHEN {after.between()} THEN year END) AS na
  FROM held_years GROUP BY source, reporter, partner_basis
),
held_pivot AS (
  SELECT source, reporter, MIN(min_months) AS min_months,
         {", ".join(f"MAX(CASE WHEN partner_basis = '{b}' THEN {n} END) AS {n}_{b}"
                    for b in BASES for n in ("nb", "na"))}
  FROM held_bases GROUP BY source, reporter
),
cut AS (
  -- like for like: the months every held year of a basis holds, where one holds fewer than 12
  SELECT h.source, h.reporter, h.partner_basis, h.month
  FROM held h JOIN held_bases b ON b.source = h.source AND b.reporter = h.reporter
   AND b.partner_basis = h.partner_basis AND b.min_months < 12
  WHERE {common("h")} AND h.month IS NOT NULL
  GROUP BY h.source, h.reporter, h.partner_basis, h.month, b.n_years
  HAVING COUNT(DISTINCT h.year) = b.n_years
),
rows_ AS (
  SELECT f.source, f.reporter, f.partner, f.partner_basis, f.year,
         SUM(f.value_usd * {scale}) AS value_usd, COUNT(*) AS n_rows
  FROM figures f JOIN countries pc ON pc.iso3 = f.partner AND pc.kind IN ('country', 'area_nes')
  LEFT JOIN held_years y ON y.source = f.source AND y.reporter = f.reporter AND y.partner_basis = f.partner_basis
   AND y.year = f.year
  WHERE {common("f")} AND {in_list("f.partner", partners)}
    AND {cut_filter}
  GROUP BY f.source, f.reporter, f.partner, f.partner_basis, f.year
),
means AS (
  SELECT r.source, r.reporter, r.partner,
         {columns},
         MAX(h.nb_consignment) AS baseline_years, MAX(h.na_consignment) AS after_years, MIN(h.min_months) AS min_months,
         CAST(SUM(r.n_rows) AS BIGINT) AS n_rows
  FROM rows_ r JOIN held_pivot h ON h.source = r.source AND h.reporter = r.reporter
  GROUP BY r.source, r.reporter, r.partner
)
SELECT source, reporter AS hub, partner, {literal(hs)} AS hs, {literal(baseline.label)} AS baseline,
       {literal(after.label)} AS after, COALESCE(baseline_years, 0) AS baseline_years,
       COALESCE(after_years, 0) AS after_years, origin_baseline_usd, consignment_baseline_usd, origin_after_usd,
       consignment_after_usd,
       consignment_baseline_usd - origin_baseline_usd AS consigned_minus_origin_baseline_usd,
       consignment_after_usd - origin_after_usd AS consigned_minus_origin_after_usd,
       CASE WHEN origin_baseline_usd > 0 THEN consignment_baseline_usd / origin_baseline_usd END
         AS consignment_ratio_baseline,
       CASE WHEN origin_after_usd > 0 THEN consignment_after_usd / origin_after_usd END AS consignment_ratio_after,
       n_rows,
       {status_reason([
           ("baseline_years IS NULL", "no_consignment_data",
            "'the store holds no imports of the hub by country of consignment for this product'"),
           ("origin_after_usd IS NULL OR origin_baseline_usd IS NULL", "no_origin_data",
            "'not held: no file covers the hub''s imports by origin in one period'"),
           ("baseline_years = 0 OR after_years = 0", "not_held",
            f"'not held: no file covers the hub''s imports by consignment in ' || "
            f"CASE WHEN baseline_years = 0 THEN {literal(baseline.label)} ELSE {literal(after.label)} END"),
           ("min_months < 12", "partial", f"'partial: a year holds ' || CAST(min_months AS VARCHAR) || ' months; "
            f"{PARTIAL_CHOICES[partial]}'"),
       ])}
FROM means
ORDER BY source, hub, consigned_minus_origin_after_usd DESC NULLS LAST, partner"""


def origin_consignment(
    store: Store,
    *,
    reporter: CountriesLike,
    partner: CountriesLike = None,
    hs: str = "TOTAL",
    baseline: YearsLike = DEFAULT_BASELINE,
    after: YearsLike = DEFAULT_AFTER,
    source: str | None = None,
    groups: dict | None = None,
    partial: str = "like_for_like",
) -> pl.DataFrame:
    """A hub's (``reporter``) imports from each partner by consignment beside those by origin.

    Columns: source, hub, partner, hs, baseline, after, baseline_years and after_years (the
    years the consignment series holds), origin_* and consignment_* (annual means, USD),
    consigned_minus_origin_* (goods shipped from the partner but made elsewhere, net),
    consignment_ratio_*, n_rows, status, reason. ``partial``: how a year held in part is
    compared (``indicators.base.PARTIAL_CHOICES``; like for like by default).
    """
    if partial not in PARTIAL_CHOICES:
        raise ParameterError(f"partial={partial!r}: expected one of {', '.join(PARTIAL_CHOICES)}")
    if hs != "TOTAL" and not re.fullmatch(r"\d{2}(\d{2}){0,2}", hs):
        raise ParameterError(f"hs={hs!r}: expected TOTAL (all goods) or an HS code of 2, 4 or 6 digits, e.g. 8703")
    reporters, _ = as_countries(reporter, name="reporter", groups=groups)
    partners, _ = as_countries(partner, name="partner", groups=groups)
    base, post = as_years(baseline, name="baseline"), as_years(after, name="after")
    return run(store, sql(reporters, partners, hs, base, post, source=source, partial=partial))
