"""Mirror imports: the target's imports rebuilt from what its partners report exporting to it.

Russia has published no detailed customs data since 2022, so its imports of a basket are
the sum of every other country's reported exports to it (FOB, so somewhat below what
Russia would record CIF). One row per target and exporter, plus an ``ALL`` row per
target: annual means in the baseline and after, the ratio, and each exporter's share of
the rebuilt total with its change in percentage points (the supplier shift). An exporter whose
files hold only one of the two periods is left out of the ``ALL`` row (both periods) and named
in its ``reason``; its own row says which period is not held.

>>> import tempfile, pathlib, tradeflows
>>> from tradeflows.indicators.testing import load_rows
>>> store = tradeflows.open(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
>>> load_rows(store, [dict(year=y, reporter=r, partner="RUS", hs="8471", value_usd=v) for y, r, v in
...     ((2021, "DEU", 80.0), (2021, "CHN", 20.0), (2022, "DEU", 10.0), (2022, "CHN", 90.0))])
>>> mirror_imports(store, basket="computers", baseline=2021, after=2022).select(
...     "exporter", "baseline_usd", "after_usd", "share_after", "change_pp").rows()
[('ALL', 100.0, 100.0, 1.0, 0.0), ('CHN', 20.0, 90.0, 0.9, 70.0), ('DEU', 80.0, 10.0, 0.1, -70.0)]
"""

from __future__ import annotations

from dataclasses import dataclass

from tradeflows.indicators.api import ScopeSpec, frame_function, public_function, runner, takes_settings
from tradeflows.indicators.base import (
    Scope,
    basket_cte,
    basket_flows_cte,
    join_on,
    left_out_reason,
    literal,
    names_sorted,
    period_columns,
    period_means_cte,
    period_years_cte,
    status_reason,
)


@dataclass(frozen=True)
class Settings:
    """Mirror imports take no options of their own."""


SCOPE = ScopeSpec(partner="targets", flow="X", reads=(("reporter", "X"),))


@takes_settings(Settings)
def sql(scope: Scope, settings: Settings) -> str:
    """The mirror-imports indicator as one SQL text; ``scope.partners`` are the targets."""
    b, a = scope.baseline, scope.after
    keys = ("source", "basket", "partner")
    g = ", ".join(keys)

    def compared(column: str) -> str:  # an exporter's figure where its series holds both periods
        return f"CASE WHEN baseline_years > 0 AND after_years > 0 THEN {column} END"

    def left_out(years: str) -> str:  # the exporters whose series holds no year of a period
        return f"STRING_AGG(CASE WHEN {years} = 0 THEN exporter END, '+')"

    return f"""WITH {basket_cte(scope)},
{period_years_cte(scope)},
{basket_flows_cte(scope, flows=["X"])},
{period_means_cte(scope, "per_exporter", "bf", keys=[*keys, "reporter AS exporter"],
                  means={("baseline_usd", "after_usd"): "value_usd"},
                  extra=["MAX(py.nb) AS baseline_years", "MAX(py.na) AS after_years",
                         "CAST(SUM(n_rows) AS BIGINT) AS n_rows"])},
with_total AS (
  SELECT *, CAST(NULL AS VARCHAR) AS no_baseline, CAST(NULL AS VARCHAR) AS no_after FROM per_exporter
  UNION ALL
  -- the exporters holding both periods only (the rule of substitution): NULL where none does
  SELECT {g}, 'ALL' AS exporter, SUM({compared("baseline_usd")}), SUM({compared("after_usd")}),
         MAX({compared("baseline_years")}), MAX({compared("after_years")}),
         CAST(SUM({compared("n_rows")}) AS BIGINT),
         {names_sorted(left_out("baseline_years"))}, {names_sorted(left_out("after_years"))}
  FROM per_exporter GROUP BY {g}
),
shares AS (
  SELECT w.*,
         CASE WHEN t.baseline_usd > 0 AND w.baseline_years > 0 AND w.after_years > 0
              THEN w.baseline_usd / t.baseline_usd END AS share_baseline,
         CASE WHEN t.after_usd > 0 AND w.baseline_years > 0 AND w.after_years > 0
              THEN w.after_usd / t.after_usd END AS share_after
  FROM with_total w JOIN with_total t ON {join_on("t", "w", keys)} AND t.exporter = 'ALL'
)
SELECT source, basket, partner AS target, exporter, {period_columns(scope)},
       baseline_years, after_years, baseline_usd, after_usd,
       CASE WHEN baseline_usd > 0 THEN after_usd / baseline_usd END AS ratio,
       share_baseline, share_after, 100.0 * (share_after - share_baseline) AS change_pp, n_rows,
       {status_reason([
           ("baseline_years = 0", "no_baseline_data",
            f"'not held: no file covers the exporter''s exports of the basket in ' || {literal(b.label)}"),
           ("after_years = 0", "no_after_data",
            f"'not held: no file covers the exporter''s exports of the basket in ' || {literal(a.label)}"),
       ], ok_reason=left_out_reason(scope, "no_baseline", "no_after", "their exports of the basket"))}
FROM shares
ORDER BY source, basket, target, CASE WHEN exporter = 'ALL' THEN 0 ELSE 1 END, after_usd DESC, exporter"""


run = runner(sql)
frame = frame_function(Settings, run)
mirror_imports = public_function("mirror_imports", settings=Settings, scope=SCOPE, run=run, doc="""\
The targets' (``partner``) imports rebuilt from the exports reporters declare to them.

``reporter`` limits the exporters (all by default). Years without exports count as
zero in the means only where the exporter's file covers them (held years). Columns:
source, basket, target, exporter (ALL = the rebuilt total), baseline, after, baseline_years,
after_years, baseline_usd, after_usd (annual means, USD), ratio, share_baseline, share_after, change_pp, n_rows, status, reason.
""")
