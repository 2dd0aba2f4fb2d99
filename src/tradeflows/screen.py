"""The screen: where to look. Every (hub, sanctioned basket, target) the store holds, ranked as leads.

The screen computes no figure of its own. For each sanctioned basket the store holds it calls
the public indicators over every hub the store holds as a reporter, and every target of each hub
(Russia, Belarus and the EAEU members other than the hub, as the route reports take them):

- ``growth`` of the hub's exports of the basket to the target (after mean against the baseline);
- ``target-share``: the target's share of the hub's exports of the basket, change in points;
- ``pass-through`` of the hub's extra imports on to the target, with the best monthly lag;
- ``new-flows``: codes the hub never sent the target in the baseline;
- ``growth`` of the hub's imports of the basket (its own reports);
- ``mirror-gap``: the largest share of the rise in a coalition member's exports to the hub that
  the hub never recorded as imports (where both sides are held);
- ``origin-consignment``, where the store holds the hub's imports by country of consignment
  (national files; all goods): the coalition country or hub whose goods consigned to the hub
  exceed those made there by the most after the baseline (goods made elsewhere shipped through
  it). Elsewhere the component is not held, and said so, never zero.

The indicators average each series (source, reporter, flow, basket) over the years its files
hold and compare a year held in part as ``partial`` says (``indicators.base``): the words name
the years the hub's exports series holds in each period (``baseline_held``, ``after_held``), never
a year no file covers.

Each lead's ``score`` combines their outputs (each bounded to 0-1, see ``STRENGTHS``; a component
the store does not hold counts 0 and is named in the caveats). A combination is a ``lead`` when its
exports to the target rose at least ``min_ratio`` times (or started from nothing) by at least
``min_usd`` a year. Each lead carries its evidence in one line of words, the figures behind it,
caveats from coverage and the statuses of the indicators, and the commands that reproduce it.
"""

from __future__ import annotations

import shlex
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from tradeflows.engines import Engine, open_engine
from tradeflows.errors import NoDataError, ParameterError
from tradeflows.indicators import INDICATORS, origin_consignment
from tradeflows.indicators.base import (
    DEFAULT_AFTER,
    DEFAULT_BASELINE,
    PARTIAL_CHOICES,
    SANCTIONED_BASKETS,
    Scope,
    Years,
    YearsLike,
    as_countries,
    as_years,
    read_coverage,
    resolve_scope,
    series_years,
)
from tradeflows.reference.groups import get_group
from tradeflows.reports.report import _usd, default_targets
from tradeflows.store import Store

Progress = Callable[[str, int, int], None]  # (what is running, steps done, steps in all)
KEYS = ("source", "hub", "basket", "target")
# Each component's strength, 0-1, and its weight in the score: growth and size count twice
# (the exports to the target are what a lead is about); the others once.
STRENGTHS = {
    "growth": ("ln(exports ratio) / ln(4), 1 for a flow from nothing", 2.0),
    "size": ("(log10(rise in USD a year) - 5) / 3: $100k -> 0, $100m -> 1", 2.0),
    "share": ("target share change / 25 points", 1.0),
    "pass_through": ("pass-through / 0.5", 1.0),
    "new_flows": ("1 where a code started from nothing", 1.0),
    "imports": ("ln(hub imports ratio) / ln(4)", 1.0),
    "mirror": ("largest unrecorded share of the rise in coalition exports to the hub", 1.0),
    "consignment": ("ln(imports consigned from a coalition country or hub / made there, after) / ln(4)", 1.0),
}
# The partners whose consignments to a hub beyond what they make count: goods of the coalition
# shipped on, or another hub's re-exports.
CONSIGNORS = "coalition,hubs"
NOT_HELD = "no_consignment_data"  # origin_consignment's status where a hub's imports by consignment are not held
EAEU_CAVEAT = ("trade inside the EAEU has no full customs declarations: the hub's exports to {t} are "
               "under-recorded")  # fmt: skip


