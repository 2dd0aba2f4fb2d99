"""A route report for one hub and basket: the data, then HTML or Markdown.

``build_report`` gathers everything a report shows from the library and computes nothing
itself: the routes from ``tradeflows.routes`` (``find_routes``; totals by origin group, the
Sankey's bands and the worked example from ``routes.summary``; the legs from
``routes.hub_legs``), the headline and the monthly series from the ``hub-profile``
indicator, the table from ``growth`` and ``target-share``, the pass-through card from
``pass-through``, the ingest log from ``store.ingest_log``. It resolves the scope once and
derives each indicator's from it, and reads the store's views once for the basket (one
DuckDB engine cut to the basket's rows, ``DuckDBEngine.cut``). ``render_html`` and
``render_markdown`` only format it. The same store and arguments give the same bytes: no
clock, no random ids (the date shown is the store's last ingest).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import Literal

import polars as pl

from tradeflows.engines import Engine
from tradeflows.engines.duckdb import DuckDBEngine
from tradeflows.errors import NoDataError, ParameterError
from tradeflows.indicators import INDICATORS
from tradeflows.indicators.base import (
    DEFAULT_AFTER,
    DEFAULT_BASELINE,
    PARTIAL_CHOICES,
    Scope,
    Years,
    YearsLike,
    as_countries,
    as_years,
    basket_rows_sql,
    describe_runs,
    make_scope,
    runs_behind,
    series_years,
)
from tradeflows.indicators.consignment import origin_consignment
from tradeflows.reference.groups import CountryGroup, get_group
from tradeflows.routes import RouteSet, find_routes
from tradeflows.routes.edges import EXPORTER_BASIS, MIRROR_BASIS
from tradeflows.routes.hub_legs import hub_legs
from tradeflows.routes.summary import (
    OriginGroups,
    Sankey,
    annual_series,
    by_group,
    by_origin,
    example_route,
    fob_divisor,
    origin_groups,
)
from tradeflows.routes.summary import sankey as sankey_bands
from tradeflows.store import Store
from tradeflows.store.ingest_log import data_as_of, ingest_log
from tradeflows.store.names import country_names

ReportFormat = Literal["html", "md"]
ALLOCATION_NOTE = """-- tradeflows.routes.allocate.route_values, in polars, on the leg values above:
-- for each year y and HS code k,
--   share(h <- o)      = leg(o -> h) / sum over every partner p of leg(p -> h)
--   route(o -> h -> R) = leg(h -> R) * share(h <- o)
--   route(o -> h1 -> h2 -> R) = leg(h2 -> R) * share(h2 <- h1) * share(h1 <- o)
-- then summed over the basket's codes; a route's yearly mean is over the years every leg on it was reported."""
INVASION = "2022-02"  # Russia's full-scale invasion of Ukraine, 24 February 2022: sanctions follow
_LEG_COLS = ("period_per_year", "baseline_per_year", "period_basis", "period_rows")


def _indicator(name: str) -> ModuleType:
    """An indicator's module from the registry (``INDICATORS``: its ``frame`` and ``sql``)."""
    return INDICATORS[name].module


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
    # The Sankey's bands by origin group (routes.summary.sankey) and the groups drawn.
    sankey: Sankey | None = None
    origin_groups: OriginGroups | None = None
    # ISO3 -> name, from the store's countries table (store.names).
    names: dict[str, str] = field(default_factory=dict, repr=False)

    def name(self, code: str) -> str:
        """A country's name as the report prints it (the code itself where none is known)."""
        return self.names.get(code, code)


# -- formatting: the only operations on numbers in reports/ --------------------------------


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


def _pct(share: float | None, digits: int = 0) -> str:
    """A share (0-1) as a percentage: 0.4512 -> '45%'."""
    return "n/a" if share is None else f"{100 * share:.{digits}f}%"


# -- the report's sentences, from figures the library computed -------------------------------


