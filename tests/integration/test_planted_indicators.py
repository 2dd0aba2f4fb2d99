"""Substitution, exempt siblings and absorption find what the synthetic world plants, and
nothing in the same world unplanted.

Thresholds, and why they can be defended:
- substitution: every sanctioned basket's direct exports to the targets are cut to 20% and
  the hubs' imports surge, so every basket must be flagged for the hubs together (recall 1.0);
  unplanted, direct exports follow the ordinary trend (they rise), so nothing can be flagged.
- exempt siblings: 848280 and 851714 are planted x3 into four hubs; unplanted, a single code
  grows within about 10% of ordinary goods, far from the x1.5 flag: recall 1.0, none false.
- absorption: the planted KGZ smartphones must be flagged; every other flag must be a hub
  and basket whose imports a calibrated plant surged (the published figures); the
  unplanted world has hub import ratios within about 0.9-1.4 and must flag nothing.
  (The plain x1.3 hub surge stays below the x2 flag: hubs do import more after 2022 everywhere.)
"""

from __future__ import annotations

import polars as pl
import pytest

from tests.integration.conftest import AFTER, BASELINE
from tradeflows.indicators import absorption, exempt_siblings, substitution

BASKETS = ["cars", "computers", "smartphones", "uavs", "chpl"]


def _basket(name: str) -> str:
    return "uavs" if name == "uav" else name


def test_substitution_recall_and_false_positives(worlds):
    (store, _, _), (null_store, _, _) = worlds
    out = substitution(store, baseline=BASELINE, after=AFTER)
    together = out.filter(pl.col("hub") == "hubs")
    assert set(together.filter("flagged")["basket"]) == set(BASKETS)
    # the planted direct drop is x0.2 on top of trend: a fall of about 80%
    assert together["direct_change_pct"].is_between(-85, -60).all() and (together["offset_share"] > 0.3).all()
    null = substitution(null_store, baseline=BASELINE, after=AFTER)
    assert len(null) == len(out) and not null["flagged"].any()
    assert set(null["status"]) == {"direct_did_not_fall"}


def test_exempt_siblings_recall_and_false_positives(worlds):
    (store, world, _), (null_store, _, _) = worlds
    plants = world.planted.filter(pl.col("kind") == "exempt_sibling")
    hubs = ",".join(sorted(set(plants["hub"])))
    kwargs = dict(basket="chpl", reporter="coalition", partner=hubs, baseline=BASELINE, after=AFTER)
    found = exempt_siblings(store, **kwargs)
    assert set(found.filter("flagged")["hs"]) == set(plants["hs"])  # recall 1.0, no false positive
    assert found.filter("flagged")["relative_growth"].min() > 2  # x3 against ordinary growth of about x1.1
    null = exempt_siblings(null_store, **kwargs)
    assert not null["flagged"].any() and null["relative_growth"].max() < 1.3


def test_absorption_recall_and_false_positives(worlds):
    (store, world, _), (null_store, _, _) = worlds
    planted = {(h, _basket(b)) for h, b in world.planted.filter(pl.col("kind") == "absorption")
               .select("hub", "basket").iter_rows()}  # fmt: skip
    calibrated = world.planted.filter(pl.col("note").str.starts_with("calibrated"), pl.col("hub").is_not_null())
    surged = planted | {(h, _basket(b)) for h, b in calibrated.select("hub", "basket").iter_rows()}
    out = absorption(store, baseline=BASELINE, after=AFTER)
    flagged = set(out.filter("flagged").select("hub", "basket").iter_rows())
    assert planted == {("KGZ", "smartphones")} and planted <= flagged
    assert flagged <= surged  # every other flag is a surge calibrated on a published figure
    row = out.filter(hub="KGZ", basket="smartphones").row(0, named=True)
    assert row["imports_ratio"] == pytest.approx(3.0)  # the plant is calibrated on the hub's own imports
    assert "no demand proxy" in row["reason"]
    null = absorption(null_store, baseline=BASELINE, after=AFTER)
    assert not null["flagged"].any() and null["imports_ratio"].max() < 1.6