@dataclass(frozen=True)
class Screen:
    """The ranked leads and what they were computed on."""

    leads: pl.DataFrame
    baseline: str
    after: str
    db: str
    last_run: int | None
    since: int | None = None
    notes: tuple[str, ...] = ()
    min_ratio: float = 1.5
    min_usd: float = 1e6
    partial: str = "like_for_like"
    # The years of each period some screened hub's exports series holds, as words (years_label).
    baseline_held: str = ""
    after_held: str = ""


def targets_of(hub: str, targets: tuple[str, ...] | None) -> tuple[str, ...]:
    """The targets of a hub: those given, else Russia, Belarus and the EAEU members other than it."""
    if targets is not None:
        return tuple(t for t in targets if t != hub)
    return default_targets(hub)


def _held_hubs(store: Store, hubs: tuple[str, ...], source: str | None) -> tuple[str, ...]:
    held = store.sql("SELECT DISTINCT source, reporter FROM coverage")
    if source:
        held = held.filter(pl.col("source") == source)
    return tuple(h for h in hubs if h in set(held["reporter"].to_list()))


def years_label(years: Sequence[int]) -> str:
    """Years as words: runs joined by a dash, the rest by commas ('' for none).

    >>> years_label([2019, 2020, 2021, 2023])
    '2019-2021, 2023'
    """
    runs: list[list[int]] = []
    for y in sorted(set(years)):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _held_labels(store: Store | Engine, scope: Scope, hubs: tuple[str, ...]) -> pl.DataFrame:
    """Per (source, hub): the years of each period the hub's exports of the basket are held
    (table ``held`` through ``series_years``): ``*_years_held`` lists, ``*_held`` their words."""
    base, post = scope.baseline, scope.after
    held = series_years(store, scope, reporters=hubs, flows=("X",))
    return held.group_by("source", hub="reporter").agg(
        baseline_years_held=pl.col("year").filter(pl.col("year").is_between(base.first, base.last)).sort(),
        after_years_held=pl.col("year").filter(pl.col("year").is_between(post.first, post.last)).sort(),
    ).with_columns(
        baseline_held=pl.col("baseline_years_held").map_elements(years_label, return_dtype=pl.String),
        after_held=pl.col("after_years_held").map_elements(years_label, return_dtype=pl.String),
    )  # fmt: skip


def _after_rows(frame: pl.DataFrame, after: str) -> pl.DataFrame:
    return frame.filter(pl.col("period") == after)


def _calls(store: Store, engine: Engine, scope: Scope, targets: dict[str, tuple[str, ...]],
           common: dict) -> list[tuple[str, Callable[[], pl.DataFrame]]]:  # fmt: skip
    """The indicator calls behind one basket, as (name, call): registry entries run on ``engine``
    on the basket's scope (the hubs' exports to every target), each derived with ``Scope.replace``."""
    everyone = sorted({t for ts in targets.values() for t in ts})
    hubs = ",".join(scope.reporters or ())

    def call(name: str, derived: Scope, **settings: object) -> Callable[[], pl.DataFrame]:
        entry = INDICATORS[name]
        return lambda: entry.run(engine, derived, entry.settings(**settings))

    calls = [
        ("growth", call("growth", scope, by_partner=True)),
        ("imports", call("growth", scope.replace(partner=None, flow="M"))),
        ("target-share", call("target-share", scope.replace(partner=None))),
        ("new-flows", call("new-flows", scope)),
        ("mirror-gap", call("mirror-gap", scope.replace(reporter="coalition", partner=hubs))),
        # all goods (national files give no codes): the same for every basket
        ("origin-consignment", lambda: origin_consignment(store, reporter=hubs, partner=CONSIGNORS, **common)),
    ]  # fmt: skip
    calls += [(f"pass-through:{t}", call("pass-through", scope.replace(partner=t))) for t in everyone]
    return calls


