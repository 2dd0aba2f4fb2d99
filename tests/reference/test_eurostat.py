"""Eurostat's geo codes and the EUR/USD rates Comext values are converted with."""

from __future__ import annotations

import pytest

from tradeflows.errors import ParameterError
from tradeflows.reference.eurostat import eur_to_usd, geo_code_table


def test_geo_codes_with_eurostat_quirks() -> None:
    codes = dict(geo_code_table().rows())
    assert [codes[c] for c in ("GR", "EL", "GB", "XI", "XU", "NA", "XK", "DE", "QU")] == [
        "GRC", "GRC", "GBR", "GBR", "GBR", "NAM", "XKX", "DEU", "_X"
    ]


def test_rates() -> None:
    assert eur_to_usd(2023) == 1.0813
    with pytest.raises(ParameterError, match="No EUR/USD rate for 1999; the table covers 2010-2024"):
        eur_to_usd(1999)
