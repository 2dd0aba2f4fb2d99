"""Hub profile: a hub's trade in a basket as it reports it, baseline against after.

For hub h and basket k, from h's own declarations: its imports from every partner (CIF as
declared), its exports to every partner and to the targets (FOB), each an annual mean over
the years that series holds in the baseline and in the after period (a year no file covers
is missing, not zero), the ratio of the two means, and the targets' share of its exports.
The figures a route report's headline shows; ``monthly`` gives the same trade month by
month, by partner group, for its chart.

Worked by hand: Georgia imports 40 in 2021 and 100 in 2022, exports 10 (2 to Russia) in
2021 and 50 (30 to Russia) in 2022: the targets' share goes from 2/10 = 20% to 30/50 = 60%.

>>> import tempfile, pathlib, tradeflows
>>> from tradeflows.indicators.testing import load_rows
>>> store = tradeflows.open(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
>>> load_rows(store, [dict(year=y, reporter="GEO", partner=p, flow=f, hs="8703", value_usd=v) for y, p, f, v in
...     ((2021, "USA", "M", 40.0), (2021, "RUS", "X", 2.0), (2021, "TUR", "X", 8.0),
...      (2022, "USA", "M", 100.0), (2022, "RUS", "X", 30.0), (2022, "TUR", "X", 20.0))])
>>> hub_profile(store, basket="cars", reporter="GEO", partner="RUS", baseline=2021, after=2022).select(
...     "imports_ratio", "exports_ratio", "targets_ratio", "targets_share_baseline", "targets_share_after",
...     "status").row(0)
(2.5, 5.0, 15.0, 0.2, 0.6, 'ok')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from tradeflows.indicators.api import REQUIRED, ScopeSpec, frame_function, public_function, runner, takes_settings
from tradeflows.indicators.base import (
    Scope,
    basket_cte,
    basket_flows_cte,
    in_list,
    join_on,
    literal,
    partial_reason,
    period_columns,
    period_means_cte,
    period_years_cte,
    ratio_of,
    status_reason,
)
from tradeflows.indicators.base import run as run_sql

if TYPE_CHECKING:
    from tradeflows.store import Store

# The series of ``monthly``: the hub's imports from the origins and from others, its exports
# to the targets and to others.
SERIES = ("imports from origins", "imports from others", "exports to targets", "exports to others")


@dataclass(frozen=True)
class Settings:
    """Hub profile takes no options of its own."""


# The hub's own imports and exports: both series give its default periods and its runs.
SCOPE = ScopeSpec(basket=REQUIRED, reporter="hubs", partner="targets", flow="X",
                  reads=(("reporter", "M"), ("reporter", "X")))


@takes_settings(Settings)
def sql(scope: Scope, settings: Settings) -> str:
    """The hub profile as one SQL text; ``scope.reporters`` are the hubs, ``scope.partners`` the targets."""
    b, a = scope.baseline, scope.after
    to_targets = f"CASE WHEN {in_list('partner', scope.partners)} THEN value_usd ELSE 0 END"
    years = ["MAX(py.nb) AS {f}_baseline_years", "MAX(py.na) AS {f}_after_years", "MIN(py.min_months) AS {f}_months",
             "CAST(SUM(n_rows) AS BIGINT) AS {f}_rows"]  # fmt: skip
    keys = ("source", "basket", "hub")
    means = ", ".join(
        f"{p}_baseline_usd, {p}_after_usd, {ratio_of(f'{p}_after_usd', f'{p}_baseline_usd')} AS {p}_ratio"
        for p in ("imports", "exports", "targets")
    )
    return f"""WITH {basket_cte(scope)},
{period_years_cte(scope, flows=["X", "M"], reporters=True)},
{basket_flows_cte(scope, name="hub_rows", flows=["X", "M"], partners=None)},
imp_rows AS (SELECT * FROM hub_rows WHERE flow = 'M'),
exp_rows AS (SELECT * FROM hub_rows WHERE flow = 'X'),
{period_means_cte(scope, "imp", "imp_rows", keys=["source", "basket", "reporter AS hub"],
                  means={("imports_baseline_usd", "imports_after_usd"): "value_usd"},
                  extra=[y.format(f="imports") for y in years])},
{period_means_cte(scope, "exp", "exp_rows", keys=["source", "basket", "reporter AS hub"],
                  means={("exports_baseline_usd", "exports_after_usd"): "value_usd",
                         ("targets_baseline_usd", "targets_after_usd"): to_targets},
                  extra=[y.format(f="exports") for y in years])},