def _combine(basket: str, out: dict[str, pl.DataFrame], targets: dict[str, tuple[str, ...]], after: str,
             min_ratio: float, min_usd: float, held: pl.DataFrame) -> pl.DataFrame:  # fmt: skip
    """One row per (source, hub, target) of the basket: the indicators' outputs side by side, scored."""
    pairs = pl.DataFrame([(h, t) for h, ts in targets.items() for t in ts], schema=["hub", "target"], orient="row")
    g = _after_rows(out["growth"], after).select(
        "source", hub="reporter", target="partner", exports_baseline_usd="baseline_usd", exports_after_usd="value_usd",
        exports_ratio="ratio", baseline_years="baseline_years", after_years="after_years",
        growth_status="status", growth_reason="reason", n_rows="n_rows",
    ).join(pairs, on=["hub", "target"])  # fmt: skip
    ts = out["target-share"].select("source", hub="reporter", target="partner", share_baseline="share_baseline",
                                    share_after="share_after", share_change_pp="change_pp")  # fmt: skip
    # each pass-through call had one target: its label is the target
    pt = pl.concat([f.select("source", "hub", target="targets", pass_through="pass_through",
                             best_lag_months="best_lag_months", pt_status="status",
                             pt_reason=pl.when(pl.col("reason") != "").then("reason"))
                    for name, f in out.items() if name.startswith("pass-through:")])  # fmt: skip
    nf = out["new-flows"].filter("flagged").group_by("source", "reporter", "partner").agg(
        new_codes=pl.col("hs").sort().str.join(","), new_flows_after_usd=pl.col("after_usd").sum()
    ).rename({"reporter": "hub", "partner": "target"})  # fmt: skip
    im = _after_rows(out["imports"], after).select(
        "source", hub="reporter", imports_baseline_usd="baseline_usd", imports_after_usd="value_usd",
        imports_ratio="ratio", imports_status="status", imports_reason="reason")  # fmt: skip
    mg_all = out["mirror-gap"]
    mg = (mg_all.filter(pl.col("status") == "ok", pl.col("unreported_increase_share").is_not_null())
          .sort("unreported_increase_share", descending=True)
          .group_by("source", pl.col("importer").alias("hub"), maintain_order=True)
          .agg(mirror_unreported_share=pl.col("unreported_increase_share").first(),
               mirror_exporter=pl.col("exporter").first()))  # fmt: skip
    mg_held = mg_all.group_by(pl.col("importer").alias("hub")).agg(
        mirror_statuses=pl.col("status").unique().sort().str.join(","))
    # by hub, whatever the source: a national file's consignments stand beside the hub's Comtrade exports
    oc_all = out["origin-consignment"].filter(pl.col("status") != NOT_HELD)
    oc = (oc_all.filter(pl.col("consignment_ratio_after").is_not_null(), pl.col("consigned_minus_origin_after_usd") > 0)
          .sort("consigned_minus_origin_after_usd", "source", "partner", descending=[True, False, False])
          .group_by("hub", maintain_order=True)
          .agg(*(pl.col(c).first().alias(a) for c, a in (
              ("partner", "consignment_partner"), ("source", "consignment_source"),
              ("consigned_minus_origin_after_usd", "consigned_minus_origin_after_usd"),
              ("consigned_minus_origin_baseline_usd", "consigned_minus_origin_baseline_usd"),
              ("consignment_ratio_after", "consignment_ratio_after"),
              ("consignment_ratio_baseline", "consignment_ratio_baseline"), ("after", "consignment_after"),
              ("baseline", "consignment_baseline"), ("after_years", "consignment_after_years"),
              ("baseline_years", "consignment_baseline_years"), ("status", "consignment_status"),
              ("reason", "consignment_reason")))))  # fmt: skip
    oc_held = oc_all.group_by("hub").agg(consignment_statuses=pl.col("status").unique().sort().str.join(","))
    frame = (g.join(ts, on=["source", "hub", "target"], how="left")
             .join(pt, on=["source", "hub", "target"], how="left")
             .join(nf, on=["source", "hub", "target"], how="left")
             .join(im, on=["source", "hub"], how="left")
             .join(mg, on=["source", "hub"], how="left")
             .join(mg_held, on="hub", how="left")
             .join(oc, on="hub", how="left")
             .join(oc_held, on="hub", how="left")
             .join(held, on=["source", "hub"], how="left"))  # fmt: skip
    rise = pl.col("exports_after_usd") - pl.col("exports_baseline_usd")
    from_nothing = (pl.col("exports_baseline_usd") == 0) & (pl.col("exports_after_usd") > 0)
    strengths = {
        "growth": pl.when(from_nothing).then(1.0).otherwise(pl.col("exports_ratio").log() / pl.lit(4.0).log()),
        "size": (rise.clip(lower_bound=1.0).log10() - 5) / 3,
        "share": pl.col("share_change_pp") / 25,
        "pass_through": pl.col("pass_through") / 0.5,
        "new_flows": pl.when(pl.col("new_codes").is_not_null()).then(1.0).otherwise(0.0),
        "imports": pl.col("imports_ratio").log() / pl.lit(4.0).log(),
        "mirror": pl.col("mirror_unreported_share"),
        "consignment": pl.col("consignment_ratio_after").log() / pl.lit(4.0).log(),
    }
    total = sum(w for _, w in STRENGTHS.values())
    score = sum(STRENGTHS[k][1] * e.clip(0.0, 1.0).fill_null(0.0).fill_nan(0.0) for k, e in strengths.items())
    used = sum(e.is_not_null().cast(pl.Int32) for k, e in strengths.items() if k not in ("new_flows",))
    return frame.with_columns(
        basket=pl.lit(basket), exports_rise_usd=rise, score=score / total, components_held=used + 1,
        lead=(((pl.col("exports_ratio") >= min_ratio) | from_nothing) & (rise >= min_usd)).fill_null(False),
    )


