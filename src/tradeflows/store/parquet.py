"""Parquet in the canonical schema: the flows table written out, and read back.

An export holds every canonical column but ``ingest_id`` (a run number means
nothing in another store). An import keeps ``source`` and ``line``, so a row
still points to the line of the file it was first read from, while the new
ingest run records the Parquet file. Rows breaking the schema's rules are
quarantined like a text file's; their ``line`` is the row's number in the
Parquet file plus one, as if it had a header line.

>>> canonical_columns()[:4]
['source', 'line', 'year', 'month']
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from tradeflows.errors import InputError
from tradeflows.schema import FLOW_CODES, FLOW_COLUMNS, HS_LEVELS, PARTNER_BASES
from tradeflows.store.plan import quote_ident, quote_literal
from tradeflows.store.stage import STAGE

_WHOLE_NUMBER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT")


def canonical_columns() -> list[str]:
    return [c.name for c in FLOW_COLUMNS if c.name != "ingest_id"]


def export_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Write the standing rows of ``flows`` to ``path`` (via a temporary name, so no reader sees
    half a file). Superseded vintages are left out: the file loads back as one run, in which
    two vintages of a figure would add up."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    columns = ", ".join(canonical_columns())
    con.execute(
        f"COPY (SELECT {columns} FROM standing ORDER BY ingest_id, line) TO {quote_literal(str(part))} "
        "(FORMAT parquet, COMPRESSION zstd)"
    )
    part.replace(path)
    return con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchall()[0][0]


def is_canonical(path: Path) -> bool:
    """Whether ``path`` is a Parquet file with every canonical column (as ``export_parquet`` writes)."""
    if path.suffix.lower() != ".parquet":
        return False
    try:
        with duckdb.connect() as con:
            names = {row[0] for row in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()}
    except duckdb.Error as exc:
        raise InputError(f"{path}: cannot read the Parquet file: {str(exc).splitlines()[0]}") from None
    return set(canonical_columns()) <= names


def stage_sql(path: Path) -> str:
    """CREATE the stage table from a canonical Parquet file, with the same checks a reader makes."""
    checks: list[tuple[str, str, str]] = []  # (condition true when bad, column, message)
    typed = []
    for col in FLOW_COLUMNS:
        if col.name == "ingest_id":
            continue
        raw = quote_ident(f"__raw__{col.name}")
        cast = f"TRY_CAST({raw} AS {col.sql_type})"
        if col.sql_type in _WHOLE_NUMBER_TYPES:
            # A cast to an integer rounds (a year of 2017.5 would become 2018): only whole values pass.
            as_double = f"TRY_CAST({raw} AS DOUBLE)"
            cast = f"CASE WHEN {as_double} = trunc({as_double}) THEN {cast} END"
        typed.append(f"{cast} AS {col.name}")
        shown = f"coalesce('''' || CAST({raw} AS VARCHAR) || '''', 'nothing')"
        checks.append((f"{raw} IS NOT NULL AND {col.name} IS NULL", col.name, f"{shown} || ' is not {col.sql_type}'"))
        if not col.nullable and col.name != "source":
            checks.append((f"{col.name} IS NULL", col.name, f"'missing value; {col.name} is required'"))
    codes = ", ".join(quote_literal(c) for c in FLOW_CODES)
    bases = ", ".join(quote_literal(c) for c in PARTNER_BASES)
    levels = ", ".join(str(v) for v in (0, *HS_LEVELS))
    checks += [
        ("source IS NULL", "source", "'missing value; source is required'"),
        (
            f"flow NOT IN ({codes})",
            "flow",
            f"'''' || flow || ''' is not a trade flow; expected one of {', '.join(FLOW_CODES)}'",
        ),
        ("month NOT BETWEEN 1 AND 12", "month", "'''' || month || ''' is not a month 1-12'"),
        ("year NOT BETWEEN 1950 AND 2100", "year", "'''' || year || ''' is not a year 1950-2100'"),
        (f"hs_level NOT IN ({levels})", "hs_level", f"'''' || hs_level || ''' is not an HS level {levels}'"),
        (
            "NOT (hs = 'TOTAL' AND hs_level = 0 OR regexp_full_match(hs, '[0-9]{' || hs_level || '}'))",
            "hs",
            "'''' || hs || ''' is not a zero-padded HS code of ' || hs_level || ' digits'",
        ),
        (
            f"partner_basis NOT IN ({bases})",
            "partner_basis",
            f"'''' || partner_basis || ''' is not one of {', '.join(PARTNER_BASES)}'",
        ),
    ]
    for name in ("reporter", "partner", "partner2"):
        checks.append(
            (f"{name} NOT IN (SELECT iso3 FROM countries)", name, f"'''' || {name} || ''' is not a known ISO3 code'")
        )
    for name in ("value_usd", "cif_usd", "fob_usd", "qty", "net_kg"):
        checks.append(
            (f"NOT isfinite({name}) OR {name} < 0", name, f"'''' || {name} || ''' is not a finite number >= 0'")
        )
    reason = "NULLIF(concat_ws('; ', " + ", ".join(
        f"CASE WHEN {cond} THEN {quote_literal(col)} || ': ' || {msg} END" for cond, col, msg in checks
    ) + "), '')"
    # The first failing check names the column and value (a CASE chain, so a NULL value stays NULL).
    first_column = "CASE " + " ".join(f"WHEN {c} THEN {quote_literal(col)}" for c, col, _ in checks) + " END"
    first_value = (
        "CASE "
        + " ".join(f"WHEN {c} THEN CAST({quote_ident('__raw__' + col)} AS VARCHAR)" for c, col, _ in checks)
        + " END"
    )
    names = canonical_columns()
    raw_cols = ", ".join(f"{quote_ident(n)} AS {quote_ident('__raw__' + n)}" for n in names)
    pairs = ", ".join(f"{quote_ident(n)} := {quote_ident('__raw__' + n)}" for n in names)
    as_json = f"to_json(struct_pack({pairs}))"
    return f"""
CREATE TEMP TABLE {STAGE} AS
WITH r AS (SELECT row_number() OVER () AS __rn, {raw_cols} FROM read_parquet({quote_literal(str(path))})),
t AS (SELECT *, {', '.join(typed)} FROM r)
SELECT __rn, {', '.join(names)}, CAST({as_json} AS VARCHAR) AS __raw,
       {reason} AS __reason, {first_column} AS __column, {first_value} AS __value
FROM t
"""