def _lead(profile: dict | None, origins: pl.DataFrame, groups: pl.DataFrame, *, name: Callable[[str], str],
          hub: str, basket: str, targets: tuple[str, ...], period: str, baseline: str, primary: str,
          every_origin: bool) -> str:  # fmt: skip
    """The report in one sentence or two, from the same figures as the headline cards. Where
    the store holds no baseline year of the hub's exports, it says so in words."""
    hub_name = name(hub)
    what = f"{hub_name}'s exports of {basket} to {', '.join(targets)}"
    if profile is None:
        text = f"The store holds none of {what}"
    elif not profile["exports_baseline_years"]:
        text = (f"{what} amounted to {_usd(profile['targets_after_usd'])} a year in {period}; the store holds no "
                f"baseline year ({baseline}) of {hub_name}'s exports of {basket}, so no change is given")  # fmt: skip
    else:
        text = (f"{what} went from {_usd(profile['targets_baseline_usd'])} a year in the baseline to "
                f"{_usd(profile['targets_after_usd'])} a year in {period}")  # fmt: skip
        if profile["targets_ratio"] is not None:
            text += f" ({_times(profile['targets_ratio'])})"
    totals = dict(groups.select("group", "value_per_year").iter_rows())
    text += (f". By proportional allocation, {_usd(totals.get(primary, 0.0))} a year of them trace back to {basket} "
             f"{hub_name} imported from the {primary}")  # fmt: skip
    top = origins.filter(pl.col("group") == primary)
    if len(top):
        text += f", above all from {name(top['origin'][0])} ({_usd(top['value_per_year'][0])} a year)"
    if every_origin:
        others = [f"{_usd(value)} from {name}" for name, value in totals.items() if name != primary]
        text += f"; {' and '.join(others)}"
    return text + "."


def _change(after: float | None, ratio: float | None, before: float | None, held: int, side: str) -> tuple[str, str]:
    """A card's value and note: the period's mean against the baseline's, or why there is none."""
    if not held:
        return f"{_usd(after)} a year", f"no baseline year held; {side}"
    return f"{_usd(after)} a year", f"{_times(ratio)} the baseline ({_usd(before)} a year); {side}"


def _headline(profile: dict | None, groups: pl.DataFrame, routes: pl.DataFrame, *, name: Callable[[str], str],
              hub: str, targets: tuple[str, ...], primary: str,
              every_origin: bool) -> list[tuple[str, str, str]]:  # fmt: skip
    hub_name = name(hub)
    rows = []
    if profile is not None:
        for label, key, years, side in (
            (f"{hub_name}'s imports", "imports", "imports_baseline_years", "as reported, CIF"),
            (f"{hub_name}'s exports", "exports", "exports_baseline_years", "as reported, FOB"),
            ("…of which to the targets", "targets", "exports_baseline_years", ", ".join(targets)),
        ):
            value, note = _change(profile[f"{key}_after_usd"], profile[f"{key}_ratio"],
                                  profile[f"{key}_baseline_usd"], profile[years], side)  # fmt: skip
            rows.append((label, value, note))
        if profile["targets_share_after"] is not None:
            before = profile["targets_share_baseline"]
            rows.append(("Share of exports going to the targets", _pct(profile["targets_share_after"]),
                         f"baseline {_pct(before)}" if before is not None else "no baseline year held"))  # fmt: skip
    totals = dict(groups.select("group", "value_per_year").iter_rows())
    note = f"of {hub_name}'s exports to the targets, by proportional allocation"
    if every_origin:
        note += "; " + ", ".join(f"{name} {_usd(value)}" for name, value in totals.items() if name != primary)
    rows.append((f"Allocated to routes from the {primary}", f"{_usd(totals.get(primary, 0.0))} a year", note))
    top = routes.row(0, named=True)
    rows.append(("Largest rise", top["path"], f"{_usd(top['value_per_year'])} a year, {_times(top['growth_ratio'])} "
                 f"the baseline ({_usd(top['baseline_per_year'])})"))  # fmt: skip
    return rows


