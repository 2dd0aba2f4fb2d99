"""A clean file loaded in one pass: typed read, the plan's checks, straight into the store.

The staging query (``stage.stage_sql``) reads every field as text, cleans it, writes every
row with its reasons to a stage table and copies the kept rows: the right work for a file
with bad rows, and most of the cost of a clean one (benchmarks/README.md). For a source
whose fields need only plain parsing (whole numbers, numbers, country codes, HS codes, trade
flows, text, constants), ``load_sql`` renders the same plan (``plan.Plan``) as a load in
one pass, DuckDB's CSV reader parsing the numbers itself, in parallel and in file order:

- a file like BACI's, whose other columns are constant (``_compact_plan``), is written
  straight into its run's own table (store/layout.py), where a row's place is its line;
  its country numbers are checked once each afterwards, not looked up row by row;
- any other file is read into a temporary table first, so that a row's ``rowid`` there is
  its place in the file (a ``row_number() OVER ()`` on the read held the whole load to one
  thread), then written to ``flow_rows`` with its countries looked up.

Every row is guarded by the plan's checks: the first row that fails one stops the statement
with ``error()``, as does a line the typed reader cannot take (``' 12'``, ``'1,5'``, a line
of another width). The loader then rolls the attempt back and loads the file through the
stage, which quarantines row by row, as it does for a repeated record or a cut-off last
line. Either way the store ends up exactly as the staging query alone would leave it
(tests/store/test_onepass.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from tradeflows.sources.base import MISSING_TOKENS, SourceSpec
from tradeflows.store import layout
from tradeflows.store.plan import (
    _COLUMNS,
    _COUNTRY_LOOKUPS,
    READER_COLUMNS,
    Plan,
    _raw,
    final_columns,
    quote_ident,
    quote_literal,
)
from tradeflows.store.textfile import TextFile

# What the typed reader parses a column as, by the kind of field that reads it.
_READ_AS = {
    "int": "INTEGER", "number": "DOUBLE", "comtrade_country": "INTEGER", "m49_country": "INTEGER",
    "iso3_country": "VARCHAR", "hs": "VARCHAR", "text": "VARCHAR", "flow": "VARCHAR",
}  # fmt: skip


def _read_types(spec: SourceSpec, header: list[str]) -> dict[str, str] | None:
    """The type to read each column as, or None when a field needs the staging query."""
    if spec.unpivot is not None or spec.exclude or (spec.description_column and spec.description_column in header):
        return None
    types = dict.fromkeys(header, "VARCHAR")
    wanted: dict[str, str] = {}
    for f in spec.fields.values():
        if f.kind == "const" or (f.column is not None and f.column not in header):
            continue
        if f.kind not in _READ_AS or f.factor_sql is not None or (f.values and f.kind != "flow"):
            return None
        if f.kind == "hs" and f.source_digits:
            return None
        assert f.column is not None
        if wanted.setdefault(f.column, _READ_AS[f.kind]) != _READ_AS[f.kind]:
            return None  # one column read two ways
    return types | wanted


RAW_TABLE = "__fast_raw"
# Country kinds whose codes are area numbers: a compact row keeps the number (layout.py).
_AREA_NUMBERS = ("comtrade_country", "m49_country")


@dataclass(frozen=True)
class FastLoad:
    """The one-pass load of a file: the rows that ``rows`` selects (parameters: the source's
    name, unless compact, and the ingest id) are written, and a row failing a check stops the
    statement with ``error()``. A full load reads the file into ``RAW_TABLE`` first (``read``),
    so that a row's ``rowid`` there is its place in the file; a compact load (store/layout.py)
    writes the run's own table straight from the file, where a row's place is its rowid, and
    gives ``constants``, the canonical columns every row shares, and ``codes``, queries (over
    the run's table, ``{table}``) counting country numbers that name no country or share one
    with another number: each must count none."""

    read: str | None  # CREATE TEMP TABLE __fast_raw: the file's columns, typed, in file order
    rows: str  # SELECT of the rows to write
    varying: tuple[str, ...]  # the written columns that can differ between the file's rows
    constants: dict[str, object] | None = None  # a compact load's run constants
    codes: tuple[str, ...] = ()

    def has_repeats(self, con: duckdb.DuckDBPyConnection, ingest_id: int) -> bool:
        """Whether run ``ingest_id`` holds two rows equal on every canonical column
        (``checks.mark_duplicates`` quarantines the later ones, so the file must go through
        the stage). Columns every row shares (constants, columns the file lacks) cannot tell
        two rows apart and are left out of the hash: 10M rows, 0.9 s with them."""
        rows = (layout.compact_table(ingest_id) if self.constants is not None
                else f"{layout.FULL_TABLE} WHERE ingest_id = {int(ingest_id)}")  # fmt: skip
        found = con.execute(
            f"SELECT 1 FROM {rows} GROUP BY hash({', '.join(self.varying)}) HAVING count(*) > 1 LIMIT 1"
        ).fetchall()
        return bool(found)


def load_sql(plan: Plan, file: TextFile) -> FastLoad | None:
    """The statements that load ``file`` under ``plan`` if every row passes, or None when
    the file needs the staging query."""
    spec, header = plan.spec, plan.header
    types = _read_types(spec, file.header)
    if types is None:
        return None
    nulls = "[" + ", ".join(quote_literal(t) for t in MISSING_TOKENS) + "]"
    if file.compression == "parquet":
        reads = _parquet_reads(file, types)
        if reads is None:
            return None
    else:
        reads = _csv_reads(file, types, nulls)
    compact = _compact_plan(spec, header)
    aliases = {n for n in layout.VALUE_ALIASES if compact is not None and compact[0][f"{n}_is_value"]}
    parsed = dict(plan.parsed)
    raws, bad = [], []
    for name, f in plan.read.items():
        if name in aliases:
            parsed[name] = "CAST(NULL AS DOUBLE)"  # the value's own column, parsed and checked as value_usd
            continue
        raw = _raw(name)
        raws.append(f"r.{quote_ident(f.column)} AS {raw}")
        if types[f.column] == "VARCHAR" and f.kind != "hs":  # the stage trims text (an HS code is digits only)
            bad.append(f"{raw} <> trim({raw})")
            if file.compression == "parquet":
                bad.append(f"list_contains({nulls}, {raw})")
        if compact is not None and name in ("reporter", "partner"):
            parsed[name] = raw  # the number as read; checked against the code list in the run's table
    # A compact load names no country: its numbers are checked once each (FastLoad.codes).
    looked_up = () if compact is None else ("reporter", "partner")
    bad += [c.condition for c in plan.checks if c.field not in aliases and not (c.lookup and c.field in looked_up)]
    failed = " OR ".join(f"({c}) IS TRUE" for c in bad) or "FALSE"
    if compact is not None:
        constants, codes = compact
        # The weight as read (a zero kept): the flows view applies the rule on zeros (layout.py).
        columns = [f"CAST({n} AS {kind}) AS {n}" for n, kind in layout.COMPACT_COLUMNS]
        stop = "error('a row needs the staging query')"
        columns[0] = f"CAST(CASE WHEN {failed} THEN {stop} ELSE year END AS SMALLINT) AS year"
        rows = _rows(f"(SELECT * FROM {reads})", raws, (), (), parsed, columns)
        return FastLoad(None, rows, tuple(n for n, _ in layout.COMPACT_COLUMNS), constants, codes)
    read = f"CREATE OR REPLACE TEMP TABLE {RAW_TABLE} AS SELECT * FROM {reads}"
    varying = tuple(name for name in READER_COLUMNS if name not in plan.fixed)
    line = f"CASE WHEN {failed} THEN error('row ' || __rn || ' needs the staging query') ELSE __rn + 1 END AS line"
    columns = ["CAST(? AS VARCHAR) AS source", "CAST(? AS INTEGER) AS ingest_id", line, *final_columns().values()]
    rows = _rows(f"(SELECT rowid + 1 AS __rn, * FROM {RAW_TABLE})", raws, plan.lookups, plan.joins, parsed, columns)
    return FastLoad(read, rows, varying)


def _compact_plan(spec: SourceSpec, header: set[str]) -> tuple[dict[str, object], tuple[str, ...]] | None:
    """For a file whose rows differ only in the compact row's columns (layout.py): the run's
    constants and the checks of its country numbers; None for any other file."""
    fields = spec.fields
    read = {name: f for name, f in fields.items() if f.kind != "const" and f.column in header}

    def reads(name: str, *kinds: str) -> bool:
        f = read.get(name)
        return f is not None and f.kind in kinds and f.factor_sql is None and not f.values

    if not (reads("year", "int") and reads("reporter", *_AREA_NUMBERS) and reads("partner", *_AREA_NUMBERS)
            and reads("hs", "hs") and reads("value_usd", "number")):  # fmt: skip
        return None
    if fields["hs"].source_digits or ("net_kg" in read and not reads("net_kg", "number")):
        return None
    value = read["value_usd"]
    aliases = {}
    for name in layout.VALUE_ALIASES:
        f = read.get(name)
        if f is not None and (f.column, f.kind, f.scale, f.factor_sql) != (value.column, "number", value.scale, None):
            return None
        aliases[f"{name}_is_value"] = f is not None
    rest = set(read) - {"year", "reporter", "partner", "hs", "value_usd", "net_kg", *layout.VALUE_ALIASES}
    if rest:
        return None
    constants: dict[str, object] = {}
    for name in layout.CONSTANT_COLUMNS:
        if name in ("source", "ingest_id"):
            continue
        f = fields.get(name)
        constants[name] = f.const if f is not None and f.kind == "const" else None
        if constants[name] is None and not _COLUMNS[name].nullable:
            return None  # the full load's NOT NULL constraint sends such a file to the stage
    if not isinstance(constants["hs_level"], int) or constants["hs_level"] not in (2, 4, 6):
        return None
    codes = []
    for name in ("reporter", "partner"):
        f = read[name]
        table, key, _, _ = _COUNTRY_LOOKUPS[f.kind]
        found = (f"(SELECT DISTINCT {name} AS n FROM {{table}}) d LEFT JOIN {table} t ON t.{key} = d.n "
                 "LEFT JOIN comtrade_codes c ON c.code = d.n")  # fmt: skip
        # A number no country has (or another for the kind's list than for comtrade_codes, which
        # names them in the view), or two numbers of one country.
        codes.append(f"SELECT count(*) FILTER (WHERE t.iso3 IS NULL OR c.iso3 IS DISTINCT FROM t.iso3) "
                     f"+ count(*) - count(DISTINCT t.iso3) FROM {found}")  # fmt: skip
    return constants | aliases, tuple(codes)


_INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "HUGEINT"}


def _parquet_reads(file: TextFile, types: dict[str, str]) -> str | None:
    """``read_parquet`` with each column as the typed CSV reader would give it: text as
    text, whole numbers and doubles as they are (their text reads back to the same value).
    None when a column holds another type (a float32 prints as a different double)."""
    with duckdb.connect() as con:
        stored = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))",
                                  [str(file.path)]).fetchall())  # fmt: skip
    columns = []
    for name, want in types.items():
        have, q = stored.get(name), quote_ident(name)
        if want == "VARCHAR":
            columns.append(f"CAST({q} AS VARCHAR) AS {q}")
        elif have in _INTEGERS or (want == "DOUBLE" and have == "DOUBLE"):
            columns.append(q)
        else:
            return None
    return f"(SELECT {', '.join(columns)} FROM read_parquet({quote_literal(str(file.path))}))"


def _csv_reads(file: TextFile, types: dict[str, str], nulls: str) -> str:
    """``read_csv`` typed, which stops at a malformed line (a value the type cannot take, a
    line of another width, bytes that are not UTF-8): the file then goes through the stage,
    which quarantines such lines with their text. Keeping DuckDB's rejects here instead cost
    about 5% of a 10M-row load."""
    columns = "{" + ", ".join(f"{quote_literal(h)}: {quote_literal(t)}" for h, t in types.items()) + "}"
    return (
        f"read_csv({quote_literal(str(file.path))}, auto_detect=false, header=true, "
        f"delim={quote_literal(file.delimiter)}, quote='\"', escape='\"', columns={columns}, nullstr={nulls}, "
        f"null_padding=true, compression={quote_literal(file.compression)}, parallel=true)"
    )


def _rows(source: str, raws: list[str], lookups: Sequence[str], joins: Sequence[str], parsed: dict[str, str],
          columns: list[str]) -> str:
    # A non-nullable column left NULL fails the table's NOT NULL constraint, which also sends the file to the stage.
    p0 = ", ".join(f"{parsed[name]} AS {name}" for name in READER_COLUMNS if name != "hs")
    return f"""
WITH r AS {source},
c0 AS (SELECT {', '.join(['r.__rn' if '__rn' in source else '0 AS __rn', *raws])} FROM r),
c AS (SELECT c0.*{''.join(', ' + x for x in lookups)} FROM c0 {' '.join(joins)}),
p0 AS (SELECT c.*, {p0} FROM c),
p AS (SELECT p0.*, {parsed['hs']} AS hs FROM p0)
SELECT {', '.join(columns)}
FROM p
"""
