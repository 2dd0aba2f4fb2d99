"""Turn a ``SourceSpec`` and a file into one DuckDB query that parses, validates
and splits the rows into kept (``flows``) and quarantined (``quarantine``).

Everything happens in SQL so a 10-million-row file costs little more than
DuckDB's own ``read_csv``. Every data line of the file ends up in exactly one
of the two tables, with its line number: rows read = kept + quarantined.

The query has three steps, one CTE each:
  ``r`` the raw text, numbered in file order;
  ``c`` each field's raw value cleaned (trimmed, NA-like tokens to NULL), and
        country codes looked up;
  ``p`` each canonical column parsed; the final SELECT adds the checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from tradeflows.errors import SchemaError
from tradeflows.schema import FLOW_COLUMNS, Column
from tradeflows.sources.base import MISSING_TOKENS, Field, SourceSpec, Unpivot
from tradeflows.store.textfile import TextFile

STAGE = "__stage"
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
class _Check:
    condition: str  # SQL boolean, true when the row is bad
    column: str | None  # raw column to blame
    value: str  # SQL expression giving the offending raw value
    message: str  # SQL expression giving the reason


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


def build_stage_sql(spec: SourceSpec, file: TextFile, *, reject_table: str, reject_scan: str) -> str:
    """The CREATE TABLE statement that stages ``file`` under ``spec``."""
    header = set(file.header)
    missing = sorted(spec.required_columns() - header)
    if missing:
        raise SchemaError(
            f"{file.original}: missing required column(s) {missing} for source {spec.name!r}; "
            f"the header has {sorted(header)}"
        )

    clean_cols: list[str] = []  # step c0: over the raw row
    lookups: list[str] = []  # step c: country codes joined to the countries table
    joins: list[str] = []
    parsed: dict[str, str] = {}  # step p: canonical name -> SQL over c
    checks: list[_Check] = []

    def present(f: Field) -> bool:
        return f.column is None or f.column in header or f.column in (Unpivot.VALUE, Unpivot.VARIANT)

    fields = dict(spec.fields)
    variant_name = "NULL"  # SQL naming the value column an unpivoted row came from
    if spec.unpivot is not None:
        variant_name = (
            "(CASE __vi " + " ".join(f"WHEN {i} THEN {quote_literal(c)}" for i, c in enumerate(spec.unpivot.columns)) + " END)"
        )
        fields |= variant_fields(spec.unpivot, Unpivot.VARIANT)

    for name, f in fields.items():
        col = _COLUMNS[name]
        if not present(f):
            parsed[name] = f"CAST(NULL AS {col.sql_type})"
            continue
        if f.kind == "const":
            parsed[name] = f"CAST({quote_literal(f.const)} AS {col.sql_type})"
            continue
        raw = _raw(name)
        if f.kind == "sql":
            clean_cols.append(f"({f.sql}) AS {raw}")
            parsed[name] = f"CAST({raw} AS {col.sql_type})"
            continue
        assert f.column is not None
        cleaned = _clean("r." + quote_ident(f.column))
        if f.kind == "eurostat_country":  # Eurostat's 'NA' is Namibia, not "not available"
            cleaned = f"NULLIF(trim(r.{quote_ident(f.column)}), '')"
        if f.kind == "hs" and f.source_digits:
            # CN8 and other national codes: pad lost zeros to the source's length, keep the HS6 part.
            cleaned = (
                f"(CASE WHEN regexp_full_match({cleaned}, '[0-9]{{{f.source_digits - 1},{f.source_digits}}}') "
                f"THEN left(lpad({cleaned}, {f.source_digits}, '0'), 6) ELSE {cleaned} END)"
            )
        if f.values and f.kind != "flow":  # raw codes that stand for something else (Comtrade's month 52 = year)
            cases = " ".join(f"WHEN {quote_literal(k)} THEN {quote_literal(v)}" for k, v in f.values.items())
            cleaned = f"(CASE {cleaned} {cases} ELSE {cleaned} END)"
        clean_cols.append(f"{cleaned} AS {raw}")
        if f.factor_sql is not None:
            clean_cols.append(f"({f.factor_sql}) AS {quote_ident(f'__factor__{name}')}")
        blame = quote_literal(f.column) if f.column != Unpivot.VALUE else variant_name
        if f.required:
            checks.append(_Check(f"{raw} IS NULL", f.column, "NULL", f"{blame} || ': missing value; required for {name}'"))
        if f.kind.endswith("_country"):
            alias = quote_ident(f"__j_{name}")
            table, key, value, _ = _COUNTRY_LOOKUPS[f.kind]
            joins.append(f"LEFT JOIN {table} AS {alias} ON {alias}.{key} = {value.format('c0.' + raw)}")
            lookups.append(f"{alias}.iso3 AS {quote_ident(f'__iso3__{name}')}")
            if f.kind == "name_country":
                lookups.append(f"{alias}.reason AS {quote_ident(f'__why__{name}')}")
        parse, parse_checks = _parse(name, f, raw, _quoted(raw), blame, col)
        parsed[name] = parse
        checks.extend(_Check(cond, f.column, raw, msg) for cond, msg in parse_checks)

    # HS codes lose their leading zero when a file passed through a spreadsheet:
    # pad to the level the source states, or else to the next even length.
    hs_field = spec.fields.get("hs")
    if hs_field is not None and hs_field.kind == "hs" and present(hs_field):
        raw_hs = _raw("hs")
        level, parsed["hs"] = hs_sql(raw_hs)
        if "hs_level" in fields and not present(fields["hs_level"]):
            parsed["hs_level"] = level  # an optional level column the file lacks: the code's length says it
        parsed.setdefault("hs_level", level)
        checks.append(
            _Check(
                f"{raw_hs} IS NOT NULL AND hs IS NULL",
                hs_field.column,
                raw_hs,
                f"{quote_literal(hs_field.column)} || ': ' || {_quoted(raw_hs)} || ' is not an HS code of "
                "2, 4 or 6 digits' || coalesce(' matching its level ' || hs_level, '')",
            )
        )

    # Rows that are no figure of their own (a year's total beside its months): quarantined
    # with that reason alone (their other columns need not parse).
    excluded: list[_Check] = []
    for i, (column, reasons) in enumerate(spec.exclude.items()):
        if column not in header:
            continue
        raw = quote_ident(f"__exclude__{i}")
        clean_cols.append(f"{_clean('r.' + quote_ident(column))} AS {raw}")
        for value, why in reasons.items():
            excluded.append(_Check(f"{raw} = {quote_literal(value)}", column, raw,
                                   quote_literal(f"{column}: {value!r} is no figure of its own: {why}")))
    checks[:0] = excluded

    description = (
        f"{_clean('r.' + quote_ident(spec.description_column))} AS __description"
        if spec.description_column and spec.description_column in header
        else "CAST(NULL AS VARCHAR) AS __description"
    )

    # Canonical columns no field fills are NULL; non-nullable ones must be derived.
    for col in FLOW_COLUMNS:
        if col.name in _STORE_FILLED or col.name in parsed:
            continue
        parsed[col.name] = f"CAST(NULL AS {col.sql_type})"
    for col in FLOW_COLUMNS:
        f = fields.get(col.name)
        if col.name in _STORE_FILLED or col.nullable or (f is not None and f.kind not in ("const", "sql")):
            continue  # nullable, or the field's own checks say what is wrong
        checks.append(_Check(f"{col.name} IS NULL", None, "NULL", f"'could not derive {col.name}'"))

    def first(part: Callable[[_Check], str]) -> str:
        """SQL for ``part`` of the first check that fails."""
        return "coalesce(" + ", ".join(f"CASE WHEN {c.condition} THEN {part(c)} END" for c in checks) + ", NULL)"

    reason = "NULLIF(concat_ws('; ', " + ", ".join(f"CASE WHEN {c.condition} THEN {c.message} END" for c in checks) + "), '')"
    if excluded:
        reason = f"coalesce({first(lambda c: c.message if c in excluded else 'NULL')}, {reason})"
    blame_col = first(lambda c: variant_name if c.column == Unpivot.VALUE else quote_literal(c.column))
    blame_val = first(lambda c: c.value)

    final = final_columns()
    # hs is padded to hs_level, so it is parsed one step after the other columns.
    p0_select = ", ".join(f"{parsed[name]} AS {name}" for name in READER_COLUMNS if name != "hs")
    reads = read_csv_sql(file, reject_table, reject_scan)
    # Optional columns the file lacks read as NULL, so SQL fields may name them (motDesc beside motCode).
    absent = "".join(f", CAST(NULL AS VARCHAR) AS {quote_ident(c)}" for c in sorted(spec.optional_columns - header))
    rows = f"r AS (SELECT row_number() OVER () AS __rn, 0 AS __vi, *{absent} FROM {reads})"
    final_select = "SELECT * EXCLUDE (__vi) FROM q"
    if spec.unpivot is not None:
        rows = _unpivot_rows(spec.unpivot, reads, absent)
        # A line is kept whole or quarantined whole: every figure carries the line's reasons.
        line = "OVER (PARTITION BY __rn ORDER BY __reason IS NULL, __vi)"
        final_select = (
            "SELECT * EXCLUDE (__vi, __reason, __column, __value), "
            "NULLIF(array_to_string(list_distinct(list(__reason) OVER (PARTITION BY __rn)), '; '), '') AS __reason, "
            f"first_value(__column) {line} AS __column, first_value(__value) {line} AS __value FROM q"
        )
    return f"""
