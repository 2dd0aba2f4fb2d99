"""Compile a ``SourceSpec`` and a file into a ``Plan``: how each canonical column is parsed
from the file's raw values, what every row must pass, which country codes are looked up.

One plan per (reader, file), rendered into the statement that loads the file: the staging
query (``store/stage.py``), which stages every line with its reasons, or the one-pass load
(``store/onepass.py``) of a clean file. Everything happens in SQL so a 10-million-row file
costs little more than DuckDB's own ``read_csv``. Every data line of the file ends up kept
or quarantined, with its line number: rows read = kept + quarantined.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from tradeflows.errors import SchemaError
from tradeflows.schema import FLOW_COLUMNS, Column
from tradeflows.sources.base import MISSING_TOKENS, Field, SourceSpec, Unpivot
from tradeflows.store.textfile import TextFile

_TRUE_TOKENS = ("TRUE", "T", "1", "YES", "Y")
_FALSE_TOKENS = ("FALSE", "F", "0", "NO", "N")
_COLUMNS = {c.name: c for c in FLOW_COLUMNS}
# Canonical columns filled by the store, not by readers.
_STORE_FILLED = {"source", "ingest_id", "line"}
# The canonical columns a reader fills, in the table's order.
READER_COLUMNS = tuple(c.name for c in FLOW_COLUMNS if c.name not in _STORE_FILLED)
# Country kinds: (lookup table, key column, SQL over the cleaned raw value, what to call the code).
# Tables named __* are temporary, made for the run by ``prepare_lookups``.
_COUNTRY_LOOKUPS = {
    "comtrade_country": ("comtrade_codes", "code", "TRY_CAST({} AS INTEGER)", "UN Comtrade area code"),
    "m49_country": ("countries", "m49", "TRY_CAST({} AS INTEGER)", "M49 country code"),
    "iso3_country": ("countries", "iso3", "upper({})", "ISO3 country code"),
    "eurostat_country": ("__eurostat_codes", "code", "upper({})", "Eurostat geo code"),
    "name_country": ("__country_names", "name", "{}", "country name"),
}


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _in_list(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(quote_literal(v) for v in values) + ")"


@dataclass(frozen=True)
class Check:
    condition: str  # SQL boolean, true when the row is bad
    column: str | None  # raw column to blame
    value: str  # SQL expression giving the offending raw value
    message: str  # SQL expression giving the reason
    field: str | None = None  # the canonical column whose field made the check
    lookup: bool = False  # the check that a country code is known (its lookup found it)


def read_csv_sql(file: TextFile, reject_table: str, reject_scan: str) -> str:
    """``read_csv`` with every option fixed: no guessing on broken files (a Parquet file:
    ``read_parquet`` with every column as text, so the same query parses both)."""
    if file.compression == "parquet":
        as_text = ", ".join(f"CAST({quote_ident(h)} AS VARCHAR) AS {quote_ident(h)}" for h in file.header)
        return f"(SELECT {as_text} FROM read_parquet({quote_literal(str(file.path))}))"
    columns = "{" + ", ".join(f"{quote_literal(h)}: 'VARCHAR'" for h in file.header) + "}"
    return (
        f"read_csv({quote_literal(str(file.path))}, auto_detect=false, header=true, "
        f"delim={quote_literal(file.delimiter)}, quote='\"', escape='\"', columns={columns}, "
        f"null_padding=true, store_rejects=true, rejects_table={quote_literal(reject_table)}, "
        f"rejects_scan={quote_literal(reject_scan)}, compression={quote_literal('gzip' if file.compression == 'gzip' else 'none')}, "
        "parallel=true)"
    )


def _raw(name: str) -> str:
    return quote_ident(f"__raw__{name}")


def _clean(expr: str) -> str:
    return f"(CASE WHEN trim({expr}) IN {_in_list(MISSING_TOKENS)} THEN NULL ELSE trim({expr}) END)"


def _quoted(expr: str) -> str:
    """SQL that renders a raw value for a message: 'value' or nothing."""
    return f"coalesce('''' || {expr} || '''', 'nothing')"


@dataclass(frozen=True)
class Plan:
    """What a reader (``spec``) makes of one file, compiled once and rendered into either
    statement that loads it: the staging query (``stage.stage_sql``) and the one-pass load
    (``onepass.load_sql``).

    Each field read from the file has a raw alias (``__raw__NAME``), whose value each
    rendering provides its own way (cleaned text in the stage, a typed column in one pass);
    ``parsed`` gives each canonical column as SQL over those aliases, ``checks`` the tests
    every row must pass (in order; the first failing one is blamed), ``lookups`` and
    ``joins`` the country codes looked up.
    """

    spec: SourceSpec
    header: frozenset[str]
    fields: dict[str, Field]  # the spec's fields, with the variant fields of a wide file
    read: dict[str, Field]  # canonical name -> field read from a column of the file
    expressions: dict[str, str]  # canonical name -> SQL expression field (kind sql) over the raw row
    parsed: dict[str, str]  # canonical name -> SQL over the raw aliases (and lookups), hs after the others
    checks: tuple[Check, ...]
    lookups: tuple[str, ...]  # step c: the looked-up ISO3 codes, by alias
    joins: tuple[str, ...]  # step c: the joins that look them up
    fixed: frozenset[str]  # canonical columns holding one value on every row (constants, columns absent)
    variant_name: str  # SQL naming the value column an unpivoted row came from ("NULL" for a long file)

    def blame(self, check: Check) -> str:
        """SQL naming the raw column ``check`` blames."""
        return self.variant_name if check.column == Unpivot.VALUE else quote_literal(check.column)


def compile_plan(spec: SourceSpec, file: TextFile) -> Plan:
    """The plan of ``file`` under ``spec``: SchemaError when the file lacks a required column."""
    header = set(file.header)
    missing = sorted(spec.required_columns() - header)
    if missing:
        raise SchemaError(
            f"{file.original}: missing required column(s) {missing} for source {spec.name!r}; "
            f"the header has {sorted(header)}"
        )
    lookups: list[str] = []
    joins: list[str] = []
    parsed: dict[str, str] = {}
    checks: list[Check] = []
    read: dict[str, Field] = {}
    expressions: dict[str, str] = {}

    def present(f: Field) -> bool:
        return f.column is None or f.column in header or f.column in (Unpivot.VALUE, Unpivot.VARIANT)

    fields = dict(spec.fields)
    variant_name = "NULL"
    if spec.unpivot is not None:
        variant_name = (
            "(CASE __vi " + " ".join(f"WHEN {i} THEN {quote_literal(c)}" for i, c in enumerate(spec.unpivot.columns)) + " END)"
        )
        fields |= variant_fields(spec.unpivot, Unpivot.VARIANT)

    fixed = set()
    for name, f in fields.items():
        col = _COLUMNS[name]
        if not present(f) or f.kind == "const":
            parsed[name] = f"CAST({quote_literal(f.const if present(f) else None)} AS {col.sql_type})"
            fixed.add(name)
            continue
        raw = _raw(name)
        if f.kind == "sql":
            expressions[name] = f.sql
            parsed[name] = f"CAST({raw} AS {col.sql_type})"
            continue
        assert f.column is not None
        read[name] = f
        blame = quote_literal(f.column) if f.column != Unpivot.VALUE else variant_name
        if f.required:
            checks.append(Check(f"{raw} IS NULL", f.column, "NULL", f"{blame} || ': missing value; required for {name}'", name))
        if f.kind.endswith("_country"):
            alias = quote_ident(f"__j_{name}")
            table, key, value, _ = _COUNTRY_LOOKUPS[f.kind]
            joins.append(f"LEFT JOIN {table} AS {alias} ON {alias}.{key} = {value.format('c0.' + raw)}")
            lookups.append(f"{alias}.iso3 AS {quote_ident(f'__iso3__{name}')}")
            if f.kind == "name_country":
                lookups.append(f"{alias}.reason AS {quote_ident(f'__why__{name}')}")
        parse, parse_checks = _parse(name, f, raw, _quoted(raw), blame, col)
        parsed[name] = parse
        lookup = f.kind.endswith("_country")
        checks.extend(Check(cond, f.column, raw, msg, name, lookup) for cond, msg in parse_checks)

    # HS codes lose their leading zero when a file passed through a spreadsheet:
    # pad to the level the source states, or else to the next even length.
    hs_field = spec.fields.get("hs")
    if hs_field is not None and hs_field.kind == "hs" and present(hs_field):
        raw_hs = _raw("hs")
        level, parsed["hs"] = hs_sql(raw_hs)
        if "hs_level" in fields and not present(fields["hs_level"]):
            parsed["hs_level"] = level  # an optional level column the file lacks: the code's length says it
            fixed.discard("hs_level")
        parsed.setdefault("hs_level", level)
        checks.append(
            Check(
                f"{raw_hs} IS NOT NULL AND hs IS NULL",
                hs_field.column,
                raw_hs,
                f"{quote_literal(hs_field.column)} || ': ' || {_quoted(raw_hs)} || ' is not an HS code of "
                "2, 4 or 6 digits' || coalesce(' matching its level ' || hs_level, '')",
                "hs",
            )
        )

    # Canonical columns no field fills are NULL; non-nullable ones must be derived.
    for col in FLOW_COLUMNS:
        if col.name in _STORE_FILLED or col.name in parsed:
            continue
        parsed[col.name] = f"CAST(NULL AS {col.sql_type})"
        fixed.add(col.name)
    for col in FLOW_COLUMNS:
        f = fields.get(col.name)
        if col.name in _STORE_FILLED or col.nullable or (f is not None and f.kind not in ("const", "sql")):
            continue  # nullable, or the field's own checks say what is wrong
        checks.append(Check(f"{col.name} IS NULL", None, "NULL", f"'could not derive {col.name}'", col.name))
    return Plan(spec, frozenset(header), fields, read, expressions, parsed, tuple(checks), tuple(lookups),
                tuple(joins), frozenset(fixed), variant_name)  # fmt: skip


def variant_fields(unpivot: Unpivot, variant_column: str) -> dict[str, Field]:
    """What tells the figures of one wide line apart (flow, partner_basis ...): a field per
    constant, by the value column (named in raw column ``variant_column``) a figure came from."""
    targets = dict.fromkeys(k for consts in unpivot.columns.values() for k in consts)
    fields = {}
    for target in targets:
        cases = " ".join(
            f"WHEN {quote_literal(column)} THEN {quote_literal(consts.get(target))}"
            for column, consts in unpivot.columns.items()
        )
        fields[target] = Field.expression(f"CASE {quote_ident(variant_column)} {cases} END")
    return fields


def hs_sql(raw_hs: str) -> tuple[str, str]:
    """SQL for (hs_level, hs) from a cleaned raw HS code: the level a code's length implies
    (the next even length: leading zeros get lost), and the code padded to ``hs_level``."""
    level = f"CAST(CASE WHEN upper({raw_hs}) = 'TOTAL' THEN 0 ELSE length({raw_hs}) + length({raw_hs}) % 2 END AS TINYINT)"
    hs = (
        f"CASE WHEN upper({raw_hs}) = 'TOTAL' THEN 'TOTAL' "
        f"WHEN regexp_full_match({raw_hs}, '[0-9]{{1,6}}') AND length({raw_hs}) IN (hs_level, hs_level - 1) "
        f"THEN lpad({raw_hs}, CAST(hs_level AS INTEGER), '0') END"
    )
    return level, hs


def final_columns() -> dict[str, str]:
    """The canonical columns as the last step selects them, from parsed columns of the same names."""
    # A quantity of 0 beside a positive value is "not reported", not zero goods.
    zero_qty = "((qty = 0 OR net_kg = 0) AND value_usd > 0)"
    return {name: name for name in READER_COLUMNS} | {
        "qty": "CASE WHEN qty = 0 AND value_usd > 0 THEN NULL ELSE qty END AS qty",
        "net_kg": "CASE WHEN net_kg = 0 AND value_usd > 0 THEN NULL ELSE net_kg END AS net_kg",
        "qty_flag": f"CASE WHEN {zero_qty} THEN 'zero_as_missing' ELSE qty_flag END AS qty_flag",
    }


def prepare_lookups(con: duckdb.DuckDBPyConnection, spec: SourceSpec, file: TextFile) -> None:
    """Create the temporary lookup tables the spec's country kinds join to.

    Country names are matched in Python (country_converter's patterns are not SQL
    regular expressions), once per distinct name, so this reads the name column first.
    """
    kinds = {f.kind for f in spec.fields.values()}
    if "eurostat_country" in kinds:
        from tradeflows.reference.eurostat import geo_code_table

        con.register("__eurostat_frame", geo_code_table().to_arrow())
        con.execute("CREATE OR REPLACE TEMP TABLE __eurostat_codes AS SELECT * FROM __eurostat_frame")
        con.unregister("__eurostat_frame")
    names = [f.column for f in spec.fields.values() if f.kind == "name_country" and f.column in file.header]
    if names:
        from tradeflows.reference.country_names import names_to_iso3

        reads = read_csv_sql(file, "__lookup_rejects", "__lookup_scans")
        union = " UNION ".join(f"SELECT DISTINCT {_clean(quote_ident(c))} AS name FROM {reads}" for c in names)
        found = [name for (name,) in con.execute(union).fetchall() if name is not None]
        con.register("__names_frame", names_to_iso3(found).to_arrow())
        con.execute("CREATE OR REPLACE TEMP TABLE __country_names AS SELECT * FROM __names_frame")
        con.unregister("__names_frame")


def _parse(name: str, f: Field, raw: str, shown: str, blame: str, col: Column) -> tuple[str, list[tuple[str, str]]]:
    """SQL parsing ``raw`` for one field, and its (condition, message) checks."""
    checks: list[tuple[str, str]] = []
    if f.kind == "int":
        expr = f"TRY_CAST({raw} AS INTEGER)"
        checks.append((f"{raw} IS NOT NULL AND {expr} IS NULL", f"{blame} || ': ' || {shown} || ' is not a whole number'"))
        if name == "month":
            checks.append((f"{expr} NOT BETWEEN 1 AND 12", f"{blame} || ': ' || {shown} || ' is not a month 1-12'"))
        if name == "year":
            checks.append((f"{expr} NOT BETWEEN 1950 AND 2100", f"{blame} || ': ' || {shown} || ' is not a year 1950-2100'"))
        if name == "hs_level":
            checks.append((f"{expr} NOT IN (0, 2, 4, 6)", f"{blame} || ': ' || {shown} || ' is not an HS level 2, 4 or 6'"))
        # TRY_CAST: a year of 99999 or a month of 300 overflows the column's type; the checks
        # above quarantine the row, and a plain CAST would stop the whole file.
        checks.append((f"{expr} IS NOT NULL AND TRY_CAST({expr} AS {col.sql_type}) IS NULL",
                       f"{blame} || ': ' || {shown} || ' is out of range for {name}'"))  # fmt: skip
        return f"TRY_CAST({expr} AS {col.sql_type})", checks
    if f.kind == "number":
        value = f"TRY_CAST({raw} AS DOUBLE)"
        expr = value if f.scale == 1 else f"({value} * {f.scale!r})"
        if f.factor_sql is not None:
            factor = quote_ident(f"__factor__{name}")
            expr = f"({expr} * {factor})"
            checks.append((f"{raw} IS NOT NULL AND {factor} IS NULL", f"{blame} || ': no {f.factor_label} for this row'"))
        checks.append((f"{raw} IS NOT NULL AND {value} IS NULL", f"{blame} || ': ' || {shown} || ' is not a number'"))
        checks.append((f"NOT isfinite({value})", f"{blame} || ': ' || {shown} || ' is not a finite number'"))
        checks.append((f"{value} < 0", f"{blame} || ': ' || {shown} || ' is negative; expected a value >= 0'"))
        if f.maximum is not None:
            checks.append(
                (f"{expr} > {f.maximum!r}", f"{blame} || ': ' || {shown} || ' is implausibly large (over {f.maximum:.0e})'")
            )
        return expr, checks
    if f.kind == "text":
        return raw, checks
    if f.kind == "hs":
        return raw, checks  # padded once hs_level is known, in compile_plan
    if f.kind == "flow":
        assert f.values
        cases = " ".join(f"WHEN {quote_literal(k)} THEN {quote_literal(v)}" for k, v in f.values.items())
        expr = f"CASE {raw} {cases} END"
        valid = ", ".join(dict.fromkeys(f.values))
        checks.append((f"{raw} IS NOT NULL AND ({expr}) IS NULL", f"{blame} || ': ' || {shown} || ' is not a trade flow; expected one of {valid}'"))
        return expr, checks
    if f.kind == "bool":
        expr = f"CASE WHEN upper({raw}) IN {_in_list(_TRUE_TOKENS)} THEN TRUE WHEN upper({raw}) IN {_in_list(_FALSE_TOKENS)} THEN FALSE END"
        checks.append((f"{raw} IS NOT NULL AND ({expr}) IS NULL", f"{blame} || ': ' || {shown} || ' is not TRUE/FALSE'"))
        return expr, checks
    if f.kind.endswith("_country"):
        iso = quote_ident(f"__iso3__{name}")
        what = _COUNTRY_LOOKUPS[f.kind][3]
        unknown = f"' is an unknown {what}'"
        if f.kind == "name_country":  # the name table says why: a group, a territory no code covers ...
            unknown = f"coalesce(' is not mapped to one country: ' || {quote_ident(f'__why__{name}')}, {unknown})"
        checks.append((f"{raw} IS NOT NULL AND {iso} IS NULL", f"{blame} || ': ' || {shown} || {unknown}"))
        return iso, checks
    raise AssertionError(f"unhandled field kind {f.kind!r}")  # pragma: no cover