def _pass_through_card(frame: pl.DataFrame, primary: str) -> tuple[str, str, str] | None:
    """The pass-through indicator as a headline card, when it can be computed."""
    if frame.is_empty() or frame["status"][0] not in ("ok", "partial") or frame["pass_through"][0] is None:
        return None
    row = frame.row(0, named=True)
    note = (f"the rise in exports to the targets ({_usd(row['delta_exports_usd'])} a year) against the rise in "
            f"imports from the {primary} ({_usd(row['delta_imports_usd'])} a year)")  # fmt: skip
    if row["lag_status"] == "ok" and row["lag_correlation"] is not None:
        note += (f"; monthly imports lead exports by {row['best_lag_months']} month(s), "
                 f"correlation {row['lag_correlation']:.2f}")  # fmt: skip
    return ("Pass-through to the targets", _pct(row["pass_through"]), note)


def _indicator_table(engine: Engine, scope: Scope, hub: str, targets: tuple[str, ...], top_origins: list[str],
                     basket: str, name: Callable[[str], str]) -> tuple[pl.DataFrame, str]:  # fmt: skip
    """Growth of the hub's exports to each target and imports from the main origins, with
    target shares, and one plain sentence per row."""
    growth = _indicator("growth")
    base, after = scope.baseline.label, scope.after.label
    to_targets = replace(scope, reporters=(hub,), reporter_label=hub, partners=targets,
                         partner_label="+".join(targets), flow="X")  # fmt: skip
    from_origins = replace(to_targets, partners=tuple(top_origins), partner_label="+".join(top_origins), flow="M")
    frames = [growth.frame(engine, to_targets, by_partner=True), growth.frame(engine, from_origins, by_partner=True)]
    table = pl.concat(frames).filter(pl.col("period") == after, pl.col("status").is_in(["ok", "partial"]))
    shares = _indicator("target-share").frame(engine, to_targets).select("partner", "flow", "share_baseline",
                                                                          "share_after")  # fmt: skip
    table = table.join(shares, on=["partner", "flow"], how="left").sort(
        ["flow", "value_usd", "partner"], descending=[True, True, False]
    )
    hub_name = name(hub)

    def sentence(row: dict) -> str:
        verb = "exports of" if row["flow"] == "X" else "imports of"
        prep = "to" if row["flow"] == "X" else "from"
        text = (f"{hub_name}'s {verb} {basket} {prep} {name(row['partner'])} averaged "
                f"{_usd(row['value_usd'])} a year in {after}, {_times(row['ratio'])} the {base} mean of "
                f"{_usd(row['baseline_usd'])}")  # fmt: skip
        if row["share_after"] is not None and row["flow"] == "X":
            text += (f"; {_pct(row['share_after'])} of its {verb.split()[0]} of the basket "
                     f"(was {_pct(row['share_baseline'] or 0.0)})")  # fmt: skip
        return text + ("." if not row["flagged"] else ". Flagged by the growth indicator.")

    sentences = [sentence(r) for r in table.iter_rows(named=True)]
    out = table.select(
        pl.when(pl.col("flow") == "X").then(pl.lit("exports to")).otherwise(pl.lit("imports from")).alias("leg"),
        "partner", "baseline_usd", "value_usd", "ratio", "flagged", "share_baseline", "share_after",
        "baseline_years", "n_rows_baseline", "n_rows",
    ).with_columns(explanation=pl.Series(sentences, dtype=pl.String))  # fmt: skip
    return out, growth.sql(to_targets, by_partner=True)


def _example(top: dict, after: str, name: Callable[[str], str]) -> str:
    """How the first route's value is reached, in numbers a reader can check (``routes.summary.example_route``)."""
    last_hub = top["hub2"] or top["hub"]
    per_year, share = _usd(top["hub_exports_per_year"]), _pct(top["share_of_hub_exports"], 1)
    return (
        f"How to read a row — rank 1, {top['path']}: {name(last_hub)}'s exports to "
        f"{name(top['target'])} averaged {per_year} a year in {after}; "
        f"the share of {name(top['hub'])}'s imports that came from {name(top['origin'])}, applied "
        f"per HS code and year, comes to {share} of them: {per_year} × {share} = "
        f"{_usd(top['value_per_year'])} a year."
    )


