"""The robustness tests make many stores: copy an empty one instead of building each."""

from __future__ import annotations

from pathlib import Path

import pytest

import tradeflows
from tests.robustness.support import fresh_store


@pytest.fixture
def store(tmp_path: Path) -> tradeflows.Store:
    return fresh_store(tmp_path / "store.duckdb")