def _evidence(r: dict) -> str:
    """The lead in one line of words, from its figures; the years named are those the hub's
    exports series holds (a mean over 2021 alone says 2021, not the baseline asked for)."""
    baseline, after = r["baseline_held"] or "the baseline", r["after_held"] or "the after period"
    head = f"{r['hub']}'s exports of {r['basket']} to {r['target']}"
    if r["exports_ratio"] is not None:
        parts = [f"{head} rose x{r['exports_ratio']:,.1f} ({_usd(r['exports_baseline_usd'])} a year in {baseline} "
                 f"to {_usd(r['exports_after_usd'])} in {after})"]  # fmt: skip
    elif r["exports_baseline_usd"] == 0 and (r["exports_after_usd"] or 0) > 0:
        parts = [f"{head} started from nothing ({_usd(r['exports_after_usd'])} a year in {after})"]
    else:
        parts = [f"{head}: {r['growth_reason'] or r['growth_status']}"]
    if r["share_change_pp"] is not None:
        parts.append(f"{r['target']}'s share of them {r['share_change_pp']:+.1f} points")
    if r["pass_through"] is not None:
        lag = f", best lag {r['best_lag_months']} months" if r["best_lag_months"] is not None else ""
        parts.append(f"{100 * r['pass_through']:.0f}% of {r['hub']}'s extra imports passed on{lag}")
    if r["imports_ratio"] is not None:
        parts.append(f"its imports x{r['imports_ratio']:,.1f}")
    if r["new_codes"]:
        parts.append(f"new flows in {r['new_codes']}")
    if r["mirror_unreported_share"] is not None:
        parts.append(f"{100 * r['mirror_unreported_share']:.0f}% of the rise in {r['mirror_exporter']}'s exports "
                     f"to it never recorded as imports")  # fmt: skip
    if r["consignment_partner"] is not None:
        p = r["consignment_partner"]
        before = (f"; {_usd(r['consigned_minus_origin_baseline_usd'])} in {r['consignment_baseline']}"
                  if r["consigned_minus_origin_baseline_usd"] is not None else "")  # fmt: skip
        parts.append(f"its imports consigned from {p} exceed those made in {p} by "
                     f"{_usd(r['consigned_minus_origin_after_usd'])} a year in {r['consignment_after']} "
                     f"(x{r['consignment_ratio_after']:,.1f}{before}; all goods, {r['consignment_source']}"
                     f"{'; a year held in part, see caveats' if r['consignment_status'] == 'partial' else ''}): "
                     f"goods made elsewhere shipped through {p}")  # fmt: skip
    return "; ".join(parts)


