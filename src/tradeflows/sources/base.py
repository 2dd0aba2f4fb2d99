"""The one mechanism every reader uses: a declarative map from a file's columns
onto the canonical flows table.

A source is a ``SourceSpec``: the raw columns that identify its layout, and for
each canonical column a ``Field`` saying where it comes from and how to parse
it. The store turns a spec into a single DuckDB query that parses, validates
and quarantines (see ``tradeflows.store.ingest``); readers never loop over rows.

>>> spec = SourceSpec(
...     name="csv",
...     signature=frozenset({"yr", "exporter"}),
...     fields={"year": Field("yr", "int"), "value_usd": Field("usd", "number")},
... )
>>> spec.matches({"yr", "exporter", "usd"})
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal[
    "text",  # taken as is (trimmed; NA-like values become NULL)
    "int",  # whole number
    "number",  # real number, non-negative, finite
    "hs",  # HS code: digits, zero-padded to hs_level (or to an even length)
    "flow",  # trade flow, mapped through ``values`` onto X/M/RX/RM
    "comtrade_country",  # UN Comtrade / M49 numeric area code -> ISO3
    "m49_country",  # UN M49 / ISO numeric code -> ISO3 (BACI)
    "iso3_country",  # ISO3 code, checked against the country table
    "bool",  # TRUE/FALSE, 1/0
    "const",  # the same value for every row
    "sql",  # a SQL expression over raw columns (quoted), for what the others can't say
]

# Values that mean "nothing reported" in the files we have seen.
MISSING_TOKENS: tuple[str, ...] = ("", "NA", "N/A", "NaN", "nan", "null", "NULL", "..")


@dataclass(frozen=True)
class Field:
    """Where one canonical column comes from.

    ``column`` is the raw column name (None for ``const``/``sql``); ``required``
    rows without a value are quarantined; ``scale`` multiplies numbers (BACI's
    thousand dollars -> dollars); ``values`` maps raw values (flow names).
    """

    column: str | None = None
    kind: Kind = "text"
    required: bool = True
    scale: float = 1.0
    values: dict[str, str] | None = None
    const: object = None
    sql: str | None = None
    # A bigger-than-plausible bound for numbers, to catch unit mix-ups: the largest
    # bilateral HS6 flow in a year is of the order of 1e11 USD.
    maximum: float | None = None

    @staticmethod
    def constant(value: object) -> Field:
        return Field(kind="const", const=value, required=False)

    @staticmethod
    def expression(sql: str) -> Field:
        return Field(kind="sql", sql=sql, required=False)


@dataclass(frozen=True)
class SourceSpec:
    """A file layout and how it maps onto the canonical schema."""

    name: str
    signature: frozenset[str]
    fields: dict[str, Field]
    description: str = ""
    note: str = ""  # an assumption the reader makes, recorded in the ingest log
    # Raw columns that may be absent; fields reading them fall back to NULL.
    optional_columns: frozenset[str] = field(default_factory=frozenset)
    # A raw column with product descriptions, kept in the products table.
    description_column: str | None = None

    def matches(self, header: set[str]) -> bool:
        return self.signature <= header

    def required_columns(self) -> set[str]:
        cols = {f.column for f in self.fields.values() if f.column is not None}
        return cols - set(self.optional_columns)