CREATE TEMP TABLE {STAGE} AS
WITH {rows},
c0 AS (SELECT r.__rn, r.__vi, {', '.join(clean_cols + [description])} FROM r),
c AS (SELECT c0.*{''.join(', ' + x for x in lookups)} FROM c0 {' '.join(joins)}),
p0 AS (SELECT c.*, {p0_select} FROM c),
p AS (SELECT p0.*, {parsed['hs']} AS hs FROM p0),
q AS (SELECT __rn, __vi, __rn + 1 AS line, {', '.join(final.values())}, __description,
       {reason} AS __reason, {blame_col} AS __column, {blame_val} AS __value
FROM p)
{final_select}
"""


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


def _unpivot_rows(unpivot: Unpivot, reads: str, absent: str) -> str:
    """The ``r`` step for a wide file: each line once per value column, numbered by line."""
    columns = list(unpivot.columns)
    variants = ", ".join(f"({i}, {quote_literal(c)})" for i, c in enumerate(columns))
    value = "CASE u.__vi " + " ".join(f"WHEN {i} THEN r0.{quote_ident(c)}" for i, c in enumerate(columns)) + " END"
    return (
        f"r0 AS (SELECT row_number() OVER () AS __rn, *{absent} FROM {reads}), "
        f"r AS (SELECT r0.*, u.__vi, u.__variant AS {quote_ident(Unpivot.VARIANT)}, {value} AS {quote_ident(Unpivot.VALUE)} "
        f"FROM r0 CROSS JOIN (VALUES {variants}) AS u(__vi, __variant))"
    )


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
        return raw, checks  # padded once hs_level is known, in build_stage_sql
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
