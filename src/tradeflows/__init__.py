"""tradeflows: sanctions-circumvention trade-flow analytics over reported trade statistics.

>>> import tradeflows, tempfile, pathlib
>>> store = tradeflows.open(pathlib.Path(tempfile.mkdtemp()) / "store.duckdb")
>>> store.sql("SELECT count(*) AS n FROM flows")["n"].to_list()
[0]
"""

import importlib
from typing import TYPE_CHECKING, Any

from tradeflows.errors import (
    EngineError,
    FetchError,
    InputError,
    NoDataError,
    ParameterError,
    QueryError,
    SchemaError,
    StoreError,
    StoreLockedError,
    StoreNotFoundError,
    TradeflowsError,
    UnknownCountryError,
    UnknownSourceError,
)
# The heavy members (polars, duckdb, networkx, plotly behind them) load on first use, so that
# `import tradeflows.cli` and `tradeflows --help` start quickly (PEP 562).
_LAZY = {
    "indicators": ("tradeflows.indicators", None),
    "Engine": ("tradeflows.engines", "Engine"),
    "open_engine": ("tradeflows.engines", "open_engine"),
    "Concordance": ("tradeflows.reference.concordance", "Concordance"),
    "convert_hs": ("tradeflows.reference.concordance", "convert_hs"),
    "load_concordance": ("tradeflows.reference.concordance", "load_concordance"),
    "build_report": ("tradeflows.reports", "build_report"),
    "write_report": ("tradeflows.reports", "write_report"),
    "RouteSet": ("tradeflows.routes", "RouteSet"),
    "find_routes": ("tradeflows.routes", "find_routes"),
    "fetch_comtrade": ("tradeflows.sources.fetch", "fetch_comtrade"),
    "FileResult": ("tradeflows.store", "FileResult"),
    "IngestReport": ("tradeflows.store", "IngestReport"),
    "Store": ("tradeflows.store", "Store"),
    "open": ("tradeflows.store", "open_store"),
}

if TYPE_CHECKING:
    from tradeflows import indicators
    from tradeflows.engines import Engine, open_engine
    from tradeflows.reference.concordance import Concordance, convert_hs, load_concordance
    from tradeflows.reports import build_report, write_report
    from tradeflows.routes import RouteSet, find_routes
    from tradeflows.sources.fetch import fetch_comtrade
    from tradeflows.store import FileResult, IngestReport, Store
    from tradeflows.store import open_store as open


def __getattr__(name: str) -> Any:
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'tradeflows' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    member = module if attribute is None else getattr(module, attribute)
    globals()[name] = member  # later look-ups skip this function
    return member


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__version__ = "0.1.0"

__all__ = [
    "Concordance",
    "Engine",
    "EngineError",
    "FetchError",
    "FileResult",
    "IngestReport",
    "InputError",
    "NoDataError",
    "ParameterError",
    "QueryError",
    "RouteSet",
    "SchemaError",
    "Store",
    "StoreError",
    "StoreLockedError",
    "StoreNotFoundError",
    "TradeflowsError",
    "UnknownCountryError",
    "UnknownSourceError",
    "__version__",
    "build_report",
    "convert_hs",
    "fetch_comtrade",
    "find_routes",
    "indicators",
    "load_concordance",
    "open",
    "open_engine",
    "write_report",
]
