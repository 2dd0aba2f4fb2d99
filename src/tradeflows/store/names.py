"""Country names as the store holds them (table ``countries``, written from
``reference.countries.country_table`` when the store was made): a report names countries
from here, one query, instead of loading ``country_converter`` and pandas (a second at
start-up) for a few dozen names.

>>> import tempfile, pathlib, tradeflows
>>> names = country_names(tradeflows.open(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb"))
>>> names["GEO"], names["S19"]
('Georgia', 'Other Asia, nes')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tradeflows.engines import Engine
    from tradeflows.store import Store


def country_names(store: Store | Engine) -> dict[str, str]:
    """ISO3 code -> English short name, for every code of the store's ``countries`` table."""
    frame = store.sql("SELECT iso3, name FROM countries ORDER BY iso3")
    return dict(zip(frame["iso3"].to_list(), frame["name"].to_list(), strict=True))