def _caveats(r: dict, base: tuple[int, ...], post: tuple[int, ...], coverage: pl.DataFrame,
             bases: pl.DataFrame, partial: str = "like_for_like") -> list[str]:  # fmt: skip
    out = []
    if r["baseline_years"] is not None and r["baseline_years"] < len(base):
        out.append(f"baseline: {r['hub']} reported {r['baseline_years']} of the {len(base)} years")
    if r["after_years"] is not None and r["after_years"] < len(post):
        out.append(f"after: {r['after_years']} of the {len(post)} years held")
    missing = [y for years, held in ((base, r["baseline_years_held"]), (post, r["after_years_held"])) if held
               for y in sorted(set(years) - set(held))]  # fmt: skip
    if missing:
        out.append(f"not held (missing, not zero): {r['hub']}'s exports of {r['basket']} in {years_label(missing)}")
    short = coverage.filter(pl.col("reporter") == r["hub"], pl.col("source") == r["source"])
    for year, flow, months in short.select("year", "flow", "n_months").iter_rows():
        out.append(f"{year} {'exports' if flow == 'X' else 'imports'}: {months} months held (a partial year)")
    if r["growth_status"] == "partial":  # its reason names the periods asked; the years held are above
        out.append(f"growth: a year held in part, {PARTIAL_CHOICES[partial]}")
    elif r["growth_status"] != "ok":
        out.append(f"growth: {r['growth_reason'] or r['growth_status']}")
    if r["pass_through"] is None:
        out.append(f"pass-through: {r['pt_reason'] or r['pt_status'] or 'not computed'}")
    if r["imports_ratio"] is None:
        out.append(f"hub imports: {r['imports_reason'] or r['imports_status'] or 'not held'}")
    if r["mirror_unreported_share"] is None:
        statuses = r["mirror_statuses"] or "no coalition exports to the hub held"
        out.append(f"mirror gap not computed ({statuses})")
    out += _consignment_caveats(r, base, post)
    if r["target"] in get_group("eaeu").members and r["hub"] in get_group("eaeu").members:
        out.append(EAEU_CAVEAT.format(t=r["target"]))
    for basis, flags in bases.filter(pl.col("reporter") == r["hub"]).select("partner_basis", "qty_flag").iter_rows():
        if basis == "consignment":
            out.append("imports by consignment also held: origin and consignment differ (see routes)")
        if flags == "estimated":
            out.append("some quantities are estimated (unit values less reliable)")
    return list(dict.fromkeys(out))


def _consignment_caveats(r: dict, base: tuple[int, ...], post: tuple[int, ...]) -> list[str]:
    if r["consignment_statuses"] is None:
        return [f"origin vs consignment: not held (the store holds no imports of {r['hub']} by country of "
                "consignment: missing, not zero)"]  # fmt: skip
    if r["consignment_partner"] is None:
        return [f"origin vs consignment: no coalition country or hub consigned {r['hub']} more than it made "
                f"({r['consignment_statuses']})"]  # fmt: skip
    out = []
    for name, held, years in (("baseline", r["consignment_baseline_years"], base),
                              ("after", r["consignment_after_years"], post)):  # fmt: skip
        if held is not None and held < len(years):
            out.append(f"origin vs consignment, {name}: {held} of the {len(years)} years held")
    if r["consignment_status"] != "ok":
        out.append(f"origin vs consignment: {r['consignment_reason'] or r['consignment_status']}")
    return out


