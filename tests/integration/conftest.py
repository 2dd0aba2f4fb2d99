"""Two synthetic worlds, built once: one with the patterns planted, the same one without."""

from __future__ import annotations

import pytest

from tradeflows.demo import build_demo
from tradeflows.synthetic import WorldConfig

YEARS = tuple(range(2019, 2025))
BASELINE, AFTER = (2019, 2021), (2022, 2024)


@pytest.fixture(scope="session")
def worlds(tmp_path_factory):
    path = tmp_path_factory.mktemp("worlds")
    planted = build_demo(path / "planted.duckdb", WorldConfig(years=YEARS, seed=11))
    null = build_demo(path / "null.duckdb", WorldConfig(years=YEARS, seed=11, plant=False))
    return planted, null
