"""Difference-in-differences: did exports of sanctioned goods to the hubs rise more than
exports of other goods, and more than to other destinations, after the sanctions?

The EBRD "Eurasian roundabout" design (Chupilkin, Javorcik & Plekhanov, 2023): for
exports from origin o to destination d of product k in year t,

    log X_odkt = β_g · Sanctioned_k · Post_t · Group_g(d) + γ · Sanctioned_k · Post_t + α_odk + α_odt + ε

with one β per treated group (the hubs, the targets), fixed effects origin×destination×product
and origin×destination×year, and standard errors clustered by origin-destination pair.
Each β is reported as a relative increase, 100·(e^β − 1) per cent. Zeros have no log: with
``estimator="ppml"`` a Poisson pseudo-maximum-likelihood fit keeps them.

The data are prepared by one SQL query (``sql``); the regression runs in Python with
pyfixest (fixed effects absorbed by alternating projections, CRV1 clustered errors).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import polars as pl

from tradeflows.errors import InputError, ParameterError
from tradeflows.indicators.api import ScopeSpec, frame_function, public_function, takes_settings
from tradeflows.indicators.base import (
    CountriesLike,
    Scope,
    as_countries,
    basket_cte,
    in_list,
    literal,
    sanctioned_codes,
    source_filter,
    values_table,
)
from tradeflows.indicators.base import run as run_sql

if TYPE_CHECKING:
    from tradeflows.engines import Engine
    from tradeflows.store import Store

MIN_OBSERVATIONS = 30
RESULT_SCHEMA = {
    "basket": pl.String, "group": pl.String, "term": pl.String, "baseline": pl.String, "after": pl.String,
    "estimator": pl.String, "beta": pl.Float64, "std_error": pl.Float64, "p_value": pl.Float64,
    "pct_increase": pl.Float64, "pct_ci_low": pl.Float64, "pct_ci_high": pl.Float64, "n_obs": pl.Int64,
    "n_treated_obs": pl.Int64, "n_clusters": pl.Int64, "n_zero_dropped": pl.Int64, "status": pl.String,
    "reason": pl.String,
}  # fmt: skip


@dataclass(frozen=True)
class Settings:
    """The DiD's options: the ``treated`` destinations (the hubs) and the second treated group
    ``targets`` (ISO3 codes or groups); ``estimator`` ols on log values or ppml (keeps zeros);
    ``level`` of the products (6 or 4); ``dated``, a dated sanctions list (``"chpl"``, a CSV or a
    ``DatedBasket``) for the monthly design, ``listed`` dating the codes it leaves undated."""

    treated: CountriesLike = "hubs"
    targets: CountriesLike = "targets"
    estimator: Literal["ols", "ppml"] = "ols"
    level: Literal[4, 6] = 6
    dated: object = None
    listed: str | None = None


# The origins are the scope's reporters, called origin.
SCOPE = ScopeSpec(reporter="coalition", flow="X", without=("partner",), names={"reporter": "origin"})


def treated_groups(scope: Scope, settings: Settings) -> dict[str, tuple[str, ...]]:
    """The treated destination groups by name: the hubs and the targets as the settings name them."""
    named = {}
    for value, default in ((settings.treated, "hubs"), (settings.targets, "targets")):
        members, label = as_countries(value, name="treated", groups=scope.groups)
        if members:
            named[label if isinstance(value, str) else default] = members
    return named


def excluded_codes(scope: Scope) -> pl.DataFrame | None:
    """The codes of the other sanctioned baskets: other sanctioned goods are not "other goods"."""
    return sanctioned_codes(scope.coverage.codes) if scope.coverage is not None else None


@takes_settings(Settings)
def sql(scope: Scope, settings: Settings) -> str:
    """The annual estimation panel (``panel_sql``) of the scope's origins, the settings' groups."""
    excluded = excluded_codes(scope)
    return panel_sql(scope, origins=scope.reporters, groups=treated_groups(scope, settings), level=settings.level,
                     excluded=excluded if excluded is not None and len(excluded) else None)  # fmt: skip


def panel_sql(
    scope: Scope,
    *,
    origins: tuple[str, ...] | None,
    groups: dict[str, tuple[str, ...]],
    level: int = 6,
    excluded: pl.DataFrame | None = None,
) -> str:
    """The estimation panel as one SQL text: one row per origin, destination, product, year.

    ``excluded`` (resolved basket codes) are left out of the comparison products: other
    sanctioned goods are not "other goods".
    """
    columns = {"hs_version": "INTEGER", "code": "VARCHAR"}
    rows = [] if excluded is None else excluded.select(list(columns)).rows()
    exclusion = values_table(columns, rows)
    view = "annual" if level == 6 else "annual_hs4"
    group_case = " ".join(
        f"WHEN {in_list('a.partner', members)} THEN {literal(name)}" for name, members in groups.items()
    )
    b, a = scope.baseline, scope.after
    years = f"({b.between('a.year')} OR {a.between('a.year')})"
    return f"""WITH {basket_cte(scope)},
