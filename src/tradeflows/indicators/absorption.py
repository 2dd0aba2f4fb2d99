"""Absorption: a hub's imports of a basket against what it could plausibly use itself.

For each hub (reporter) and basket, baseline against after (annual means of what the hub
reports, from all partners):

- ``imports_ratio``: the hub's imports after / baseline;
- ``retained_*_usd``: imports minus the hub's own exports of the basket (what stayed, if
  the exports came out of the imports);
- ``proxy_ratio``: the growth of a demand proxy (population, GDP ...) where one is given:
  a table of reporter, year, value. Without one the hub is measured against its own
  baseline alone, and ``reason`` says so;
- ``absorption_ratio = imports_ratio / proxy_ratio`` (``imports_ratio`` without a proxy): how
  many times what the hub's own demand explains it imported; ``unexplained_usd`` the imports
  after beyond the baseline grown with the proxy.

Flagged: ``absorption_ratio`` at least ``threshold``.

>>> import tempfile, pathlib, tradeflows
>>> from tradeflows.indicators.testing import load_rows
>>> store = tradeflows.open(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb")
>>> load_rows(store, [dict(year=y, reporter="KGZ", partner="CHN", flow="M", hs="851713", value_usd=v)
...                   for y, v in ((2021, 100.0), (2022, 300.0))])
>>> absorption(store, basket="smartphones", reporter="KGZ", baseline=2021, after=2022).select(
...     "hub", "imports_ratio", "absorption_ratio", "unexplained_usd", "flagged", "status").row(0)
('KGZ', 3.0, 3.0, 200.0, True, 'ok')
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from tradeflows.errors import InputError
from tradeflows.indicators.api import ScopeSpec, frame_function, public_function, runner, takes_settings
from tradeflows.indicators.base import (
    SANCTIONED_BASKETS,
    Scope,
    basket_cte,
    basket_flows_cte,
    join_on,
    literal,
    not_held,
    partial_reason,
    period_columns,
    period_means_cte,
    period_years_cte,
    ratio_of,
    status_reason,
    values_table,
)

DEFAULT_BASKETS = SANCTIONED_BASKETS
PROXY_COLUMNS = {"reporter": "VARCHAR", "year": "INTEGER", "value": "DOUBLE"}


def as_proxy(proxy: pl.DataFrame | str | Path | None) -> pl.DataFrame | None:
    """A demand proxy as (reporter, year, value) rows, from a frame or a CSV file; an ``iso3``
    column may name the reporter."""
    if proxy is None:
        return None
    if isinstance(proxy, str | Path):
        try:
            proxy = pl.read_csv(proxy, infer_schema=False)
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise InputError(f"demand proxy {proxy}: cannot be read as CSV ({exc})") from None
    if "reporter" not in proxy.columns and "iso3" in proxy.columns:
        proxy = proxy.rename({"iso3": "reporter"})
    missing = [c for c in PROXY_COLUMNS if c not in proxy.columns]
    if missing:
        raise InputError(f"demand proxy: missing column(s) {', '.join(missing)}; expected reporter (or iso3), year, value")
    try:
        return proxy.select(pl.col("reporter").cast(pl.String), pl.col("year").cast(pl.Int64),
                            pl.col("value").cast(pl.Float64)).drop_nulls()  # fmt: skip
    except pl.exceptions.PolarsError as exc:
        raise InputError(f"demand proxy: year must be a year and value a number ({exc})") from None


@dataclass(frozen=True)
class Settings:
    """Absorption's options: ``proxy``, a demand proxy (a frame or CSV of reporter, year, value)
    named ``proxy_name``; flagged where imports are at least ``threshold`` times what it explains."""

    proxy: pl.DataFrame | str | Path | None = None
    proxy_name: str = "demand proxy"
    threshold: float = 2.0


SCOPE = ScopeSpec(basket=DEFAULT_BASKETS, reporter="hubs", flow="M", without=("partner",),
                  reads=(("reporter", "M"), ("reporter", "X")))


@takes_settings(Settings)
def sql(scope: Scope, settings: Settings) -> str:
    """The absorption indicator as one SQL text; ``scope.reporters`` are the hubs.

    Each of a hub's series (its imports, its exports of the basket) is averaged over the years
    it holds (``period_years_cte``): a period no file covers for its imports is ``not_held``,
    its exports not held leave the retained figures NULL (missing, not zero exports)."""
    proxy, proxy_name, threshold = settings.proxy, settings.proxy_name, settings.threshold
    table = as_proxy(proxy)
    rows = [] if table is None else table.rows()
    b, a = scope.baseline, scope.after
    keys = ("source", "basket", "reporter")
    no_proxy = "'no demand proxy loaded: imports against the hub''s own baseline only'"

    def held(n: str, side: str, column: str) -> str:  # the mean where the series holds the period, else NULL
        return f"CASE WHEN {side}.{n} > 0 THEN COALESCE({column}, 0) END"

    return f"""WITH {basket_cte(scope)},
{period_years_cte(scope, flows=["M", "X"], reporters=scope.reporters)},
{basket_flows_cte(scope, name="rows", flows=["M", "X"], partners=None)},
{period_means_cte(scope, "means", "rows", keys=[*keys, "flow"], means={("baseline_usd", "after_usd"): "value_usd"},
                  extra=["CAST(SUM(n_rows) AS BIGINT) AS n_rows"])},