def _commands(r: dict, baseline: str, after: str, db: str, partial: str = "like_for_like") -> list[str]:
    q = shlex.quote
    scope = f"--basket {q(r['basket'])} --reporter {q(r['hub'])}"
    how = f" --partial {partial}" if partial != "like_for_like" else ""
    period = f"--baseline {baseline} --after {after}{how} --db {q(db)}"
    report = f"reports/{report_name(r['hub'], r['basket'])}"
    consignment = f"tradeflows indicators origin-consignment --reporter {q(r['hub'])} --partner {CONSIGNORS} {period}"
    return [
        f"tradeflows indicators growth {scope} --partner {q(r['target'])} --by-partner {period}",
        f"tradeflows indicators pass-through {scope} --partner {q(r['target'])} {period}",
        f"tradeflows indicators target-share {scope} {period}",
        f"tradeflows indicators new-flows {scope} --partner {q(r['target'])} {period}",
        *([consignment] if r["consignment_statuses"] is not None else []),  # where its consignments are held
        f"tradeflows report --basket {q(r['basket'])} --hub {q(r['hub'])} --baseline {baseline} "
        f"--out {q(report)} --db {q(db)}",
    ]


def report_name(hub: str, basket: str) -> str:
    """The file name of a lead's route report: letters, digits, - and _ only."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in f"{hub}-{basket}")
    return f"{safe}.html"


def screen(
    store: Store,
    *,
    baskets: Sequence[str] = SANCTIONED_BASKETS,
    hubs: str | Sequence[str] = "hubs",
    targets: str | Sequence[str] | None = None,
    baseline: YearsLike = DEFAULT_BASELINE,
    after: YearsLike = DEFAULT_AFTER,
    min_ratio: float = 1.5,
    min_usd: float = 1e6,
    source: str | None = None,
    since: int | None = None,
    progress: Progress | None = None,
    partial: str = "like_for_like",
) -> Screen:
    """Rank every (hub, basket, target) the store holds as a lead; see the module docstring.

    ``targets`` None: each hub's default targets. ``partial``: how the indicators compare a year
    a series holds in part (``indicators.base.PARTIAL_CHOICES``; like for like by default).
    ``since``: an earlier ingest run; each lead is
    marked ``new`` (absent then, or a lead now that was not one), ``changed`` (its words or its
    lead flag changed) or ``unchanged`` against the screen of the store as it stood after that
    run (its rows of runs up to ``since``, rebuilt in a temporary store).

    ``Screen.leads`` columns (``LEAD_COLUMNS``): rank, lead, score (0-1), source, hub, basket,
    target, evidence, the figures (exports_baseline_usd, exports_after_usd, exports_ratio,
    exports_rise_usd, share_change_pp, pass_through, best_lag_months, new_codes,
    new_flows_after_usd, imports_ratio, mirror_unreported_share, mirror_exporter,
    consignment_partner, consigned_minus_origin_after_usd, consignment_ratio_after,
    consignment_source), components_held (of the eight; new flows always counts), n_rows (store rows behind the
    exports after), baseline_held and after_held (the years of each period the hub's exports
    series holds, as words), caveats and commands (lists), report (the lead's report file), since.
    """
    if partial not in PARTIAL_CHOICES:
        raise ParameterError(f"partial={partial!r}: expected one of {', '.join(PARTIAL_CHOICES)}")
    base, post = as_years(baseline, name="baseline"), as_years(after, name="after")
    hub_list, _ = as_countries(hubs, name="hubs")
    target_list = as_countries(targets, name="targets")[0] if targets is not None else None
    held = _held_hubs(store, hub_list or (), source)
    if not held:
        raise NoDataError(f"The store {store.path} holds no reports of the hubs ({', '.join(hub_list or ())}); "
                          "the screen reads what the hubs report")  # fmt: skip
    per_hub = {h: targets_of(h, target_list) for h in held}
    common = {"baseline": (base.first, base.last), "after": (post.first, post.last), "source": source,
              "partial": partial}
    # One reading of what the store holds; each basket's scope is resolved against it once, and
    # the indicators' queries share one engine, which computes the views they read once.
    with open_engine("duckdb", store=store, keep_views=True) as engine:
        coverage, plan, scopes, skipped = read_coverage(engine), [], {}, []
        everyone = ",".join(sorted({t for ts in per_hub.values() for t in ts}))
        for basket in baskets:
            try:
                scopes[basket] = resolve_scope(engine, basket=basket, reporter=",".join(held), partner=everyone,
                                               coverage=coverage, **common)  # fmt: skip
            except NoDataError:  # the store holds none of the basket's codes
                skipped.append(basket)
                continue
            plan += [(basket, name, call) for name, call in _calls(store, engine, scopes[basket], per_hub, common)]
        frames, outputs = [], {}
        for i, (basket, name, call) in enumerate(plan):
            if progress:
                progress(f"{basket}: {name}", i, len(plan))
            outputs.setdefault(basket, {})[name] = call()
        for basket, out in outputs.items():
            if len(out["growth"]):
                held_labels = _held_labels(engine, scopes[basket], held)
                frames.append(_combine(basket, out, per_hub, post.label, min_ratio, min_usd, held_labels))
    if progress:
        progress("ranking", len(plan), len(plan))
    notes = tuple(f"basket {b}: the store holds none of its codes" for b in skipped)
    last = store.sql("SELECT max(ingest_id) AS run FROM ingests")["run"][0]
    combined = pl.concat(frames, how="diagonal_relaxed") if frames else None
    held_in = {f"{c}_held": "" if combined is None else years_label(combined[f"{c}_years_held"].explode().drop_nulls())
               for c in ("baseline", "after")}  # fmt: skip
    leads = _finish(store, combined, base, post, partial)
    result = Screen(leads, base.label, post.label, str(store.path), last, since, notes, min_ratio, min_usd, partial,
                    **held_in)  # fmt: skip
    if since is not None:
        result = _mark_since(store, result, since, baskets=baskets, hubs=hubs, targets=targets, baseline=baseline,
                             after=after, min_ratio=min_ratio, min_usd=min_usd, source=source,
                             partial=partial)  # fmt: skip
    return result


LEAD_COLUMNS = ("rank", "lead", "score", "source", "hub", "basket", "target", "evidence", "exports_baseline_usd",
                "exports_after_usd", "exports_ratio", "exports_rise_usd", "share_change_pp", "pass_through",
                "best_lag_months", "new_codes", "new_flows_after_usd", "imports_ratio", "mirror_unreported_share",
                "mirror_exporter", "consignment_partner", "consigned_minus_origin_after_usd", "consignment_ratio_after",
                "consignment_source", "components_held", "n_rows", "baseline_held", "after_held", "caveats", "commands",
                "report", "since")  # fmt: skip


def _finish(store: Store, frame: pl.DataFrame | None, base: Years, post: Years,
            partial: str = "like_for_like") -> pl.DataFrame:  # fmt: skip
    """Rank, and add each lead's words, caveats and commands."""
    if frame is None or frame.is_empty():
        return pl.DataFrame(schema={c: pl.String for c in LEAD_COLUMNS})
    hubs = frame["hub"].unique().to_list()
    years = (min(base.first, post.first), max(base.last, post.last))
    coverage = store.sql(
        "SELECT source, reporter, year, flow, n_months FROM coverage WHERE NOT annual_rows AND n_months < 12 "
        "AND year BETWEEN ? AND ? AND list_contains(?, reporter) ORDER BY year, flow", [*years, hubs])  # fmt: skip
    bases = store.sql("SELECT DISTINCT reporter, partner_basis, qty_flag FROM flows WHERE list_contains(?, reporter) "
                      "AND (partner_basis = 'consignment' OR qty_flag = 'estimated')", [hubs])  # fmt: skip
    frame = frame.sort(["lead", "score", "exports_rise_usd", "hub", "basket", "target"],
                       descending=[True, True, True, False, False, False], nulls_last=True)  # fmt: skip
    rows = frame.to_dicts()
    db = str(store.path)
    return frame.with_columns(
        rank=pl.int_range(1, len(frame) + 1),
        evidence=pl.Series([_evidence(r) for r in rows], dtype=pl.String),
        caveats=pl.Series([_caveats(r, base.years, post.years, coverage, bases, partial) for r in rows],
                          dtype=pl.List(pl.String)),
        commands=pl.Series([_commands(r, base.label, post.label, db, partial) for r in rows],
                           dtype=pl.List(pl.String)),
        report=pl.Series([f"reports/{report_name(r['hub'], r['basket'])}" for r in rows], dtype=pl.String),
        since=pl.lit(None, pl.String),
    ).select(LEAD_COLUMNS)


def store_as_of(store: Store, run: int, folder: Path) -> Store:
    """A temporary store holding the rows of ``store`` loaded by runs up to ``run``, as it stood then
    (rows a later ``--replace`` removed are gone from both)."""
    import tradeflows

    runs = store.sql("SELECT ingest_id FROM ingests ORDER BY ingest_id")["ingest_id"].to_list()
    if run not in runs:
        raise ParameterError(f"--since {run}: the store {store.path} has no ingest run {run}; it has runs "
                             f"{', '.join(map(str, runs)) or 'none'} (see `tradeflows tables`)")  # fmt: skip
    earlier = tradeflows.open(folder / "as_of.duckdb")
    rows = store.sql("SELECT * FROM flows WHERE ingest_id <= ?", [run])
    for (source,), part in rows.group_by(["source"], maintain_order=True):
        earlier.load_frame(part, source=source, label=f"{store.path} as of run {run}")
    return earlier


def _mark_since(store: Store, now: Screen, run: int, **options) -> Screen:
    """Mark each lead new, changed or unchanged against the screen of the store as of ``run``."""
    with tempfile.TemporaryDirectory() as folder:
        earlier = store_as_of(store, run, Path(folder))
        try:
            before = screen(earlier, **options).leads
        except NoDataError:
            before = pl.DataFrame(schema={c: pl.String for c in LEAD_COLUMNS})
    if "lead" in before.columns and before["lead"].dtype == pl.Boolean:
        before = before.select(*KEYS, was_lead="lead", was_evidence="evidence")
    else:
        before = pl.DataFrame(schema={**{k: pl.String for k in KEYS}, "was_lead": pl.Boolean, "was_evidence": pl.String})
    leads = now.leads.join(before, on=list(KEYS), how="left").with_columns(
        since=pl.when(pl.col("was_lead").is_null() | (pl.col("lead") & ~pl.col("was_lead"))).then(pl.lit("new"))
        .when((pl.col("lead") != pl.col("was_lead")) | (pl.col("evidence") != pl.col("was_evidence")))
        .then(pl.lit("changed")).otherwise(pl.lit("unchanged"))
    ).drop("was_lead", "was_evidence")  # fmt: skip
    return Screen(leads, now.baseline, now.after, now.db, now.last_run, run, now.notes, now.min_ratio, now.min_usd,
                  now.partial, now.baseline_held, now.after_held)


def flat(leads: pl.DataFrame) -> pl.DataFrame:
    """The leads with their list columns (caveats, commands) joined by ' | ', for CSV and tables."""
    return leads.with_columns(pl.col(c).list.join(" | ") for c in ("caveats", "commands") if c in leads.columns
                              and leads[c].dtype == pl.List(pl.String))  # fmt: skip