p_excluded AS ({exclusion}),
panel AS (
  SELECT a.source, a.reporter AS origin, a.partner AS destination, a.hs AS product, a.year, a.value_usd,
         CASE WHEN EXISTS (SELECT 1 FROM p_basket b WHERE b.hs_version = a.hs_version AND a.hs LIKE b.code || '%')
              THEN 1 ELSE 0 END AS sanctioned,
         CASE WHEN a.year >= {a.first} THEN 1 ELSE 0 END AS post,
         CASE {group_case} ELSE 'control' END AS dest_group,
         CASE WHEN EXISTS (SELECT 1 FROM p_excluded e WHERE e.hs_version = a.hs_version AND a.hs LIKE e.code || '%')
              THEN 1 ELSE 0 END AS excluded
  FROM {view} a
  WHERE a.flow = 'X' AND a.hs_level = {level} AND {in_list("a.reporter", origins)} AND a.partner <> a.reporter
    AND {years} AND {source_filter(scope, "a.source")}
)
SELECT source, origin, destination, product, year, SUM(value_usd) AS value_usd,
       MAX(sanctioned) AS sanctioned, MAX(post) AS post, MAX(dest_group) AS dest_group
FROM panel WHERE sanctioned = 1 OR excluded = 0
GROUP BY source, origin, destination, product, year"""


def _fit(data: pl.DataFrame, groups: list[str], estimator: str) -> dict[str, dict]:
    try:
        import pyfixest as pf
    except ImportError:
        raise InputError(
            "The did indicator needs pyfixest for fixed effects with clustered errors: pip install 'tradeflows[stats]'"
        ) from None
    frame = data.with_columns(
        (pl.col("sanctioned") * pl.col("post")).alias("s_post"),
        *[
            (pl.col("sanctioned") * pl.col("post") * (pl.col("dest_group") == g)).cast(pl.Int8).alias(f"t_{i}")
            for i, g in enumerate(groups)
        ],
        pl.concat_str("origin", "destination", "product", separator="|").alias("odk"),
        pl.concat_str("origin", "destination", pl.col("year").cast(pl.String), separator="|").alias("odt"),
        pl.concat_str("origin", "destination", separator="|").alias("od"),
    )
    terms = " + ".join([*(f"t_{i}" for i in range(len(groups))), "s_post"])
    if estimator == "ppml":
        fit = pf.fepois(f"value_usd ~ {terms} | odk + odt", data=frame.to_pandas(), vcov={"CRV1": "od"})
    else:
        frame = frame.filter(pl.col("value_usd") > 0).with_columns(pl.col("value_usd").log().alias("log_value"))
        fit = pf.feols(f"log_value ~ {terms} | odk + odt", data=frame.to_pandas(), vcov={"CRV1": "od"})
    tidy = fit.tidy()
    out = {}
    for i, g in enumerate(groups):
        name = f"t_{i}"
        if name in tidy.index:
            row = tidy.loc[name]
            out[g] = {"beta": float(row["Estimate"]), "std_error": float(row["Std. Error"]),
                      "p_value": float(row["Pr(>|t|)"]), "lo": float(row["2.5%"]), "hi": float(row["97.5%"]),
                      "n_obs": int(fit._N)}  # fmt: skip
    return out


def estimate(panel: pl.DataFrame, *, basket: str, groups: list[str], baseline: str, after: str,
             estimator: str = "ols") -> pl.DataFrame:  # fmt: skip
    """Fit the regression on the panel from ``sql`` and report one row per treated group."""
    rows = []
    zeros = int((panel["value_usd"] <= 0).sum()) if estimator == "ols" and len(panel) else 0
    usable = panel.filter(pl.col("value_usd") > 0) if estimator == "ols" else panel
    fits: dict[str, dict] = {}
    problem = None
    if len(usable) < MIN_OBSERVATIONS:
        problem = (
            "too_few_observations",
            f"{len(usable)} observations; at least {MIN_OBSERVATIONS} needed "
            "(a store with HS4 figures only needs level=4)",
        )
    elif usable["sanctioned"].n_unique() < 2 or usable["post"].n_unique() < 2:
        problem = ("no_variation", "the panel needs sanctioned and other products, before and after years")
    else:
        fits = _fit(usable, groups, estimator)
    for g in groups:
        treated = int(usable.filter((pl.col("dest_group") == g) & (pl.col("sanctioned") == 1)
                                    & (pl.col("post") == 1)).height) if len(usable) else 0  # fmt: skip
        fit = fits.get(g)
        status, reason = problem or (("ok", None) if fit else ("no_variation", f"no treated observations for {g}"))
        if fit and not math.isfinite(fit["std_error"]):
            status, reason = "no_variation", "the standard error is undefined (one cluster, or a collinear term)"
        ok = status == "ok"
        rows.append({
            "basket": basket, "group": g, "term": f"sanctioned x post x {g}", "baseline": baseline, "after": after,
            "estimator": estimator, "beta": fit["beta"] if ok else None, "std_error": fit["std_error"] if ok else None,
            "p_value": fit["p_value"] if ok else None,
            "pct_increase": 100 * math.expm1(fit["beta"]) if ok else None,
            "pct_ci_low": 100 * math.expm1(fit["lo"]) if ok else None,
            "pct_ci_high": 100 * math.expm1(fit["hi"]) if ok else None,
            "n_obs": fit["n_obs"] if fit else len(usable), "n_treated_obs": treated,
            "n_clusters": usable.select(pl.concat_str("origin", "destination")).n_unique() if len(usable) else 0,
            "n_zero_dropped": zeros, "status": status, "reason": reason,
        })  # fmt: skip
    return pl.DataFrame(rows, schema=RESULT_SCHEMA)


def run(store: Store | Engine, scope: Scope, settings: Settings) -> pl.DataFrame:
    """The DiD for a resolved scope (``scope.reporters`` are the origins): the annual design, or
    with ``settings.dated`` the monthly design of ``frame_dated``."""
    if settings.dated is not None:
        return frame_dated(store, scope, dated=settings.dated, listed=settings.listed, treated=settings.treated,
                           targets=settings.targets, estimator=settings.estimator)  # fmt: skip
    panel = run_sql(store, sql(scope, settings))
    sources = sorted(panel["source"].unique().to_list()) if len(panel) else []
    if len(sources) > 1:  # one flow reported by two sources would enter the regression twice
        raise ParameterError(
            f"The store holds exports from {', '.join(sources)}: choose one with source=... (--source)"
        )
    basket = ",".join(scope.baskets["basket"].unique(maintain_order=True).to_list())
    return estimate(panel, basket=basket, groups=list(treated_groups(scope, settings)),
                    baseline=scope.baseline.label, after=scope.after.label, estimator=settings.estimator)  # fmt: skip


frame = frame_function(Settings, run)
did = public_function("did", settings=Settings, scope=SCOPE, run=run, doc="""\
Relative increase in the origins' exports of the basket to ``treated`` (and ``targets``)
after the sanctions, against other goods and other destinations.

