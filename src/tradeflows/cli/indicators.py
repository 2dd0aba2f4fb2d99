"""`tradeflows indicators NAME`: one command per anomaly indicator, each a thin call into
``tradeflows.indicators`` followed by ``write_result``; the basket codes and store behind
the figures are printed to stderr as provenance.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, get_type_hints

import typer

from tradeflows.cli.common import (
    DatasetOption,
    DbOption,
    EngineChoice,
    EngineOption,
    FormatOption,
    LimitOption,
    OutputOption,
    PartialChoice,
    PartialOption,
    open_engine_for,
)
from tradeflows.cli.output import OutputFormat, err_console, styled, write_result
from tradeflows.schema import CIF_MARGIN, FLOW_CODES

app = typer.Typer(
    name="indicators",
    help="Anomaly indicators: the evidence of circumvention, one definition each (run `tradeflows indicators NAME --help`).",
    no_args_is_help=True,
)


Flow = Enum("Flow", {code: code for code in FLOW_CODES}, type=str)  # X, M, RX, RM


BasketOpt = Annotated[
    list[str],
    typer.Option("--basket", "-b", help="Basket name (cars, computers, smartphones, uavs, chpl, chpl:1, chpl-2023 ...) "
                 "or HS codes '8703,851713'; repeat for several."),
]  # fmt: skip
ReporterOpt = Annotated[
    str | None,
    typer.Option("--reporter", "-r", help="ISO3 codes or a group (hubs, coalition, targets), comma-separated."),
]
PartnerOpt = Annotated[
    str | None, typer.Option("--partner", "-p", help="ISO3 codes or a group, comma-separated; all when omitted.")
]
FlowOpt = Annotated[
    Flow, typer.Option("--flow", help="X exports, M imports (RX, RM re-exports/imports).", case_sensitive=False)
]
BaselineOpt = Annotated[
    str | None,
    typer.Option("--baseline", help="Baseline year or years, e.g. 2021 or 2019-2021 (default: the years of "
                 "2019-2021 the series hold).", show_default=False),
]  # fmt: skip
AfterOpt = Annotated[
    str | None,
    typer.Option("--after", help="After period, e.g. 2022-2024 or 2023 (default: 2022 to the last year the "
                 "series hold).", show_default=False),
]  # fmt: skip
SourceOpt = Annotated[
    str | None, typer.Option("--source", help="Only rows of this source (comtrade, baci, synthetic ...).")
]
DefsOpt = Annotated[
    Path | None,
    typer.Option("--definitions", "-d", exists=True, dir_okay=False,
                 help="TOML/YAML/CSV file with your own baskets and groups, usable by name."),
]  # fmt: skip


def _definitions(path: Path | None) -> dict:
    from tradeflows.reference.baskets import load_baskets
    from tradeflows.reference.groups import load_groups

    if path is None:
        return {}
    if path.suffix.lower() == ".csv":
        header = path.read_text(encoding="utf-8-sig").split("\n", 1)[0]
        return {"groups": load_groups(path)} if "group" in header.split(",")[0] else {"baskets": load_baskets(path)}
    return {"baskets": load_baskets(path), "groups": load_groups(path)}


def _run(name: str, db: Path, defs: Path | None, fmt: OutputFormat, output: Path | None, limit: int,
         engine: EngineChoice = EngineChoice.duckdb, dataset: Path | None = None, **kwargs) -> None:  # fmt: skip
    from tradeflows.indicators import INDICATORS, compute

    runner = open_engine_for(db, engine, dataset, keep_views=True)
    try:
        frame, note = compute(name, runner, **kwargs, **_definitions(defs))
    finally:
        getattr(runner, "close", lambda: None)()
    if "source" in frame.columns and len(frame):
        note = f"source {', '.join(sorted(frame['source'].unique().to_list()))} | {note}"
    shown = frame
    if fmt is OutputFormat.table and INDICATORS[name].key_columns:
        shown = frame.select(c for c in INDICATORS[name].key_columns if c in frame.columns)
        hidden = len(frame.columns) - len(shown.columns)
        note += f" | {hidden} more column(s) (reason, provenance ...) with --format csv or json" if hidden else ""
    write_result(shown, fmt=fmt, output=output, limit=limit, db=db)
    where = f"store {db}" if engine is EngineChoice.duckdb else f"spark on {getattr(runner, 'dataset', dataset)}"
    partial = kwargs.get("partial", "like_for_like")
    err_console.print(styled(f"{note} | years held in part: {partial} | {where}", "dim"))


def _option(name: str, annotation: object, default: object = inspect.Parameter.empty) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)


# The options every indicator command shares, in the order --help lists them.
DB = _option("db", DbOption)
SCOPE = (  # whom the figures concern
    _option("basket", BasketOpt),
    _option("reporter", ReporterOpt, None),
    _option("partner", PartnerOpt, None),
    _option("flow", FlowOpt, Flow.X),
)
PERIODS = (_option("baseline", BaselineOpt, None), _option("after", AfterOpt, None),
           _option("partial", PartialOption, PartialChoice.like_for_like))
OUTPUT = (
    _option("source", SourceOpt, None),
    _option("definitions", DefsOpt, None),
    _option("engine", EngineOption, EngineChoice.duckdb),
    _option("dataset", DatasetOption, None),
    _option("fmt", FormatOption, OutputFormat.table),
    _option("output", OutputOption, None),
    _option("limit", LimitOption, 100),
)


def indicator_command(name: str, *, without: tuple[str, ...] = ()) -> Callable[[Callable[..., None]], Callable]:
    """Make the command for indicator ``name`` from a function that declares only its own options.

    The function's docstring is the help. Its options before ``*`` concern whom the figures are
    about: one named like a shared option (--basket, --reporter, --partner, --flow) replaces
    it, another follows the option declared before it; ``without`` drops shared ones the
    indicator does not take. Its options after ``*`` are the indicator's settings (fields of
    its ``Settings`` in the registry), listed after --baseline/--after. The command passes every
    option to ``tradeflows.indicators.compute``, which resolves the scope once (choices as their
    values; an option left out as None takes the library's default; periods left out come from
    the years the series hold) and renders the result.
    """

    def make(own: Callable[..., None]) -> Callable[..., None]:
        hints = get_type_hints(own, include_extras=True)
        scope, settings, previous = [p for p in SCOPE if p.name not in without], [], None
        for p in inspect.signature(own).parameters.values():
            option = _option(p.name, hints[p.name], p.default)
            names = [q.name for q in scope]
            if p.kind is inspect.Parameter.KEYWORD_ONLY:
                settings.append(option)
            elif p.name in names:
                scope[names.index(p.name)] = option
            else:
                scope.insert(names.index(previous) + 1 if previous in names else len(scope), option)
            previous = p.name
        parameters = [DB, *scope, *PERIODS, *settings, *OUTPUT]

        def command(**values: object) -> None:
            db, defs, fmt, output, limit = (values.pop(k) for k in ("db", "definitions", "fmt", "output", "limit"))
            engine, dataset = values.pop("engine"), values.pop("dataset")
            kwargs = {k: v.value if isinstance(v, Enum) else v for k, v in values.items() if v is not None and v != []}
            # Periods the user does not name come from the years the series hold (None).
            kwargs.update({k: values[k] for k in ("baseline", "after")})
            _run(name, db, defs, fmt, output, limit, engine=engine, dataset=dataset, **kwargs)

        functools.update_wrapper(command, own, updated=())
        del command.__wrapped__  # typer reads the signature below, not the declaring function's
        command.__signature__ = inspect.Signature(parameters)
        command.__annotations__ = {p.name: p.annotation for p in parameters}
        return command

    return make


@indicator_command("growth")
def growth(
    *,
    by_partner: Annotated[
        bool, typer.Option("--by-partner", help="One series per partner instead of their sum.")
    ] = False,
    threshold: Annotated[float, typer.Option(help="Flag a ratio at least this (2 = a doubling).")] = 2.0,
) -> None:
    """Growth: each after year and the after mean against the baseline mean, as a ratio and per cent.

    Example:

        tradeflows indicators growth --basket cars --reporter GEO --flow X --baseline 2021 --after 2022-2023
    """


@indicator_command("target-share")
def target_share() -> None:
    """Target share: each partner's share of the reporter's trade in the basket, baseline vs after; largest rise first.

    Example:

        tradeflows indicators target-share --basket cars --reporter GEO --baseline 2021 --after 2022-2023
    """


HubsOpt = Annotated[str, typer.Option("--reporter", "-r", help="The hubs: ISO3 codes or a group.")]
TargetsOpt = Annotated[str, typer.Option("--partner", "-p", help="The targets: ISO3 codes or a group.")]
OriginOpt = Annotated[str, typer.Option("--origin", help="The suppliers: ISO3 codes or a group.")]


@indicator_command("hub-score", without=("flow",))
def hub_score(
    basket: Annotated[
        list[str] | None,
        typer.Option("--basket", "-b", help="Baskets to rank (default: cars, computers, smartphones, uavs, chpl)."),
    ] = None,
    reporter: HubsOpt = "hubs",
    partner: TargetsOpt = "targets",
    origin: OriginOpt = "coalition",
) -> None:
    """Hub score: ranks (hub, basket) pairs by imports from the coalition, exports to the targets, target share and pass-through, components shown.

    Example:

        tradeflows indicators hub-score --baseline 2019-2021 --after 2022-2024 --db data/processed/demo.duckdb
    """


@indicator_command("hub-profile", without=("flow",))
def hub_profile(reporter: HubsOpt = "hubs", partner: TargetsOpt = "targets") -> None:
    """Hub profile: a hub's imports, exports and exports to the targets as it reports them; means, ratios, shares.

    Each a mean over the years that series holds in the baseline and after periods.

    Example:

        tradeflows indicators hub-profile --basket cars --reporter GEO --partner RUS,KAZ --baseline 2021 \
            --after 2022-2023
    """


@indicator_command("excess")
def excess(
    *,
    by_partner: Annotated[
        bool, typer.Option("--by-partner", help="One series per partner instead of their sum.")
    ] = False,
) -> None:
    """Excess: observed trade minus the baseline trend extended to the after years, in USD.

    Example:

        tradeflows indicators excess --basket computers --reporter KAZ --flow M --baseline 2019-2021 --after 2022-2023
    """


@indicator_command("mirror-gap", without=("flow",))
def mirror_gap(
    reporter: Annotated[str, typer.Option("--reporter", "-r", help="Exporters: ISO3 codes or a group.")] = "coalition",
    partner: Annotated[str, typer.Option("--partner", "-p", help="Importers: ISO3 codes or a group.")] = "hubs",
    *,
    cif_margin: Annotated[float, typer.Option(help="CIF/FOB margin removed from imports (0.05 = 5%).")] = CIF_MARGIN,
) -> None:
    """Mirror gap: exports reported by the exporter minus the importer's imports at FOB, and the share of the rise never recorded as imports.

    Example:

        tradeflows indicators mirror-gap --basket chpl --reporter DEU --partner KGZ
    """


@indicator_command("pass-through", without=("flow",))
def pass_through(
    reporter: HubsOpt = "hubs",
    partner: TargetsOpt = "targets",
    origin: OriginOpt = "coalition",
    *,
    max_lag: Annotated[int, typer.Option(help="Longest lag in months for the lagged correlation.", min=0, max=24)] = 6,
) -> None:
    """Pass-through: the share of a hub's extra imports from the origins sent on to the targets, with the best monthly lag.

    Example:

        tradeflows indicators pass-through --basket cars --reporter GEO,ARM --partner KAZ,KGZ,RUS --baseline 2021 --after 2022-2023
    """


class Estimator(str, Enum):
    ols = "ols"
    ppml = "ppml"


@indicator_command("did", without=("partner", "flow"))
def did(
    reporter: Annotated[
        str, typer.Option("--reporter", "-r", help="The origins (exporters): ISO3 codes or a group.")
    ] = "coalition",
    treated: Annotated[
        str, typer.Option("--treated", help="Treated destinations (the hubs): ISO3 codes or a group.")
    ] = "hubs",
    targets: Annotated[str, typer.Option("--targets", help="Second treated group, estimated separately.")] = "targets",
    *,
    estimator: Annotated[Estimator, typer.Option(help="ols on log values, or ppml (keeps zeros).")] = Estimator.ols,
    level: Annotated[int, typer.Option(help="Product level of the panel: 6 (HS6) or 4 (HS4).")] = 6,
    dated: Annotated[
        str | None,
        typer.Option("--dated", help="A dated sanctions list: 'chpl' or a CSV (code, listed): monthly design, "
                     "each product sanctioned from its own listing month."),
    ] = None,
    listed: Annotated[
        str | None, typer.Option("--listed", help="With --dated: the date of the codes the list leaves undated.")
    ] = None,
) -> None:
    """Difference-in-differences: the relative increase 100(e^b - 1)% in exports of the basket to the hubs, against other goods and destinations, with clustered errors.

    Annual design by default (every product sanctioned from the after period); with --dated, the
    monthly design (each product from the month it was listed).

    Example:

        tradeflows indicators did --basket chpl --treated ARM,KAZ,KGZ --baseline 2019-2021 --after 2022-2024
        tradeflows indicators did --basket chpl --dated chpl --baseline 2021-2021 --after 2022-2024
    """


class Per(str, Enum):
    kg = "kg"
    unit = "unit"


@indicator_command("unit-value")
def unit_value(
    *, per: Annotated[Per, typer.Option(help="Unit value per kg (net weight) or per unit (quantity).")] = Per.kg
) -> None:
    """Unit value: a flow's price per kg or unit against the median of every route of the same code and year (robust z).

    Example:

        tradeflows indicators unit-value --basket smartphones --partner RUS --after 2022-2024
    """


@indicator_command("new-flows")
def new_flows(
    *, min_usd: Annotated[float, typer.Option(help="Smallest after-year value that counts, USD.")] = 1e6
) -> None:
    """New flows: reporter-partner-code flows with no trade in the baseline and at least --min-usd after.

    Example:

        tradeflows indicators new-flows --basket chpl --reporter coalition --partner hubs
    """


@indicator_command("mirror-imports", without=("flow",))
def mirror_imports(
    reporter: Annotated[
        str | None, typer.Option("--reporter", "-r", help="Exporters to include; all when omitted.")
    ] = None,
    partner: Annotated[
        str, typer.Option("--partner", "-p", help="The target(s) whose imports are rebuilt.")
    ] = "targets",
) -> None:
    """Mirror imports: the target's imports rebuilt from its partners' reported exports, with each supplier's share.

    Example:

        tradeflows indicators mirror-imports --basket computers --partner RUS
    """


@indicator_command("substitution", without=("flow",))
def substitution(
    basket: Annotated[
        list[str] | None,
        typer.Option("--basket", "-b", help="Baskets (default: cars, computers, smartphones, uavs, chpl)."),
    ] = None,
    reporter: Annotated[str, typer.Option("--reporter", "-r", help="The origins: ISO3 codes or a group.")] = "coalition",
    partner: Annotated[str, typer.Option("--partner", "-p", help="The hubs: ISO3 codes or a group.")] = "hubs",
    targets: Annotated[str, typer.Option("--targets", help="The targets: ISO3 codes or a group.")] = "targets",
    *,
    min_drop: Annotated[float, typer.Option(help="Flag only where direct exports fell at least this share.")] = 0.3,
    min_offset: Annotated[float, typer.Option(help="Flag a hub whose rise offsets at least this share.")] = 0.05,
) -> None:
    """Substitution: the origins' rise in exports of the basket to each hub, as a share of the fall in their direct exports to the targets.

    Example:

        tradeflows indicators substitution --basket chpl --reporter coalition --partner hubs --baseline 2019-2021 --after 2022-2024
    """


@indicator_command("exempt-siblings")
def exempt_siblings(
    basket: Annotated[
        list[str] | None,
        typer.Option("--basket", "-b", help="Basket whose headings are searched (default chpl)."),
    ] = None,
    partner: Annotated[str, typer.Option("--partner", "-p", help="Destinations: ISO3 codes or groups.")] = "hubs,targets",
    *,
    threshold: Annotated[float, typer.Option(help="Flag a sibling growing at least this many times ordinary goods.")] = 1.5,
) -> None:
    """Exempt siblings: unsanctioned HS6 codes sharing a heading with the basket, their growth into the partners against other unsanctioned goods.

    Example:

        tradeflows indicators exempt-siblings --basket chpl --partner hubs,targets --baseline 2019-2021 --after 2022-2024
    """


@indicator_command("absorption", without=("partner", "flow"))
def absorption(
    basket: Annotated[
        list[str] | None,
        typer.Option("--basket", "-b", help="Baskets (default: cars, computers, smartphones, uavs, chpl)."),
    ] = None,
    reporter: HubsOpt = "hubs",
    *,
    proxy: Annotated[
        Path | None,
        typer.Option("--proxy", exists=True, dir_okay=False,
                     help="CSV of a demand proxy (population, GDP): columns reporter (or iso3), year, value."),
    ] = None,
    proxy_name: Annotated[str, typer.Option(help="What the proxy measures, as reports name it.")] = "demand proxy",
    threshold: Annotated[float, typer.Option(help="Flag imports at least this many times what demand explains.")] = 2.0,
) -> None:
    """Absorption: a hub's imports of the basket against its own baseline and the growth of a demand proxy where one is given.

    Example:

        tradeflows indicators absorption --basket cars --reporter ARM,GEO --baseline 2019-2021 --after 2022-2023 --proxy population.csv
    """


def origin_consignment(
    db: DbOption,
    reporter: Annotated[str, typer.Option("--reporter", "-r", help="The hub whose imports are read (ISO3 or group).")],
    partner: PartnerOpt = None,
    hs: Annotated[
        str, typer.Option("--hs", help="TOTAL (all goods, as national tables give them) or an HS code.")
    ] = "TOTAL",
    baseline: Annotated[str, typer.Option("--baseline", help="Baseline year or years, e.g. 2019-2021.")] = "2019-2021",
    after: Annotated[str, typer.Option("--after", help="After period, e.g. 2022-2024.")] = "2022-2024",
    partial: PartialOption = PartialChoice.like_for_like,
    source: SourceOpt = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    limit: LimitOption = 100,
) -> None:
    """Origin against consignment: a hub's imports consigned from each country beside those made there (goods
    shipped from a country but made elsewhere passed through it).

    Example:

        tradeflows indicators origin-consignment --reporter ARM --baseline 2019-2021 --after 2022-2023
    """
    from tradeflows.indicators.consignment import origin_consignment as compute_it
    from tradeflows.store import open_store

    frame = compute_it(open_store(db, create=False), reporter=reporter, partner=partner, hs=hs, baseline=baseline,
                       after=after, source=source, partial=partial.value)  # fmt: skip
    shown = frame if fmt is not OutputFormat.table else frame.select(
        "hub", "partner", "origin_baseline_usd", "consignment_baseline_usd", "origin_after_usd",
        "consignment_after_usd", "consigned_minus_origin_after_usd", "status")  # fmt: skip
    write_result(shown, fmt=fmt, output=output, limit=limit, db=db)
    err_console.print(styled(f"{hs} | years held in part: {partial.value} | store {db}", "dim"))


COMMANDS = (
    growth,
    excess,
    mirror_gap,
    pass_through,
    did,
    unit_value,
    new_flows,
    target_share,
    mirror_imports,
    hub_score,
    hub_profile,
    substitution,
    exempt_siblings,
    absorption,
    origin_consignment,
)
