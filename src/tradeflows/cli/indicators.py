"""`tradeflows indicators NAME`: one command per anomaly indicator, each a thin call into
``tradeflows.indicators`` followed by ``write_result``; the basket codes and store behind
the figures are printed to stderr as provenance.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from tradeflows.cli.common import DbOption, FormatOption, LimitOption, OutputOption
from tradeflows.cli.output import OutputFormat, err_console, write_result

app = typer.Typer(
    name="indicators",
    help="Anomaly indicators: the evidence of circumvention, one definition each (run `tradeflows indicators NAME --help`).",
    no_args_is_help=True,
)


class Flow(str, Enum):
    X = "X"
    M = "M"
    RX = "RX"
    RM = "RM"


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
BaselineOpt = Annotated[str, typer.Option("--baseline", help="Baseline year or years, e.g. 2021 or 2019-2021.")]
AfterOpt = Annotated[str, typer.Option("--after", help="After period, e.g. 2022-2024 or 2023.")]
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


def _run(name: str, db: Path, defs: Path | None, fmt: OutputFormat, output: Path | None, limit: int, **kwargs) -> None:
    from tradeflows.indicators import INDICATORS, compute
    from tradeflows.store import open_store

    store = open_store(db, create=False)
    frame, note = compute(name, store, **kwargs, **_definitions(defs))
    if "source" in frame.columns and len(frame):
        note = f"source {', '.join(sorted(frame['source'].unique().to_list()))} | {note}"
    shown = frame
    if fmt is OutputFormat.table and INDICATORS[name].key_columns:
        shown = frame.select(c for c in INDICATORS[name].key_columns if c in frame.columns)
        hidden = len(frame.columns) - len(shown.columns)
        note += f" | {hidden} more column(s) (reason, provenance ...) with --format csv or json" if hidden else ""
    write_result(shown, fmt=fmt, output=output, limit=limit)
    err_console.print(f"[dim]{note} | store {db}[/dim]", highlight=False)


def growth(
    db: DbOption,
    basket: BasketOpt,
    reporter: ReporterOpt = None,
    partner: PartnerOpt = None,
    flow: FlowOpt = Flow.X,
    baseline: BaselineOpt = "2019-2021",
    after: AfterOpt = "2022-2024",
    by_partner: Annotated[
        bool, typer.Option("--by-partner", help="One series per partner instead of their sum.")
    ] = False,
    threshold: Annotated[float, typer.Option(help="Flag a ratio at least this (2 = a doubling).")] = 2.0,
    source: SourceOpt = None,
    definitions: DefsOpt = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    limit: LimitOption = 100,
) -> None:
    """Growth: each after year and the after mean against the baseline mean, as a ratio and per cent.

    Example:

        tradeflows indicators growth --basket cars --reporter GEO --flow X --baseline 2021 --after 2022-2023
    """
    _run("growth", db, definitions, fmt, output, limit, basket=basket, reporter=reporter, partner=partner,
         flow=flow.value, baseline=baseline, after=after, by_partner=by_partner, threshold=threshold, source=source)  # fmt: skip


def target_share(
    db: DbOption,
    basket: BasketOpt,
    reporter: ReporterOpt = None,
    partner: PartnerOpt = None,
    flow: FlowOpt = Flow.X,
    baseline: BaselineOpt = "2019-2021",
    after: AfterOpt = "2022-2024",
    source: SourceOpt = None,
    definitions: DefsOpt = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    limit: LimitOption = 100,
) -> None:
    """Target share: each partner's share of the reporter's trade in the basket, baseline vs after; largest rise first.

    Example:

        tradeflows indicators target-share --basket cars --reporter GEO --baseline 2021 --after 2022-2023
    """
    _run("target-share", db, definitions, fmt, output, limit, basket=basket, reporter=reporter, partner=partner,
         flow=flow.value, baseline=baseline, after=after, source=source)  # fmt: skip


def hub_score(
    db: DbOption,
    basket: Annotated[
        list[str] | None,
        typer.Option("--basket", "-b", help="Baskets to rank (default: cars, computers, smartphones, uavs, chpl)."),
    ] = None,
    reporter: Annotated[str, typer.Option("--reporter", "-r", help="The hubs: ISO3 codes or a group.")] = "hubs",
    partner: Annotated[str, typer.Option("--partner", "-p", help="The targets: ISO3 codes or a group.")] = "targets",
    origin: Annotated[str, typer.Option("--origin", help="The suppliers: ISO3 codes or a group.")] = "coalition",
    baseline: BaselineOpt = "2019-2021",
    after: AfterOpt = "2022-2024",
    source: SourceOpt = None,
    definitions: DefsOpt = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    limit: LimitOption = 100,
) -> None:
    """Hub score: ranks (hub, basket) pairs by imports from the coalition, exports to the targets, target share and pass-through, components shown.

    Example:

        tradeflows indicators hub-score --baseline 2019-2021 --after 2022-2024 --db data/processed/demo.duckdb
    """
    extra = {"basket": basket} if basket else {}
    _run("hub-score", db, definitions, fmt, output, limit, reporter=reporter, partner=partner, origin=origin,
         baseline=baseline, after=after, source=source, **extra)  # fmt: skip


def excess(
    db: DbOption,
    basket: BasketOpt,
    reporter: ReporterOpt = None,
    partner: PartnerOpt = None,
    flow: FlowOpt = Flow.X,
    baseline: BaselineOpt = "2019-2021",
    after: AfterOpt = "2022-2024",
    by_partner: Annotated[
        bool, typer.Option("--by-partner", help="One series per partner instead of their sum.")
    ] = False,
    source: SourceOpt = None,
    definitions: DefsOpt = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    limit: LimitOption = 100,
) -> None:
    """Excess: observed trade minus the baseline trend extended to the after years, in USD.

    Example:

        tradeflows indicators excess --basket computers --reporter KAZ --flow M --baseline 2019-2021 --after 2022-2023
    """
    _run("excess", db, definitions, fmt, output, limit, basket=basket, reporter=reporter, partner=partner,
         flow=flow.value, baseline=baseline, after=after, by_partner=by_partner, source=source)  # fmt: skip


def mirror_gap(
    db: DbOption,
    basket: BasketOpt,
    reporter: Annotated[str, typer.Option("--reporter", "-r", help="Exporters: ISO3 codes or a group.")] = "coalition",
    partner: Annotated[str, typer.Option("--partner", "-p", help="Importers: ISO3 codes or a group.")] = "hubs",
    baseline: BaselineOpt = "2019-2021",
    after: AfterOpt = "2022-2024",
    cif_margin: Annotated[float, typer.Option(help="CIF/FOB margin removed from imports (0.05 = 5%).")] = 0.05,
    source: SourceOpt = None,
    definitions: DefsOpt = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    limit: LimitOption = 100,
) -> None:
    """Mirror gap: exports reported by the exporter minus the importer's imports at FOB, and the share of the rise never recorded as imports.

    Example:

        tradeflows indicators mirror-gap --basket chpl --reporter DEU --partner KGZ
    """
    _run("mirror-gap", db, definitions, fmt, output, limit, basket=basket, reporter=reporter, partner=partner,
         baseline=baseline, after=after, cif_margin=cif_margin, source=source)  # fmt: skip


def pass_through(
    db: DbOption,
    basket: BasketOpt,
    reporter: Annotated[str, typer.Option("--reporter", "-r", help="The hubs: ISO3 codes or a group.")] = "hubs",
    partner: Annotated[str, typer.Option("--partner", "-p", help="The targets: ISO3 codes or a group.")] = "targets",
    origin: Annotated[str, typer.Option("--origin", help="The suppliers: ISO3 codes or a group.")] = "coalition",
    baseline: BaselineOpt = "2019-2021",
    after: AfterOpt = "2022-2024",
    max_lag: Annotated[int, typer.Option(help="Longest lag in months for the lagged correlation.", min=0, max=24)] = 6,
    source: SourceOpt = None,
    definitions: DefsOpt = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    limit: LimitOption = 100,
) -> None:
    """Pass-through: the share of a hub's extra imports from the origins sent on to the targets, with the best monthly lag.

    Example:

        tradeflows indicators pass-through --basket cars --reporter GEO,ARM --partner KAZ,KGZ,RUS --baseline 2021 --after 2022-2023
    """
    _run("pass-through", db, definitions, fmt, output, limit, basket=basket, reporter=reporter, partner=partner,
         origin=origin, baseline=baseline, after=after, max_lag=max_lag, source=source)  # fmt: skip


class Estimator(str, Enum):
    ols = "ols"
    ppml = "ppml"


def did(
    db: DbOption,
    basket: BasketOpt,
    reporter: Annotated[
        str, typer.Option("--reporter", "-r", help="The origins (exporters): ISO3 codes or a group.")
    ] = "coalition",
    treated: Annotated[
        str, typer.Option("--treated", help="Treated destinations (the hubs): ISO3 codes or a group.")
    ] = "hubs",
    targets: Annotated[str, typer.Option("--targets", help="Second treated group, estimated separately.")] = "targets",
    baseline: BaselineOpt = "2019-2021",
    after: AfterOpt = "2022-2024",
    estimator: Annotated[Estimator, typer.Option(help="ols on log values, or ppml (keeps zeros).")] = Estimator.ols,
    level: Annotated[int, typer.Option(help="Product level of the panel: 6 (HS6) or 4 (HS4).")] = 6,
    source: SourceOpt = None,
    definitions: DefsOpt = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    limit: LimitOption = 100,
) -> None:
    """Difference-in-differences: the relative increase 100(e^b - 1)% in exports of the basket to the hubs, against other goods and destinations, with clustered errors.

    Example:

        tradeflows indicators did --basket chpl --treated ARM,KAZ,KGZ --baseline 2019-2021 --after 2022-2024
    """
    _run("did", db, definitions, fmt, output, limit, basket=basket, reporter=reporter, treated=treated,
         targets=targets, baseline=baseline, after=after, estimator=estimator.value, level=level, source=source)  # fmt: skip


class Per(str, Enum):
    kg = "kg"
    unit = "unit"


def unit_value(
    db: DbOption,
    basket: BasketOpt,
    reporter: ReporterOpt = None,
    partner: PartnerOpt = None,
    flow: FlowOpt = Flow.X,
    baseline: BaselineOpt = "2019-2021",
    after: AfterOpt = "2022-2024",
    per: Annotated[Per, typer.Option(help="Unit value per kg (net weight) or per unit (quantity).")] = Per.kg,
    source: SourceOpt = None,
    definitions: DefsOpt = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    limit: LimitOption = 100,
) -> None:
    """Unit value: a flow's price per kg or unit against the median of every route of the same code and year (robust z).

    Example:

        tradeflows indicators unit-value --basket smartphones --partner RUS --after 2022-2024
    """
    _run("unit-value", db, definitions, fmt, output, limit, basket=basket, reporter=reporter, partner=partner,
         flow=flow.value, baseline=baseline, after=after, per=per.value, source=source)  # fmt: skip


def new_flows(
    db: DbOption,
    basket: BasketOpt,
    reporter: ReporterOpt = None,
    partner: PartnerOpt = None,
    flow: FlowOpt = Flow.X,
    baseline: BaselineOpt = "2019-2021",
    after: AfterOpt = "2022-2024",
    min_usd: Annotated[float, typer.Option(help="Smallest after-year value that counts, USD.")] = 1e6,
    source: SourceOpt = None,
    definitions: DefsOpt = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    limit: LimitOption = 100,
) -> None:
    """New flows: reporter-partner-code flows with no trade in the baseline and at least --min-usd after.

    Example:

        tradeflows indicators new-flows --basket chpl --reporter coalition --partner hubs
    """
    _run("new-flows", db, definitions, fmt, output, limit, basket=basket, reporter=reporter, partner=partner,
         flow=flow.value, baseline=baseline, after=after, min_usd=min_usd, source=source)  # fmt: skip


def mirror_imports(
    db: DbOption,
    basket: BasketOpt,
    reporter: Annotated[
        str | None, typer.Option("--reporter", "-r", help="Exporters to include; all when omitted.")
    ] = None,
    partner: Annotated[
        str, typer.Option("--partner", "-p", help="The target(s) whose imports are rebuilt.")
    ] = "targets",
    baseline: BaselineOpt = "2019-2021",
    after: AfterOpt = "2022-2024",
    source: SourceOpt = None,
    definitions: DefsOpt = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    limit: LimitOption = 100,
) -> None:
    """Mirror imports: the target's imports rebuilt from its partners' reported exports, with each supplier's share.

    Example:

        tradeflows indicators mirror-imports --basket computers --partner RUS
    """
    _run("mirror-imports", db, definitions, fmt, output, limit, basket=basket, reporter=reporter, partner=partner,
         baseline=baseline, after=after, source=source)  # fmt: skip


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
)