``dated`` (a ``DatedBasket``, ``"chpl"`` or a dated list's CSV; ``listed`` dates its undated
codes): the monthly design, each product sanctioned from its own listing month
(``frame_dated``); without it, the annual design, every product from the after period.

Columns: basket, group, term, baseline, after, estimator, beta, std_error, p_value,
pct_increase = 100·(e^β − 1) with pct_ci_low/high (95%), n_obs, n_treated_obs,
n_clusters (origin-destination pairs), n_zero_dropped, status, reason.
""")


# -- the monthly design: each product sanctioned from the month it was listed -------------------


def dated_sql(scope: Scope, *, origins: tuple[str, ...] | None, groups: dict[str, tuple[str, ...]],
              dates: pl.DataFrame, excluded: pl.DataFrame | None = None) -> str:  # fmt: skip
    """The monthly estimation panel as one SQL text: one row per origin, destination, HS6 product and
    month (``year`` holds the month as YYYYMM, so the fixed effects are origin x destination x month).

    ``dates`` (code, listed_month as YYYYMM): a basket product is sanctioned from the month of the
    list's code it starts with; a basket product the list does not date is marked ``undated``.
    Products outside the basket (and outside ``excluded``) are the comparison; their ``post`` is
    from the first listing month.
    """
    columns = {"hs_version": "INTEGER", "code": "VARCHAR"}
    exclusion = values_table(columns, [] if excluded is None else excluded.select(list(columns)).rows())
    date_table = values_table({"code": "VARCHAR", "listed_month": "INTEGER"}, dates.select("code", "listed_month").rows())
    first = int(dates["listed_month"].min()) if len(dates) else 999999
    group_case = " ".join(
        f"WHEN {in_list('f.partner', members)} THEN {literal(name)}" for name, members in groups.items()
    )
    return f"""WITH {basket_cte(scope)},
