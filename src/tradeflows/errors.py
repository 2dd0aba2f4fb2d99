"""Every error tradeflows raises on purpose.

The CLI catches ``TradeflowsError`` once, prints its message and exits 1;
anything else is a bug and keeps its traceback.

    TradeflowsError
    ├── InputError                 a file or argument the user gave is unusable
    │   ├── SchemaError            a file's columns don't match any known layout
    │   ├── UnknownSourceError     --source names no reader
    │   ├── UnknownCountryError    a country code or name we cannot map
    │   └── ParameterError         a CLI/API argument out of its range
    ├── StoreError                 the DuckDB store cannot be used as asked
    │   ├── StoreNotFoundError     no store file at the given path
    │   ├── StoreLockedError       another process holds the store for writing
    │   ├── QueryError             a SQL query failed (DuckDB's message kept)
    │   └── EngineError            the engine asked for (Spark) cannot run: not installed, no Java
    ├── NoDataError                a query or indicator has no rows to stand on
    └── FetchError                 a data API refused, failed or kept failing after retries
"""

from __future__ import annotations


class TradeflowsError(Exception):
    """Base of every error tradeflows raises deliberately."""


class InputError(TradeflowsError):
    """A file or argument given by the user cannot be used as it is."""


class SchemaError(InputError):
    """A file's columns match no known source layout, or a required one is missing."""


class UnknownSourceError(InputError):
    """A source name that no reader answers to."""


class UnknownCountryError(InputError):
    """A country code or name that cannot be mapped to ISO3."""


class ParameterError(InputError):
    """An argument outside what the function accepts."""


class StoreError(TradeflowsError):
    """The store cannot be opened or used as asked."""


class StoreNotFoundError(StoreError):
    """No store exists at the given path."""


class StoreLockedError(StoreError):
    """Another process holds the store open for writing."""


class QueryError(StoreError):
    """A SQL query failed; the message is DuckDB's, with a hint where we have one."""


class EngineError(StoreError):
    """The engine asked for cannot run here (pyspark not installed, no Java, no dataset)."""


class NoDataError(TradeflowsError):
    """There are no rows to compute the requested figure from."""


class FetchError(TradeflowsError):
    """A remote source (the Comtrade API) refused the request or kept failing after retries."""
