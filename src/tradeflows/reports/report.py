"""A route report for one hub and basket: the data, then HTML or Markdown.

``build_report`` gathers everything a report shows from the library (routes from
``tradeflows.routes``, indicators from ``tradeflows.indicators``, a monthly series
from the store's ``figures`` view) with the SQL behind each figure; ``render_html``
and ``render_markdown`` only format it. The same store and arguments give the same
bytes: no clock, no random ids (the date shown is the store's last ingest).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl

from tradeflows.errors import NoDataError, ParameterError
from tradeflows.indicators.base import (
    DEFAULT_BASELINE,
    PARTIAL_CHOICES,
    YearsLike,
    as_countries,
    as_years,
    basket_cte,
    describe_runs,
    in_list,
    literal,
    make_scope,
    runs_behind,
    series_years,
)
from tradeflows.indicators.consignment import origin_consignment
from tradeflows.indicators.growth import growth
from tradeflows.indicators.growth import sql as growth_sql
from tradeflows.indicators.passthrough import pass_through
from tradeflows.indicators.target_share import target_share
from tradeflows.reference.countries import country_name
from tradeflows.reference.groups import get_group
from tradeflows.routes import RouteSet, find_routes
from tradeflows.routes.edges import EXPORTER_BASIS, MIRROR_BASIS
from tradeflows.routes.hub_legs import hub_legs
from tradeflows.store import Store

ReportFormat = Literal["html", "md"]
ALLOCATION_NOTE = """-- tradeflows.routes.allocate.route_values, in polars, on the leg values above:
-- for each year y and HS code k,
--   share(h <- o)      = leg(o -> h) / sum over every partner p of leg(p -> h)
--   route(o -> h -> R) = leg(h -> R) * share(h <- o)
--   route(o -> h1 -> h2 -> R) = leg(h2 -> R) * share(h2 <- h1) * share(h1 <- o)
-- then summed over the basket's codes; a route's yearly mean is over the years every leg on it was reported."""
INVASION = "2022-02"  # Russia's full-scale invasion of Ukraine, 24 February 2022: sanctions follow


def default_targets(hub: str) -> tuple[str, ...]:
    """Russia and Belarus, and the EAEU members other than the hub: goods cross from them into
    Russia without customs declarations, so a hub's exports to them may end in Russia.

    >>> default_targets("GEO")
    ('RUS', 'BLR', 'ARM', 'KAZ', 'KGZ')
    """
    members = get_group("targets").members + get_group("eaeu").members
    return tuple(dict.fromkeys(c for c in members if c != hub))


@dataclass
class Report:
    """Everything a route report shows, with the queries behind it."""

    title: str
    hub: str
    hub_name: str
    basket: str
    codes: str
    period: str
    baseline: str
    baseline_held: str
    targets: tuple[str, ...]
    target_reason: str
    origins_label: str
    lead: str
    headline: list[tuple[str, str, str]]
    routes: pl.DataFrame
    series: pl.DataFrame
    series_note: str
    indicators: pl.DataFrame
    indicator_notes: list[tuple[str, str]]
    methodology: list[str]
    caveats: list[str]
    ingests: pl.DataFrame
    queries: dict[str, str]
    generated: str
    example: str
    legs: pl.DataFrame
    found: RouteSet = field(repr=False)
    # The hub's imports by consignment beside those by origin, where the store holds both
    # (indicators.consignment; empty otherwise).
    consignment: pl.DataFrame = field(default_factory=pl.DataFrame)
    consignment_note: str = ""


def _usd(value: float | None) -> str:
    """Dollars for people: $1.2bn, $345.6m, $12.3k."""
    if value is None:
        return "n/a"
    for size, unit in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(value) >= size:
            return f"${value / size:,.1f}{unit}"
    return f"${value:,.0f}"


def _times(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"×{ratio:,.1f}"


def series_sql(store_scope, hub: str, origins: tuple[str, ...], targets: tuple[str, ...]) -> str:
    """Monthly imports and exports of the basket as the hub reports them, by partner group.

    Reads the ``figures`` view (one level of each breakdown) at the level the basket
    resolved to (``via``: HS4 headings, or HS6 rows), countries and areas nes as partners
    (no world rows). Unlike ``annual_hs4`` it does not roll HS6 rows up where a month lacks
    its heading; the report falls back to annual leg values when it finds no monthly rows.
    """
    return f"""