p_excluded AS ({exclusion}),
p_dates AS ({date_table}),
panel AS (
  SELECT f.source, f.reporter AS origin, f.partner AS destination, f.hs AS product, CAST(f.year AS INTEGER) * 100 + f.month AS period,
         f.value_usd,
         CASE WHEN EXISTS (SELECT 1 FROM p_basket b WHERE b.hs_version = f.hs_version AND f.hs LIKE b.code || '%')
              THEN 1 ELSE 0 END AS in_basket,
         (SELECT MIN(d.listed_month) FROM p_dates d WHERE f.hs LIKE d.code || '%') AS listed_month,
         CASE {group_case} ELSE 'control' END AS dest_group,
         CASE WHEN EXISTS (SELECT 1 FROM p_excluded e WHERE e.hs_version = f.hs_version AND f.hs LIKE e.code || '%')
              THEN 1 ELSE 0 END AS excluded
  FROM figures f JOIN countries c ON c.iso3 = f.partner AND c.kind IN ('country', 'area_nes')
  WHERE f.flow = 'X' AND f.hs_level = 6 AND f.month IS NOT NULL AND {in_list("f.reporter", origins)}
    AND f.partner <> f.reporter AND f.year BETWEEN {scope.first_year} AND {scope.last_year}
    AND {source_filter(scope, "f.source")} AND COALESCE(f.partner_basis, 'origin') <> 'consignment'
)
SELECT source, origin, destination, product, period AS year, SUM(value_usd) AS value_usd,
       MAX(CASE WHEN in_basket = 1 AND listed_month IS NOT NULL THEN 1 ELSE 0 END) AS sanctioned,
       MAX(CASE WHEN in_basket = 1 AND listed_month IS NOT NULL THEN CASE WHEN period >= listed_month THEN 1 ELSE 0 END
                ELSE CASE WHEN period >= {first} THEN 1 ELSE 0 END END) AS post,
       MAX(dest_group) AS dest_group,
       MAX(CASE WHEN in_basket = 1 AND listed_month IS NULL THEN 1 ELSE 0 END) AS undated
FROM panel WHERE in_basket = 1 OR excluded = 0
GROUP BY source, origin, destination, product, period"""


def frame_dated(store: Store | Engine, scope: Scope, *, dated: object, listed: str | None = None,
                treated: CountriesLike = "hubs", targets: CountriesLike = "targets",
                estimator: str = "ols") -> pl.DataFrame:  # fmt: skip
    """The DiD on monthly figures with each product sanctioned from its own listing month (the
    EBRD design); ``dated`` is a ``DatedBasket``, ``"chpl"`` or the path of a dated list (CSV).
    The basket (``scope``) chooses the products, the list dates them; a basket product it does
    not date is left out, and ``reason`` says how many."""
    from tradeflows.reference.sanctions import as_dated, listed_month

    dated = as_dated(dated, listed=listed)
    rows = [(c.hs, listed_month(c.listed)) for c in dated.codes if c.listed]
    if not rows:
        raise ParameterError(f"The list {dated.name} dates none of its codes: give a date with listed=... (--listed)")
    dates = pl.DataFrame(rows, schema={"code": pl.String, "listed_month": pl.Int64}, orient="row")
    named = treated_groups(scope, Settings(treated=treated, targets=targets))
    panel = run_sql(store, dated_sql(scope, origins=scope.reporters, groups=named, dates=dates,
                                     excluded=excluded_codes(scope)))  # fmt: skip
    sources = sorted(panel["source"].unique().to_list()) if len(panel) else []
    if len(sources) > 1:
        raise ParameterError(f"The store holds exports from {', '.join(sources)}: choose one with source=... (--source)")
    undated = panel.filter(pl.col("undated") == 1)["product"].n_unique() if len(panel) else 0
    panel = panel.filter(pl.col("undated") == 0).drop("undated")
    treated_months = panel.filter(pl.col("sanctioned") == 1)
    months = sorted(dates["listed_month"].unique().to_list())
    span = f"{months[0] // 100}-{months[0] % 100:02d} to {months[-1] // 100}-{months[-1] % 100:02d}"
    basket = ",".join(scope.baskets["basket"].unique(maintain_order=True).to_list())
    out = estimate(panel, basket=basket, groups=list(named), baseline=scope.baseline.label,
                   after=f"from each product's listing month ({span})", estimator=estimator)  # fmt: skip
    note = (f"monthly design, {dated.name}: each product sanctioned from its listing month"
            + (f" ({dated.note})" if dated.note else "") + "; "
            f"{treated_months['product'].n_unique() if len(panel) else 0} dated product(s) in the panel"
            + (f"; {undated} basket product(s) the list does not date left out" if undated else ""))  # fmt: skip
    return out.with_columns(reason=pl.when(pl.col("status") == "ok").then(pl.lit(note))
                            .otherwise(pl.col("reason") + "; " + note))  # fmt: skip