profile AS (
  SELECT {", ".join(f"COALESCE(e.{k}, i.{k}) AS {k}" for k in keys)},
         i.imports_baseline_usd, i.imports_after_usd, e.exports_baseline_usd, e.exports_after_usd,
         e.targets_baseline_usd, e.targets_after_usd,
         COALESCE(i.imports_baseline_years, 0) AS imports_baseline_years,
         COALESCE(i.imports_after_years, 0) AS imports_after_years,
         COALESCE(e.exports_baseline_years, 0) AS exports_baseline_years,
         COALESCE(e.exports_after_years, 0) AS exports_after_years,
         LEAST(i.imports_months, e.exports_months) AS min_months,
         COALESCE(i.imports_rows, 0) AS n_rows_imports, COALESCE(e.exports_rows, 0) AS n_rows_exports
  FROM imp i FULL OUTER JOIN exp e ON {join_on("e", "i", keys)}
)
SELECT source, basket, hub, {period_columns(scope)}, {literal(scope.partner_label)} AS targets,
       {means},
       CASE WHEN exports_baseline_usd > 0 THEN targets_baseline_usd / exports_baseline_usd END
         AS targets_share_baseline,
       CASE WHEN exports_after_usd > 0 THEN targets_after_usd / exports_after_usd END AS targets_share_after,
       imports_baseline_years, imports_after_years, exports_baseline_years, exports_after_years,
       n_rows_imports, n_rows_exports,
       {status_reason([
           ("exports_baseline_years = 0 OR imports_baseline_years = 0", "no_baseline_data",
            f"'not held: no file covers the hub''s ' || CASE WHEN exports_baseline_years = 0 THEN 'exports' "
            f"ELSE 'imports' END || ' of the basket in {b.label} (missing, not zero)'"),
           ("exports_after_years = 0 OR imports_after_years = 0", "no_after_data",
            f"'not held: no file covers the hub''s ' || CASE WHEN exports_after_years = 0 THEN 'exports' "
            f"ELSE 'imports' END || ' of the basket in {a.label} (missing, not zero)'"),
           ("min_months < 12", "partial", partial_reason(scope, "min_months", literal(a.label))),
       ])}
FROM profile
ORDER BY hub, basket, n_rows_imports + n_rows_exports DESC, source"""


def monthly_sql(scope: Scope, *, origins: tuple[str, ...]) -> str:
    """The hub's monthly trade in the basket as it reports it, in the four ``SERIES``
    (``scope.reporters`` the hub, ``scope.partners`` the targets, ``origins`` the origins).

    Reads ``figures`` (one level of each breakdown) at the level the basket resolved to
    (``via``: HS4 headings, or HS6 rows), countries and areas nes as partners (no world
    rows); it does not roll HS6 rows up where a month lacks its heading. Empty where the
    hub reports no monthly figures.
    """
    return f"""WITH {basket_cte(scope)}
SELECT f.year, f.month, f.flow,
       CASE WHEN f.flow = 'M' AND {in_list("f.partner", origins)} THEN {literal(SERIES[0])}
            WHEN f.flow = 'M' THEN {literal(SERIES[1])}
            WHEN {in_list("f.partner", scope.partners)} THEN {literal(SERIES[2])}
            ELSE {literal(SERIES[3])} END AS series,
       SUM(f.value_usd * b.weight) AS value_usd, COUNT(*) AS n_rows
FROM figures f
JOIN countries c ON c.iso3 = f.partner AND c.kind IN ('country', 'area_nes')
JOIN p_basket b ON f.hs_version = b.hs_version AND left(f.hs, b.code_level) = b.code
  AND ((b.via = 'hs4' AND f.hs_level = 4) OR (b.via = 'hs6' AND f.hs_level = 6))
WHERE {in_list("f.reporter", scope.reporters)} AND f.flow IN ('X', 'M') AND f.month IS NOT NULL
  AND COALESCE(f.partner_basis, 'origin') <> 'consignment'
  {f"AND f.source = {literal(scope.source)}" if scope.source else ""}
GROUP BY f.year, f.month, f.flow, 4
ORDER BY f.year, f.month, series"""


run = runner(sql)
frame = frame_function(Settings, run)
hub_profile = public_function("hub_profile", settings=Settings, scope=SCOPE, run=run, doc="""\
Each hub's imports, exports and exports to the targets (``partner``) of the basket.

Columns: source, basket, hub, baseline, after, targets (the set's label), for imports,
exports and targets (exports to the targets) the annual means ``*_baseline_usd`` and
``*_after_usd`` (USD, over the years each series holds) and ``*_ratio``;
targets_share_baseline and targets_share_after (0-1); the years each means divides by;
n_rows_imports, n_rows_exports; status (ok, partial, no_baseline_data, no_after_data), reason.
One row per source holding the hub, the one with most rows first.
""")


def monthly(store: Store, scope: Scope, *, origins: tuple[str, ...]) -> pl.DataFrame:
    """Run ``monthly_sql``: year, month, flow, series, value_usd, n_rows."""
    return run_sql(store, monthly_sql(scope, origins=origins))