WITH {basket_cte(store_scope)}
SELECT f.year, f.month, f.flow,
       CASE WHEN f.flow = 'M' AND {in_list("f.partner", origins)} THEN 'imports from origins'
            WHEN f.flow = 'M' THEN 'imports from others'
            WHEN {in_list("f.partner", targets)} THEN 'exports to targets'
            ELSE 'exports to others' END AS series,
       SUM(f.value_usd) AS value_usd, COUNT(*) AS n_rows
FROM figures f
JOIN countries c ON c.iso3 = f.partner AND c.kind IN ('country', 'area_nes')
JOIN p_basket b ON f.hs_version = b.hs_version AND f.hs LIKE b.code || '%'
  AND ((b.via = 'hs4' AND f.hs_level = 4) OR (b.via = 'hs6' AND f.hs_level = 6))
WHERE f.reporter = {literal(hub)} AND f.flow IN ('X', 'M') AND f.month IS NOT NULL
  {f"AND f.source = {literal(store_scope.source)}" if store_scope.source else ""}
GROUP BY f.year, f.month, f.flow, 4
ORDER BY f.year, f.month, series
""".strip()


def _per_year(frame: pl.DataFrame, wanted: tuple[int, ...], column: str) -> float | None:
    """Mean yearly value of ``column`` over the wanted years that hold it.

    A year whose legs carry only the other side's figure (a mirror year) holds no
    value in ``column``: it is missing, not zero, and does not dilute the mean.
    """
    held = frame.filter(pl.col("year").is_in(wanted), pl.col(column).is_not_null())
    years = held["year"].n_unique()
    return float(held[column].sum()) / years if years else None


def _lead(found: RouteSet, hub: str, targets: tuple[str, ...]) -> str:
    """The report in one sentence, from the same figures as the headline cards."""
    exports = found.legs.filter(pl.col("exporter") == hub, pl.col("importer").is_in(targets))
    before = _per_year(exports, found.years.baseline, "exporter_reported_usd")
    after = _per_year(exports, found.years.period, "exporter_reported_usd")
    one_hub = found.routes.filter(pl.col("hub2").is_null())
    by_origin = (
        one_hub.group_by("origin")
        .agg(pl.col("value_per_year").sum())
        .sort(["value_per_year", "origin"], descending=[True, False])
    )
    top = by_origin.row(0, named=True) if len(by_origin) else None
    text = (f"{country_name(hub)}'s exports of {found.basket} to {', '.join(targets)} went from {_usd(before)} a year "
            f"in the baseline to {_usd(after)} a year in {found.scope.after.label}")  # fmt: skip
    if before and after is not None:
        text += f" ({_times(after / before)})"
    text += (f". By proportional allocation, {_usd(float(one_hub['value_per_year'].sum()))} a year of them trace back "
             f"to {found.basket} {country_name(hub)} imported from the {found.labels['origins']}")  # fmt: skip
    if top:
        text += f", above all from {country_name(top['origin'])} ({_usd(top['value_per_year'])} a year)"
    return text + "."


def _pass_through_card(
    store: Store, found: RouteSet, hub: str, targets: tuple[str, ...]
) -> tuple[str, str, str] | None:
    """The pass-through indicator as a headline card, when it can be computed."""
    frame = pass_through(
        store, basket=list(found.scope.basket_info.values()), reporter=hub, partner=list(targets),
        origin=list(found.origins), baseline=found.scope.baseline.label, after=found.scope.after.label,
        source=found.scope.source, partial=found.scope.partial,
    )  # fmt: skip
    if frame.is_empty() or frame["status"][0] not in ("ok", "partial") or frame["pass_through"][0] is None:
        return None
    row = frame.row(0, named=True)
    note = (f"the rise in exports to the targets ({_usd(row['delta_exports_usd'])} a year) against the rise in "
            f"imports from the {found.labels['origins']} ({_usd(row['delta_imports_usd'])} a year)")  # fmt: skip
    if row["lag_status"] == "ok" and row["lag_correlation"] is not None:
        note += (f"; monthly imports lead exports by {row['best_lag_months']} month(s), "
                 f"correlation {row['lag_correlation']:.2f}")  # fmt: skip
    return ("Pass-through to the targets", f"{100 * row['pass_through']:.0f}%", note)


def _headline(found: RouteSet, hub: str, targets: tuple[str, ...]) -> list[tuple[str, str, str]]:
    legs, years = found.legs, found.years
    hub_name = country_name(hub)

    imports = legs.filter(pl.col("importer") == hub)
    exports = legs.filter(pl.col("exporter") == hub)
    to_targets = exports.filter(pl.col("importer").is_in(targets))
    rows = []
    for label, frame, column, side in (
        (f"{hub_name}'s imports", imports, "importer_reported_usd", "as reported, CIF"),
        (f"{hub_name}'s exports", exports, "exporter_reported_usd", "as reported, FOB"),
        ("…of which to the targets", to_targets, "exporter_reported_usd", ", ".join(targets)),
    ):
        before, after = _per_year(frame, years.baseline, column), _per_year(frame, years.period, column)
        ratio = after / before if before and after is not None else None
        rows.append((label, f"{_usd(after)} a year", f"{_times(ratio)} the baseline ({_usd(before)} a year); {side}"))
    share_before = _per_year(to_targets, years.baseline, "exporter_reported_usd")
    all_before = _per_year(exports, years.baseline, "exporter_reported_usd")
    share_after = _per_year(to_targets, years.period, "exporter_reported_usd")
    all_after = _per_year(exports, years.period, "exporter_reported_usd")
    if all_after and share_after is not None:
        before_text = f"{100 * share_before / all_before:.0f}%" if all_before and share_before is not None else "n/a"
        rows.append(("Share of exports going to the targets", f"{100 * share_after / all_after:.0f}%",
                     f"baseline {before_text}"))  # fmt: skip
    coalition = found.routes.filter(pl.col("hub2").is_null())
    total = float(coalition["value_per_year"].sum())
    rows.append((f"Allocated to routes from the {found.labels['origins']}", f"{_usd(total)} a year",
                 f"of {hub_name}'s exports to the targets, by proportional allocation"))  # fmt: skip
    top = found.routes.row(0, named=True)
    rows.append(("Largest rise", top["path"], f"{_usd(top['value_per_year'])} a year, {_times(top['growth_ratio'])} "
                 f"the baseline ({_usd(top['baseline_per_year'])})"))  # fmt: skip
    return rows


def _indicator_table(store: Store, found: RouteSet, hub: str, targets: tuple[str, ...]) -> tuple[pl.DataFrame, str]:
    """Growth of the hub's exports to each target and imports from the main origins, with
    target shares, and one plain sentence per row."""
    basket = list(found.scope.basket_info.values())
    base, after = found.scope.baseline.label, found.scope.after.label
    common = dict(basket=basket, reporter=hub, baseline=base, after=after, by_partner=True, source=found.scope.source,
                  partial=found.scope.partial)
    top_origins = (
        found.routes.group_by("origin")
        .agg(pl.col("value_usd").sum())
        .sort(["value_usd", "origin"], descending=[True, False])
        .head(5)["origin"]
    )
    frames = [
        growth(store, partner=list(targets), flow="X", **common),
        growth(store, partner=top_origins.to_list(), flow="M", **common),
    ]
    table = pl.concat(frames).filter(pl.col("period") == after, pl.col("status").is_in(["ok", "partial"]))
    shares = target_share(store, basket=basket, reporter=hub, partner=list(targets), baseline=base, after=after,
                          source=found.scope.source, partial=found.scope.partial)  # fmt: skip
    shares = shares.select("partner", "flow", "share_baseline", "share_after")
    table = table.join(shares, on=["partner", "flow"], how="left").sort(
        ["flow", "value_usd", "partner"], descending=[True, True, False]
    )
    hub_name = country_name(hub)

    def sentence(row: dict) -> str:
        verb = "exports of" if row["flow"] == "X" else "imports of"
        prep = "to" if row["flow"] == "X" else "from"
        text = (f"{hub_name}'s {verb} {found.basket} {prep} {country_name(row['partner'])} averaged "
                f"{_usd(row['value_usd'])} a year in {after}, {_times(row['ratio'])} the {base} mean of "
                f"{_usd(row['baseline_usd'])}")  # fmt: skip
        if row["share_after"] is not None and row["flow"] == "X":
            text += (f"; {100 * row['share_after']:.0f}% of its {verb.split()[0]} of the basket "
                     f"(was {100 * (row['share_baseline'] or 0):.0f}%)")  # fmt: skip
        return text + ("." if not row["flagged"] else ". Flagged by the growth indicator.")

    sentences = [sentence(r) for r in table.iter_rows(named=True)]
    out = table.select(
        pl.when(pl.col("flow") == "X").then(pl.lit("exports to")).otherwise(pl.lit("imports from")).alias("leg"),
        "partner", "baseline_usd", "value_usd", "ratio", "flagged", "share_baseline", "share_after",
        "baseline_years", "n_rows_baseline", "n_rows",
    ).with_columns(explanation=pl.Series(sentences, dtype=pl.String))  # fmt: skip
    scope_x = make_scope(store, basket=basket, reporter=hub, partner=list(targets), flow="X", baseline=base,
                         after=after, source=found.scope.source, partial=found.scope.partial)  # fmt: skip
    query = growth_sql(scope_x, by_partner=True)
    return out, query


def build_report(
    store: Store,
    basket: str,
    hub: str,
    *,
    targets: str | None = None,
    years: YearsLike | None = None,
    baseline: YearsLike | None = None,
    origins: str = "coalition",
    top: int = 20,
    partial: str = "like_for_like",
) -> Report:
    """Gather a route report for ``hub`` and ``basket`` from ``store``.

    ``targets`` defaults to Russia, Belarus and the other EAEU members (``default_targets``);
    ``years`` to 2022 through the last year the hub's series of the basket hold; ``baseline``
    to the years of 2019-2021 they hold (so no label names a year not held); ``partial`` how a
    year held in part is compared (``indicators.base.PARTIAL_CHOICES``), stated in the report.
    """
    hub = hub.strip().upper()
    if not (len(hub) == 3 and hub.isalpha()):
        raise ParameterError(f"--hub {hub!r}: expected one ISO3 code, e.g. GEO")
    target_codes, target_label = as_countries(targets, name="--targets") if targets else (default_targets(hub), "")
    assert target_codes is not None
    reason = ("chosen by the user" if targets else
              "Russia and Belarus, and the other members of the Eurasian Economic Union (Armenia, Kazakhstan, "
              "Kyrgyzstan): goods cross from them into Russia without customs declarations, so exports to them "
              "may end in Russia")  # fmt: skip
    # What each country's series of the basket holds: the hub's give the default period and
    # the baseline years held; every country's, the years each leg's mean divides by.
    series = series_years(store, make_scope(store, basket=basket), all_years=True)
    hub_series = series.filter(pl.col("reporter") == hub)
    held = hub_series["year"].unique().sort()
    if held.is_empty():
        raise NoDataError(f"The store holds no figures reported by {hub} of {basket}; `tradeflows coverage --by "
                          "product` shows who reports what.")  # fmt: skip
    if years is None:
        last = int(held.max())
        if last < 2022:
            raise NoDataError(f"The store holds {hub}'s figures only up to {last}; pass --years")
        years = (2022, last)
    if baseline is None:
        in_default = [y for y in held.to_list() if DEFAULT_BASELINE[0] <= y <= DEFAULT_BASELINE[1]]
        baseline = (min(in_default), max(in_default)) if in_default else DEFAULT_BASELINE
    period, base = as_years(years, name="--years"), as_years(baseline, name="--baseline")
    found = find_routes(store, basket, targets=",".join(target_codes), years=period.label, baseline=base.label,
                        hubs=hub, origins=origins, partial=partial)  # fmt: skip
    base_held = sorted(set(held.to_list()) & set(base.years))
    scope = found.scope
    s_sql = series_sql(scope, hub, found.origins, target_codes)
    monthly = store.sql(s_sql)
    series_note = "monthly, as the hub reports them"
    if monthly.is_empty():
        legs = found.legs
        monthly = pl.concat([
            legs.filter(pl.col("importer") == hub).with_columns(
                series=pl.when(pl.col("exporter").is_in(found.origins)).then(pl.lit("imports from origins"))
                .otherwise(pl.lit("imports from others")), flow=pl.lit("M")),
            legs.filter(pl.col("exporter") == hub).with_columns(
                series=pl.when(pl.col("importer").is_in(target_codes)).then(pl.lit("exports to targets"))
                .otherwise(pl.lit("exports to others")), flow=pl.lit("X")),
        ]).group_by("year", "flow", "series").agg(pl.col("value_usd").sum(), pl.col("n_rows").sum()).with_columns(
            month=pl.lit(None, pl.Int64)).sort("year", "series")  # fmt: skip
        series_note = "annual leg values (the store has no monthly figures for this hub)"
    indicators, ind_sql = _indicator_table(store, found, hub, target_codes)
    short = hub_series.rename({"months": "n_months"}).filter(pl.col("n_months").is_between(1, 11))
    caveats = [
        "Trade inside the Eurasian Economic Union (Armenia, Belarus, Kazakhstan, Kyrgyzstan, Russia) has no full "
        "customs declarations: what these countries send on to Russia is under-recorded, and a hub's exports to "
        "them are the last point the goods are seen.",
        "HS2022 came into force in January 2022, a classification break that coincides with the sanctions; "
        f"the basket's codes are matched revision by revision ({found.codes}).",
    ]
    compared = set(period.years) | set(base.years)
    for year, n in short.unique(["year", "n_months"]).select("year", "n_months").sort("year").iter_rows():
        if year in compared:
            caveats.append(f"{year} holds only {n} months of {hub}'s {found.basket}: "
                           f"{PARTIAL_CHOICES[partial]} (--partial {partial}).")  # fmt: skip
    if len(base_held) < len(base.years):
        caveats.append(f"The baseline {base.label} is the mean over the years the store holds of {hub}'s "
                       f"{found.basket}: "
                       f"{', '.join(map(str, base_held)) or 'none'}.")  # fmt: skip
    bases = set(found.legs.filter(pl.col("importer") == hub)["basis"].unique().to_list())
    hub_name = country_name(hub)
    if bases == {MIRROR_BASIS}:
        legs_text = (f"Every leg into {hub_name} comes from {hub_name}'s own import declarations (the store holds none "
                     f"of its partners' export figures for them), and every leg out of {hub_name} from its own export "
                     "declarations. As all import legs come from one side, the CIF adjustment does not change the "
                     "origins' shares.")  # fmt: skip
    else:
        legs_text = f"Legs into {hub_name}: {', '.join(sorted(bases))}."
    methodology = [
        "Routes are valued by proportional allocation: the hub's exports of each HS code to a target in a year are "
        "split among origins in proportion to the hub's imports of that code from each origin that year, then "
        "summed over the basket's codes and the period's years. It assumes imports and re-exports are mixed "
        "evenly and ignores stocks, transit time and the hub's own consumption: it shows where the goods could "
        "have come from, not where a given car did.",
        f"Baseline: the mean yearly value over {base.label} (years held: {', '.join(map(str, base_held)) or 'none'}); "
        f"the period is {period.label}. Growth is the period's mean yearly value divided by the baseline's; a year "
        "the store does not hold is missing, not zero.",
        f"Each leg uses the exporter's own figure (FOB) where the store has it ('{EXPORTER_BASIS}'), otherwise the "
        f"importer's (CIF, divided by {1 + found.cif_margin:.2f} to bring it to FOB: '{MIRROR_BASIS}'). {legs_text}",
        f"Origins: {found.labels['origins']} ({len(found.origins)} countries). Targets: {', '.join(target_codes)} — "
        f"{reason}.",
        "Indicator flags come from tradeflows' indicators, run on the hub's own reports: growth flags a doubling "
        "(or a robust z-score of 3.5 or more where there are three baseline years).",
        f"Years held in part: {PARTIAL_CHOICES[partial]} (--partial {partial}; whole and annualise are the "
        "other choices).",
        f"The figures rest on ingest {describe_runs(runs_behind(store, scope, reporters=None))} (see the ingest log); "
        "where two files give the same figure, the later run's stands.",
    ]
    consigned = origin_consignment(store, reporter=hub, baseline=base.label, after=period.label, partial=partial)
    consigned = consigned.filter(pl.col("status").is_in(["ok", "partial"]))
    consignment_note = ""
    if not consigned.is_empty():
        consignment_note = (f"{hub_name}'s imports of all goods (the store holds them by origin and by consignment "
                            f"for all goods only), from the partners that ship it most beyond what they make: "
                            f"goods consigned from a country but made elsewhere passed through it.")  # fmt: skip
        consigned = consigned.head(10).select(
            "partner", "origin_after_usd", "consignment_after_usd", "consigned_minus_origin_after_usd",
            "consigned_minus_origin_baseline_usd", "status")  # fmt: skip
    headline = _headline(found, hub, target_codes)
    card = _pass_through_card(store, found, hub, target_codes)
    if card:
        headline.insert(4, card)
    ingests = store.sql(
        "SELECT ingest_id, source, file, sha256, rows_read, rows_kept, rows_quarantined, finished_at FROM ingests "
        "ORDER BY ingest_id"
    )
    last = ingests["finished_at"].max() if not ingests.is_empty() else None
    generated = f"{last:%Y-%m-%d %H:%M:%S} UTC" if last is not None else "empty store"
    ingests = ingests.with_columns(pl.col("file").map_elements(lambda f: Path(f).name, return_dtype=pl.String))
    return Report(
        title=f"{country_name(hub)}: re-export routes for {found.basket}",
        hub=hub, hub_name=country_name(hub), basket=found.basket, codes=found.codes, period=period.label,
        baseline=base.label, baseline_held=", ".join(map(str, base_held)) or "none", targets=target_codes,
        target_reason=reason, origins_label=found.labels["origins"],
        lead=_lead(found, hub, target_codes), headline=headline,
        routes=found.routes.head(top), series=monthly,
        series_note=series_note, indicators=indicators,
        indicator_notes=[
            ("growth", "The period's mean yearly value against the baseline mean; flagged at a doubling."),
            ("target share", "The share of the hub's exports of the basket that goes to each target."),
            ("pass-through", "The rise in the hub's exports to the targets as a share of the rise in its imports "
                             "from the origins (capped at 100%), with the monthly lag at which the two series "
                             "move together best."),
            ("route flags", "Growth and new-flow verdicts on the two legs of each route, as the hub reports them."),
        ],
        methodology=methodology, caveats=caveats, ingests=ingests,
        queries={"Leg values (routes, graph, headline)": found.sql, "Monthly series": s_sql,
                 "Growth indicator (table)": ind_sql,
                 "Route allocation (not SQL)": ALLOCATION_NOTE},
        generated=generated, example=_example(found),
        legs=hub_legs(found.legs, series, hub, target_codes, period=period.years, baseline=base.years,
                      cif_margin=found.cif_margin).select("leg", *_LEG_COLS),
        found=found, consignment=consigned, consignment_note=consignment_note,
    )  # fmt: skip


_LEG_COLS = ("period_per_year", "baseline_per_year", "period_basis", "period_rows")


def _example(found: RouteSet) -> str:
    """How the first route's value is reached, in numbers a reader can check."""
    top = found.routes.row(0, named=True)
    last_hub = top["hub2"] or top["hub"]
    per_year = top["hub_exports_usd"] / top["period_years"]
    share = top["share_of_hub_exports"]
    return (
        f"How to read a row — rank 1, {top['path']}: {country_name(last_hub)}'s exports to "
        f"{country_name(top['target'])} averaged {_usd(per_year)} a year in {found.scope.after.label}; "
        f"the share of {country_name(top['hub'])}'s imports that came from {country_name(top['origin'])}, applied "
        f"per HS code and year, comes to {100 * share:.1f}% of them: {_usd(per_year)} × {100 * share:.1f}% = "
        f"{_usd(top['value_per_year'])} a year."
    )
