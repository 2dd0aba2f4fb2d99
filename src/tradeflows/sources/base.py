"""The one mechanism every reader uses: a declarative map from a file's columns
onto the canonical flows table.

A source is a ``SourceSpec``: the raw columns that identify its layout, and for
each canonical column a ``Field`` saying where it comes from and how to parse
it. The store turns a spec into a single DuckDB query that parses, validates
and quarantines (see ``tradeflows.store.plan``); readers never loop over rows.

>>> spec = SourceSpec(
...     name="csv",
...     signature=frozenset({"yr", "exporter"}),
...     fields={"year": Field("yr", "int"), "value_usd": Field("usd", "number")},
... )
>>> spec.matches({"yr", "exporter", "usd"})
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
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
    "eurostat_country",  # Eurostat geo code (ISO2 with GR/EL, XI/XU ...) -> ISO3 (Comext)
    "name_country",  # English country name (national statistics) -> ISO3, via country_converter
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
    thousand dollars -> dollars); ``values`` maps raw values (flow names; for
    other kinds, codes that stand for something else, e.g. month 52 -> NULL).
    """

    column: str | None = None
    kind: Kind = "text"
    required: bool = True
    scale: float = 1.0
    values: dict[str, str | None] | None = None
    const: object = None
    sql: str | None = None
    # A bigger-than-plausible bound for numbers, to catch unit mix-ups: the largest
    # bilateral HS6 flow in a year is of the order of 1e11 USD.
    maximum: float | None = None
    # For numbers: a SQL expression over raw columns multiplied in (an exchange rate
    # by year); a row where it is NULL is quarantined with ``factor_label``.
    factor_sql: str | None = None
    factor_label: str = "conversion factor"
    # For hs: the length of the source's own codes when longer than HS6 (8 for the
    # EU's CN8): codes are zero-padded to it, then cut to their HS6 part.
    source_digits: int | None = None

    @staticmethod
    def constant(value: object) -> Field:
        return Field(kind="const", const=value, required=False)

    @staticmethod
    def expression(sql: str) -> Field:
        return Field(kind="sql", sql=sql, required=False)


@dataclass(frozen=True)
class Unpivot:
    """One source row that holds several figures side by side (wide) -> one
    canonical row per figure (long).

    ``columns`` maps each raw value column to the canonical constants that tell its
    figure apart, e.g. ``{"export": {"flow": "X"}, "import_origin": {"flow": "M",
    "partner_basis": "origin"}}``; fields read the value through ``VALUE``. A source
    line is kept whole or quarantined whole, so rows read = kept + quarantined
    still counts lines of the file.
    """

    columns: dict[str, dict[str, object]]

    VALUE = "__unpivot_value"  # raw column name under which each figure's value is read
    VARIANT = "__unpivot_variant"  # raw column naming the value column a row came from


@dataclass(frozen=True)
class Layout:
    """Where the table is in a file that is not one header line over data lines: a
    workbook's sheets, title rows, a header over several rows, figures side by side
    (months or years as columns), cells that state what the rows do not (the unit,
    the period, the product).

    The store turns such a file into a long table of text columns before the one
    ingest query reads it (``tradeflows.store.workbook``): ``sheet`` and ``row`` (where
    each figure sits, 1-based), the ``cells`` found above the header, the header's
    columns (renamed by ``columns``), and, for a wide layout, ``column`` (the header of
    the figure's column) and ``value``. Cells holding a ``missing`` marker, or nothing,
    are no figure: they are counted in the run's note, never loaded as zero.
    """

    sheets: str = ""  # regular expression on sheet names; "" = every sheet (a text file has one)
    header: str | int = 0  # the header row: 0-based index, or a pattern one of its cells matches
    header_rows: int = 1  # a header over several rows is joined "top|bottom" (merged cells filled right)
    skip_rows: int = 0  # rows between the header and the data (Eurostat's "FREQ (Labels)" row)
    columns: dict[str, str] = field(default_factory=dict)  # header pattern -> column name for the fields
    wide: str | None = None  # pattern of the headers whose columns are unpivoted to (column, value)
    cells: dict[str, str] = field(default_factory=dict)  # name -> pattern with one group, searched above the header
    missing: tuple[str, ...] = ()  # cell values that mean "not available" (Eurostat ':', Armstat '-')
    end: str | None = None  # the table ends before the first row whose first cell matches
    # Content detection: each pattern is matched by some cell of the rows above the data
    # of one sheet the layout reads. Detection never looks at the file's name.
    detect: tuple[str, ...] = ()

    COLUMN = "column"  # the header of a wide figure's column
    VALUE = "value"  # a wide figure's cell


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
    # Wide files: several figures per row (see ``Unpivot``).
    unpivot: Unpivot | None = None
    # What the file's name says (BACI's HS revision): name -> fields and a note, or
    # an error naming the fix. Applied by ``for_file`` before the query is built.
    from_file_name: Callable[[str], tuple[dict[str, Field], str]] | None = None
    # Files whose table needs reshaping first: workbooks, title rows, wide layouts.
    layout: Layout | None = None
    # Rows that are read but are no figure of their own, quarantined with the reason:
    # raw column -> {value: reason}, e.g. a "Year" row beside the months it totals.
    exclude: dict[str, dict[str, str]] = field(default_factory=dict)

    def for_file(self, file_name: str) -> SourceSpec:
        """This spec with what ``file_name`` says filled in (itself when nothing)."""
        if self.from_file_name is None:
            return self
        fields, note = self.from_file_name(file_name)
        return replace(
            self,
            fields={**self.fields, **fields},
            note="; ".join(n for n in (self.note, note) if n),
            from_file_name=None,
        )

    def matches(self, header: set[str]) -> bool:
        return self.signature <= header

    def required_columns(self) -> set[str]:
        cols = {f.column for f in self.fields.values() if f.column is not None}
        if self.unpivot is not None:
            cols = (cols - {Unpivot.VALUE, Unpivot.VARIANT}) | set(self.unpivot.columns)
        return cols - set(self.optional_columns)
