"""tradeflows: sanctions-circumvention trade-flow analytics over reported trade statistics.

>>> import tradeflows, tempfile, pathlib
>>> store = tradeflows.open(pathlib.Path(tempfile.mkdtemp()) / "store.duckdb")
>>> store.sql("SELECT count(*) AS n FROM flows")["n"].to_list()
[0]
"""

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
from tradeflows import indicators
from tradeflows.engines import Engine, open_engine
from tradeflows.reference.concordance import Concordance, convert_hs, load_concordance
from tradeflows.reports import build_report, write_report
from tradeflows.routes import RouteSet, find_routes
from tradeflows.sources.fetch import fetch_comtrade
from tradeflows.store import FileResult, IngestReport, Store
from tradeflows.store import open_store as open

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
