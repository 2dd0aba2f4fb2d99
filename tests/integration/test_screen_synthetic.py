"""On the synthetic world the screen ranks the planted re-export routes first, and on the same
world unplanted it finds no lead.

Thresholds, and why they can be defended: every hub's exports of every sanctioned basket to
Russia and Belarus carry a planted re-export leg (70 combinations), and nothing else the screen
looks at is planted (hub -> KAZ, KGZ, ARM is ordinary trade). So the top 70 ranks must be exactly
the planted combinations, and no unplanted one may be a lead. The lead flag (x1.5) misses a leg
only where a hub's share of the targets is small: Belarus takes 15% of the re-exports, so a
recall of at least 95% is asked (one of 70 missed at x1.45). The world is small (flows of
thousands of dollars): the materiality floor is $10k, not the default $1m.
"""

from __future__ import annotations

import polars as pl

from tests.integration.conftest import AFTER, BASELINE
from tradeflows.screen import screen


def _leg(world) -> set[tuple[str, str, str]]:
    legs = world.planted.filter(pl.col("kind") == "reexport_leg").select("hub", "basket", "target").unique()
    return {(h, "uavs" if b == "uav" else b, t) for h, b, t in legs.iter_rows()}


def test_screen_ranks_the_planted_routes_first(worlds):
    (store, world, _), (null_store, _, _) = worlds
    planted = _leg(world)
    assert len(planted) == 70
    leads = screen(store, baseline=BASELINE, after=AFTER, min_usd=1e4).leads
    key = [(r["hub"], r["basket"], r["target"]) for r in leads.iter_rows(named=True)]
    assert set(key[: len(planted)]) == planted  # planted first
    flagged = {k for k, lead in zip(key, leads["lead"], strict=True) if lead}
    assert flagged <= planted and len(flagged) / len(planted) >= 0.95  # no false positive; recall
    null = screen(null_store, baseline=BASELINE, after=AFTER, min_usd=1e4).leads
    assert len(null) == len(leads) and not null["lead"].any()
