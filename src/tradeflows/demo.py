"""The demo: a store built from a synthetic world, so the tool can be tried with
nothing downloaded. Every row is labelled ``source = 'synthetic'`` and what was
planted in the world is kept beside it in the table ``synthetic_planted``.
"""

from __future__ import annotations

from pathlib import Path

from tradeflows.errors import StoreError
from tradeflows.store import IngestReport, Store, open_store
from tradeflows.synthetic import SyntheticWorld, WorldConfig, generate_world

DEMO_QUERIES: tuple[tuple[str, str], ...] = (
    (
        "Planted patterns (what the indicators should find)",
        "SELECT kind, origin, hub, target, hs, start_year, factor FROM synthetic_planted LIMIT 10",
    ),
    (
        "Kazakhstan's imports of computers (the 'computers' basket: HS 847130-847150), planted at 7x 2021 in 2022",
        "SELECT year, round(sum(value_usd) / 1e6, 1) AS musd FROM annual WHERE reporter = 'KAZ' AND flow = 'M' "
        "AND hs IN ('847130', '847141', '847149', '847150') GROUP BY year ORDER BY year",
    ),
    (
        "Hubs' exports of cars (HS 8703) to Russia, by year",
        "SELECT year, reporter, round(sum(value_usd) / 1e6, 1) AS musd FROM annual "
        "WHERE partner = 'RUS' AND flow = 'X' AND hs LIKE '8703%' AND reporter IN ('ARM', 'GEO', 'KAZ', 'KGZ') "
        "GROUP BY ALL ORDER BY reporter, year",
    ),
)


def build_demo(path: Path, config: WorldConfig, *, force: bool = False) -> tuple[Store, SyntheticWorld, IngestReport]:
    """Generate a synthetic world and load it into a fresh store at ``path``.

    An existing store is replaced only when it holds nothing but synthetic data,
    or when ``force`` is set: the demo must never wipe real ingests.
    """
    if path.exists():
        existing = Store(path).sql("SELECT DISTINCT source FROM ingests")["source"].to_list()
        if any(s != "synthetic" for s in existing) and not force:
            raise StoreError(
                f"{path} holds real data ({', '.join(sorted(set(existing)))}); the demo would replace it. "
                "Choose another --db, or pass --force."
            )
        path.unlink()
        Path(str(path) + ".wal").unlink(missing_ok=True)
    world = generate_world(config)
    store = open_store(path)
    report = store.load_frame(world.flows, source="synthetic", label=f"synthetic world (seed {config.seed})")
    store.put_table("synthetic_planted", world.planted)
    return store, world, report
