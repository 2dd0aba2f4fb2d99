"""`tradeflows routes`: ranked re-export routes for a basket, a period and a target set."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
from tradeflows.cli.output import OutputFormat, err_console, write_result

if TYPE_CHECKING:
    import polars as pl


class RankBy(StrEnum):
    change = "change"
    value = "value"
    growth = "growth"


BasketOption = Annotated[
    str,
    typer.Option("--basket", "-b", help="Basket (cars, computers, smartphones, uavs, chpl, chpl:1 ...) or HS codes."),
]
YearsOption = Annotated[str, typer.Option("--years", help="Period the routes are valued over: 2023 or 2022-2024.")]
BaselineOption = Annotated[str, typer.Option("--baseline", help="Years growth is measured against: 2021 or 2019-2021.")]


def _for_terminal(frame: pl.DataFrame) -> pl.DataFrame:
    """The columns a terminal has room for, in millions; files get every column in USD."""
    import polars as pl

    musd = 1e6
    return frame.select(
        "rank", "path",
        (pl.col("value_per_year") / musd).round(1).alias("USD m/yr"),
        (pl.col("baseline_per_year") / musd).round(1).alias("baseline"),
        pl.col("growth_ratio").round(1).alias("x"),
        (100 * pl.col("share_of_hub_exports")).round(0).alias("% of leg"),
        *(["flags"] if "flags" in frame.columns else []),
    )  # fmt: skip


def routes(
    db: DbOption,
    basket: BasketOption,
    target: Annotated[
        str, typer.Option("--target", "-t", help="Targets: ISO3 codes and/or group names, comma-separated.")
    ] = "targets",
    years: YearsOption = "2022-2024",
    baseline: BaselineOption = "2019-2021",
    hubs: Annotated[str, typer.Option("--hubs", help="Hubs: ISO3 codes and/or group names.")] = "hubs",
    origins: Annotated[str, typer.Option("--origins", help="Origins: ISO3 codes and/or group names.")] = "coalition",
    max_hubs: Annotated[
        int, typer.Option("--max-hubs", min=1, max=2, help="1: origin → hub → target; 2: also through two hubs.")
    ] = 1,
    rank_by: Annotated[
        RankBy, typer.Option("--rank-by", help="change (yearly value now minus baseline), value or growth.")
    ] = RankBy.change,
    graphml: Annotated[
        Path | None, typer.Option("--graphml", help="Also write the route graph as GraphML (Gephi).")
    ] = None,
    json_graph: Annotated[
        Path | None, typer.Option("--json", help="Also write the route graph as node-link JSON.")
    ] = None,
    flags: Annotated[
        bool, typer.Option("--flags/--no-flags", help="Run the indicators on each route's legs (most of the time).")
    ] = True,
    partial: PartialOption = PartialChoice.like_for_like,
    engine: EngineOption = EngineChoice.duckdb,
    dataset: DatasetOption = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    limit: LimitOption = 30,
) -> None:
    """Rank the routes origin → hub → target that carry a basket, valued by proportional allocation.

    A hub's exports of each product to a target are split among origins in proportion to
    the hub's imports from each; routes are ranked by how much their yearly value rose
    over the baseline, with the indicators' flags on their legs.

    Example:

        tradeflows routes --basket chpl --target RUS --years 2023 --graphml routes.graphml
    """
    from tradeflows.routes import find_routes, write_graphml, write_node_link

    runner = open_engine_for(db, engine, dataset)
    with err_console.status("Valuing legs and allocating routes…", spinner="dots"):
        found = find_routes(
            runner, basket, targets=target, years=years, baseline=baseline, hubs=hubs,
            origins=origins, max_hubs=max_hubs, rank_by=rank_by.value, flags=flags, partial=partial.value,
        )  # fmt: skip
    for path, writer in ((graphml, write_graphml), (json_graph, write_node_link)):
        if path is not None:
            writer(found.graph, path)
            err_console.print(f"Wrote the route graph ({found.graph.number_of_nodes()} countries, "
                              f"{found.graph.number_of_edges()} legs) to {path}")  # fmt: skip
    frame = found.routes
    if fmt is OutputFormat.table:
        frame = _for_terminal(frame)
    title = (f"Routes for {found.basket} from {found.labels['origins']} via {found.labels['hubs']} to "
             f"{found.labels['targets']}, {found.scope.after.label} against {found.scope.baseline.label}, "
             f"years held in part {found.scope.partial}")  # fmt: skip
    write_result(frame, fmt=fmt, output=output, title=title, limit=limit, db=db)