hub_series AS (SELECT DISTINCT source, basket, reporter FROM period_years),
joined AS (
  SELECT k.source, k.basket, k.reporter, k.reporter AS hub, 'M' AS flow,
         {held("nb", "pm", "m.baseline_usd")} AS imports_baseline_usd,
         {held("na", "pm", "m.after_usd")} AS imports_after_usd,
         {held("nb", "px", "x.baseline_usd")} AS exports_baseline_usd,
         {held("na", "px", "x.after_usd")} AS exports_after_usd,
         COALESCE(pm.nb, 0) AS baseline_years, COALESCE(pm.na, 0) AS after_years, pm.min_months,
         CAST(COALESCE(m.n_rows, 0) AS BIGINT) AS n_rows_imports
  FROM hub_series k
  LEFT JOIN period_years pm ON {join_on("pm", "k", keys)} AND pm.flow = 'M'
  LEFT JOIN period_years px ON {join_on("px", "k", keys)} AND px.flow = 'X'
  LEFT JOIN means m ON {join_on("m", "k", keys)} AND m.flow = 'M'
  LEFT JOIN means x ON {join_on("x", "k", keys)} AND x.flow = 'X'
),
p_proxy AS (
  {values_table(PROXY_COLUMNS, rows)}
),
proxy AS (
  SELECT reporter, AVG(CASE WHEN {b.between()} THEN value END) AS proxy_baseline,
         AVG(CASE WHEN {a.between()} THEN value END) AS proxy_after
  FROM p_proxy GROUP BY reporter
),
scored AS (
  SELECT m.*, m.imports_baseline_usd - m.exports_baseline_usd AS retained_baseline_usd,
         m.imports_after_usd - m.exports_after_usd AS retained_after_usd,
         {ratio_of("m.imports_after_usd", "m.imports_baseline_usd")} AS imports_ratio,
         p.proxy_baseline, p.proxy_after, {ratio_of("p.proxy_after", "p.proxy_baseline")} AS proxy_ratio,
         {status_reason([
             ("m.baseline_years = 0", "not_held", not_held("m", literal(b.label), flow="'M'")),
             ("m.after_years = 0", "not_held", not_held("m", literal(a.label), flow="'M'")),
             ("m.imports_baseline_usd = 0", "zero_baseline",
              "'no imports in the baseline: a ratio is undefined (see new-flows)'"),
             (f"{len(rows)} > 0 AND p.proxy_baseline IS NULL", "no_proxy",
              f"'the {proxy_name} has no baseline value for the hub'"),
             ("m.min_months < 12", "partial", partial_reason(scope, "m.min_months", literal(a.label))),
         ], ok_reason=no_proxy if not rows else "NULL")}
  FROM joined m LEFT JOIN proxy p ON p.reporter = m.hub
)
SELECT source, hub, basket, {period_columns(scope, years=True)},
       imports_baseline_usd, imports_after_usd, imports_ratio, exports_baseline_usd, exports_after_usd,
       retained_baseline_usd, retained_after_usd, {literal(proxy_name if rows else None)} AS proxy,
       proxy_baseline, proxy_after, proxy_ratio,
       imports_ratio / COALESCE(proxy_ratio, 1) AS absorption_ratio,
       imports_after_usd - imports_baseline_usd * COALESCE(proxy_ratio, 1) AS unexplained_usd,
       COALESCE(imports_ratio / COALESCE(proxy_ratio, 1) >= {literal(float(threshold))}, FALSE) AS flagged,
       n_rows_imports, status, reason
FROM scored
ORDER BY source, absorption_ratio DESC NULLS LAST, hub, basket"""


run = runner(sql)
frame = frame_function(Settings, run)
absorption = public_function("absorption", settings=Settings, scope=SCOPE, run=run, doc="""\
A hub's (``reporter``) imports of the basket against its baseline and, where ``proxy`` (a
frame of reporter, year, value) is given, against the growth of that demand proxy.

Columns: source, hub, basket, baseline, after, baseline_years, after_years,
imports_baseline_usd, imports_after_usd, imports_ratio, exports_baseline_usd,
exports_after_usd, retained_baseline_usd, retained_after_usd, proxy (its name),
proxy_baseline, proxy_after, proxy_ratio, absorption_ratio, unexplained_usd, flagged,
n_rows_imports, status, reason. baseline_years and after_years: the years the hub's imports
series holds (the divisors of its means); ``partial``: how a year held in part is compared
(``indicators.base.PARTIAL_CHOICES``; like for like by default).
""")
