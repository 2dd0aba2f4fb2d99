"""A store holding the real Georgia file, built once for the report tests."""

from __future__ import annotations

import pytest

import tradeflows
from tests.conftest import GEORGIA


@pytest.fixture(scope="module")
def georgia_store(tmp_path_factory) -> tradeflows.Store:
    if not GEORGIA.exists():
        pytest.skip(f"real data not found at {GEORGIA} (shared/ must sit beside the repository)")
    store = tradeflows.open(tmp_path_factory.mktemp("georgia") / "georgia.duckdb")
    store.ingest([GEORGIA])
    return store