def _caveats(hub: str, basket: str, codes: str, partial: str, short: pl.DataFrame, compared: set[int],
             base: Years, base_held: list[int]) -> list[str]:  # fmt: skip
    """The caveats, each once: the partial years in one line (how they are compared is said once,
    in the methodology), the baseline's missing years in one line."""
    caveats = [
        "Trade inside the Eurasian Economic Union (Armenia, Belarus, Kazakhstan, Kyrgyzstan, Russia) has no full "
        "customs declarations: what these countries send on to Russia is under-recorded, and a hub's exports to "
        "them are the last point the goods are seen.",
        "HS2022 came into force in January 2022, a classification break that coincides with the sanctions; "
        f"the basket's codes are matched revision by revision ({codes}).",
    ]
    held_in_part = [f"{year} holds only {n} months of {hub}'s {basket}"
                    for year, n in short.select("year", "n_months").unique().sort("year", "n_months").iter_rows()
                    if year in compared]  # fmt: skip
    if held_in_part:
        how = "compared like for like" if partial == "like_for_like" else f"--partial {partial}"
        caveats.append(f"{'; '.join(held_in_part)}: {how} (see Methodology).")
    if len(base_held) < len(base.years):
        caveats.append(f"The baseline {base.label} is the mean over the years the store holds of {hub}'s "
                       f"{basket}: {', '.join(map(str, base_held)) or 'none'}.")  # fmt: skip
    return list(dict.fromkeys(caveats))


def _default_years(held: pl.Series, hub: str, years: YearsLike | None, baseline: YearsLike | None,
                   ) -> tuple[Years, Years]:  # fmt: skip
    """The period (2022 to the last year the hub's series hold) and the baseline (the years of
    2019-2021 they hold), unless given."""
    if years is None:
        last = int(held.max())  # type: ignore[arg-type]
        if last < 2022:
            raise NoDataError(f"The store holds {hub}'s figures only up to {last}; pass --years")
        years = (2022, last)
    if baseline is None:
        in_default = [y for y in held.to_list() if DEFAULT_BASELINE[0] <= y <= DEFAULT_BASELINE[1]]
        baseline = (min(in_default), max(in_default)) if in_default else DEFAULT_BASELINE
    return as_years(years, name="--years"), as_years(baseline, name="--baseline")


