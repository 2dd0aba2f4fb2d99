"""`tradeflows demo`: build a store from a synthetic world and show what to ask it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tradeflows.cli.output import console, err_console, render_table, styled
from tradeflows.periods import parse_years

DEMO_DB = Path("data/processed/demo.duckdb")


def demo(
    db: Annotated[Path, typer.Option("--db", help="Where to build the demo store.")] = DEMO_DB,
    years: Annotated[str, typer.Option(help="Years to generate, e.g. 2017-2024.")] = "2017-2024",
    monthly: Annotated[bool, typer.Option("--monthly/--annual", help="Monthly or annual figures.")] = False,
    rows: Annotated[int | None, typer.Option(help="Aim at about this many rows (scales countries x products).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same world.")] = 7,
    plant: Annotated[bool, typer.Option("--plant/--no-plant", help="Plant circumvention patterns.")] = True,
    force: Annotated[bool, typer.Option("--force", help="Replace the store even if it holds real data.")] = False,
) -> None:
    """Build a demo store from a SYNTHETIC world with circumvention patterns planted in it.

    Nothing is downloaded: the package generates ordinary trade that grows and shrinks,
    plus sanctioned goods rerouted coalition -> hubs -> Russia from 2022. Every row has
    source = 'synthetic'; the table synthetic_planted lists what was planted.

    Example:

        tradeflows demo --years 2019-2024 --seed 7
    """
    # Imported here: the generator pulls in numpy, which other commands need not load.
    from tradeflows.demo import DEMO_QUERIES, build_demo
    from tradeflows.synthetic import WorldConfig

    first, last = parse_years(years)
    config = WorldConfig(years=tuple(range(first, last + 1)), monthly=monthly, target_rows=rows, seed=seed, plant=plant)
    with err_console.status("Generating the synthetic world and loading it ..."):
        store, world, report = build_demo(db, config, force=force)
    console.print(
        styled("Demo store built from a SYNTHETIC world", "bold"),
        f"(seed {seed}, {first}-{last}, "
        f"{'monthly' if monthly else 'annual'}): {report.rows_kept:,} rows, {report.reporters} countries, "
        f"{report.products} products, {len(world.planted)} planted pattern(s).\nStore: {db}\n"
    )
    for title, query in DEMO_QUERIES:
        console.print(styled(title, "bold"))
        console.print(f"  tradeflows sql \"{query}\" --db {db}")
        console.print(render_table(store.sql(query), limit=8))