def build_report(
    store: Store,
    basket: str,
    hub: str,
    *,
    targets: str | None = None,
    years: YearsLike | None = None,
    baseline: YearsLike | None = None,
    origins: str | None = None,
    top: int = 20,
    partial: str = "like_for_like",
) -> Report:
    """Gather a route report for ``hub`` and ``basket`` from ``store``.

    ``targets`` defaults to Russia, Belarus and the other EAEU members (``default_targets``);
    ``years`` to 2022 through the last year the hub's series of the basket hold; ``baseline``
    to the years of 2019-2021 they hold (so no label names a year not held); ``origins`` to
    every origin, drawn as the coalition, China and the others (``routes.summary.origin_groups``);
    ``partial`` how a year held in part is compared (``indicators.base.PARTIAL_CHOICES``), stated
    in the report.
    """
    hub = hub.strip().upper()
    if not (len(hub) == 3 and hub.isalpha()):
        raise ParameterError(f"--hub {hub!r}: expected one ISO3 code, e.g. GEO")
    target_codes, _ = as_countries(targets, name="--targets") if targets else (default_targets(hub), "")
    assert target_codes is not None
    reason = ("chosen by the user" if targets else
              "Russia and Belarus, and the other members of the Eurasian Economic Union (Armenia, Kazakhstan, "
              "Kyrgyzstan): goods cross from them into Russia without customs declarations, so exports to them "
              "may end in Russia")  # fmt: skip
    with DuckDBEngine(store, keep_views=True) as engine:
        scope = make_scope(engine, basket=basket, partial=partial)  # the one resolution of the basket
        # What each country's series of the basket holds: the hub's give the default period and
        # the baseline years held; every country's, the years each leg's mean divides by.
        series = series_years(engine, scope, all_years=True)
        hub_series = series.filter(pl.col("reporter") == hub)
        held = hub_series["year"].unique().sort()
        if held.is_empty():
            raise NoDataError(f"The store holds no figures reported by {hub} of {basket}; `tradeflows coverage --by "
                              "product` shows who reports what.")  # fmt: skip
        period, base = _default_years(held, hub, years, baseline)
        # A year outside the span make_scope looked at may be held in part: then read month by month.
        looked = Years(DEFAULT_BASELINE[0], DEFAULT_AFTER[1]).years
        short_years = scope.short_years or not set(period.years + base.years) <= set(looked)
        scope = replace(scope, baseline=base, after=period, short_years=short_years)
        # The hub's imports of all goods, asked before the engine is cut to the basket.
        consigned = origin_consignment(engine, reporter=hub, baseline=base.label, after=period.label,
                                       partial=partial)  # fmt: skip
        engine.cut(basket_rows_sql(scope))
        names = country_names(engine)

        def name(code: str) -> str:
            return names.get(code, code)

        groups = origin_groups(engine, origins)
        drawn = CountryGroup(groups.label, groups.codes, "the report's origins", "tradeflows report", "")
        found = find_routes(engine, scope, targets=",".join(target_codes), hubs=hub, origins=drawn)
        primary = groups.groups[groups.primary]
        hub_scope = replace(scope, reporters=(hub,), reporter_label=hub, partners=target_codes,
                            partner_label="+".join(target_codes), flow="X")  # fmt: skip
        hub_profile = _indicator("hub-profile")
        profile_frame = hub_profile.frame(engine, hub_scope)
        profile = profile_frame.row(0, named=True) if len(profile_frame) else None
        monthly = hub_profile.monthly(engine, hub_scope, origins=primary)
        series_note = "monthly, as the hub reports them"
        if monthly.is_empty():
            monthly = annual_series(found.legs, hub, primary, target_codes)
            series_note = "annual leg values (the store has no monthly figures for this hub)"
        origin_totals, group_totals = by_origin(found.routes, groups), by_group(found.routes, groups)
        top_origins = origin_totals.head(5)["origin"].to_list()
        indicators, ind_sql = _indicator_table(engine, scope, hub, target_codes, top_origins, found.basket, name)
        passing = _indicator("pass-through").frame(engine, hub_scope, origin=primary)
        runs = describe_runs(runs_behind(engine, scope, reporters=None))
        ingests = ingest_log(engine)
        legs = hub_legs(found.legs, series, hub, target_codes, period=period.years, baseline=base.years,
                        cif_margin=found.cif_margin).select("leg", *_LEG_COLS)  # fmt: skip
        bands = sankey_bands(found.routes, found.legs, groups, hub=hub, targets=target_codes, period=period.years)
    consigned = consigned.filter(pl.col("status").is_in(["ok", "partial"]))
    hub_name = name(hub)
    consignment_note = ""
    if not consigned.is_empty():
        consignment_note = (f"{hub_name}'s imports of all goods (the store holds them by origin and by consignment "
                            f"for all goods only), from the partners that ship it most beyond what they make: "
                            f"goods consigned from a country but made elsewhere passed through it.")  # fmt: skip
        consigned = consigned.head(10).select(
            "partner", "origin_after_usd", "consignment_after_usd", "consigned_minus_origin_after_usd",
            "consigned_minus_origin_baseline_usd", "status")  # fmt: skip
    base_held = sorted(set(held.to_list()) & set(base.years))
    short = hub_series.rename({"months": "n_months"}).filter(pl.col("n_months").is_between(1, 11))
    caveats = _caveats(hub, found.basket, found.codes, partial, short, set(period.years) | set(base.years), base,
                       base_held)  # fmt: skip
    bases = set(found.legs.filter(pl.col("importer") == hub)["basis"].unique().to_list())
    if bases == {MIRROR_BASIS}:
        legs_text = (f"Every leg into {hub_name} comes from {hub_name}'s own import declarations (the store holds none "
                     f"of its partners' export figures for them), and every leg out of {hub_name} from its own export "
                     "declarations. As all import legs come from one side, the CIF adjustment does not change the "
                     "origins' shares.")  # fmt: skip
    else:
        legs_text = f"Legs into {hub_name}: {', '.join(sorted(bases))}."
    if groups.every_origin:
        origins_text = (f"Origins: every country, drawn as the coalition ({len(primary)} countries), China and the "
                        f"other origins; the allocation card, the lead and the pass-through read the coalition.")
    else:
        origins_text = (f"Origins: {groups.primary} ({len(primary)} countries); the Sankey diagram states the share "
                        "of the hub's exports to the targets allocated to other origins.")  # fmt: skip
    methodology = [
        "Routes are valued by proportional allocation: the hub's exports of each HS code to a target in a year are "
        "split among origins in proportion to the hub's imports of that code from each origin that year, then "
        "summed over the basket's codes and the period's years. It assumes imports and re-exports are mixed "
        "evenly and ignores stocks, transit time and the hub's own consumption: it shows where the goods could "
        "have come from, not where a given car did.",
        f"Baseline: the mean yearly value over the years of {base.label} each series holds; the period is "
        f"{period.label}. Growth is the period's mean yearly value divided by the baseline's; a year the store does "
        "not hold is missing, not zero.",
        f"Each leg uses the exporter's own figure (FOB) where the store has it ('{EXPORTER_BASIS}'), otherwise the "
        f"importer's (CIF, divided by {fob_divisor(found.cif_margin):.2f} to bring it to FOB: '{MIRROR_BASIS}'). "
        f"{legs_text}",
        f"{origins_text} Targets: {', '.join(target_codes)} — {reason}.",
        "Indicator flags come from tradeflows' indicators, run on the hub's own reports: growth flags a doubling "
        "(or a robust z-score of 3.5 or more where there are three baseline years).",
        f"Years held in part: {PARTIAL_CHOICES[partial]} (--partial {partial}; whole and annualise are the "
        "other choices).",
        f"The figures rest on ingest {runs} (see the ingest log); where two files give the same figure, the later "
        "run's stands.",
    ]
    headline = _headline(profile, group_totals, found.routes, name=name, hub=hub, targets=target_codes,
                         primary=groups.primary, every_origin=groups.every_origin)  # fmt: skip
    card = _pass_through_card(passing, groups.primary)
    if card:
        headline.insert(4 if profile is not None and profile["targets_share_after"] is not None else 3, card)
    last = data_as_of(ingests)
    return Report(
        title=f"{hub_name}: re-export routes for {found.basket}",
        hub=hub, hub_name=hub_name, basket=found.basket, codes=found.codes, period=period.label,
        baseline=base.label, baseline_held=", ".join(map(str, base_held)) or "none", targets=target_codes,
        target_reason=reason, origins_label=groups.label,
        lead=_lead(profile, origin_totals, group_totals, name=name, hub=hub, basket=found.basket, targets=target_codes,
                   period=period.label, baseline=base.label, primary=groups.primary, every_origin=groups.every_origin),
        headline=headline, routes=found.routes.head(top), series=monthly,
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
        queries={"Leg values (routes, graph, legs)": found.sql,
                 "Hub profile (headline)": hub_profile.sql(hub_scope),
                 "Monthly series": hub_profile.monthly_sql(hub_scope, origins=primary),
                 "Growth indicator (table)": ind_sql,
                 "Route allocation (not SQL)": ALLOCATION_NOTE},
        generated=f"{last:%Y-%m-%d %H:%M:%S} UTC" if last is not None else "empty store",
        example=_example(example_route(found.routes), period.label, name),
        legs=legs, found=found, consignment=consigned, consignment_note=consignment_note,
        sankey=bands, origin_groups=groups, names=names,
    )  # fmt: skip
