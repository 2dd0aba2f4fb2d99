"""The staging query: a file's every line staged as text, cleaned, parsed and checked, each
row with the reason it fails, if any (``plan.Plan`` rendered for the stage).

It is the load that accounts for everything: a row failing a check, a malformed line
(DuckDB's rejects), a repeated record, a cut-off last line, a wide file (one line, several
figures), rows that are no figure of their own. The loader copies the staged rows that pass
into the store and quarantines the others with their lines (``store/loader.py``).

The query has these steps, one CTE each:
  ``r`` the raw text, numbered in file order;
  ``c`` each field's raw value cleaned (trimmed, NA-like tokens to NULL), and
        country codes looked up;
  ``p`` each canonical column parsed; the final SELECT adds the checks.
"""

from __future__ import annotations

from collections.abc import Callable

from tradeflows.sources.base import Unpivot
from tradeflows.store.plan import Check, Plan, _clean, _raw, final_columns, quote_ident, quote_literal, read_csv_sql
from tradeflows.store.textfile import TextFile

STAGE = "__stage"


def _cleaned(plan: Plan) -> list[str]:
    """Step c0: each raw alias from the text of its column (and SQL fields, factors)."""
    out = [f"({sql}) AS {_raw(name)}" for name, sql in plan.expressions.items()]
    for name, f in plan.read.items():
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
        out.append(f"{cleaned} AS {_raw(name)}")
        if f.factor_sql is not None:
            out.append(f"({f.factor_sql}) AS {quote_ident(f'__factor__{name}')}")
    return out


def stage_sql(plan: Plan, file: TextFile, *, reject_table: str, reject_scan: str) -> str:
    """The CREATE TABLE statement that stages ``file`` under ``plan``."""
    spec, header = plan.spec, plan.header
    clean_cols = _cleaned(plan)
    # Rows that are no figure of their own (a year's total beside its months): quarantined
    # with that reason alone (their other columns need not parse).
    excluded: list[Check] = []
    for i, (column, reasons) in enumerate(spec.exclude.items()):
        if column not in header:
            continue
        raw = quote_ident(f"__exclude__{i}")
        clean_cols.append(f"{_clean('r.' + quote_ident(column))} AS {raw}")
        for value, why in reasons.items():
            excluded.append(Check(f"{raw} = {quote_literal(value)}", column, raw,
                                  quote_literal(f"{column}: {value!r} is no figure of its own: {why}")))  # fmt: skip
    checks = [*excluded, *plan.checks]
    description = (
        f"{_clean('r.' + quote_ident(spec.description_column))} AS __description"
        if spec.description_column and spec.description_column in header
        else "CAST(NULL AS VARCHAR) AS __description"
    )

    def first(part: Callable[[Check], str]) -> str:
        """SQL for ``part`` of the first check that fails."""
        return "coalesce(" + ", ".join(f"CASE WHEN {c.condition} THEN {part(c)} END" for c in checks) + ", NULL)"

    reasons = ", ".join(f"CASE WHEN {c.condition} THEN {c.message} END" for c in checks)
    reason = f"NULLIF(concat_ws('; ', {reasons}), '')"
    if excluded:
        reason = f"coalesce({first(lambda c: c.message if c in excluded else 'NULL')}, {reason})"
    blame_col = first(plan.blame)
    blame_val = first(lambda c: c.value)

    final = final_columns()
    # hs is padded to hs_level, so it is parsed one step after the other columns.
    p0_select = ", ".join(f"{plan.parsed[name]} AS {name}" for name in final if name != "hs")
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
c AS (SELECT c0.*{''.join(', ' + x for x in plan.lookups)} FROM c0 {' '.join(plan.joins)}),
p0 AS (SELECT c.*, {p0_select} FROM c),
p AS (SELECT p0.*, {plan.parsed['hs']} AS hs FROM p0),
q AS (SELECT __rn, __vi, __rn + 1 AS line, {', '.join(final.values())}, __description,
       {reason} AS __reason, {blame_col} AS __column, {blame_val} AS __value
FROM p)
{final_select}
"""


def _unpivot_rows(unpivot: Unpivot, reads: str, absent: str) -> str:
    """The ``r`` step for a wide file: each line once per value column, numbered by line."""
    columns = list(unpivot.columns)
    variants = ", ".join(f"({i}, {quote_literal(c)})" for i, c in enumerate(columns))
    value = "CASE u.__vi " + " ".join(f"WHEN {i} THEN r0.{quote_ident(c)}" for i, c in enumerate(columns)) + " END"
    return (
        f"r0 AS (SELECT row_number() OVER () AS __rn, *{absent} FROM {reads}), "
        f"r AS (SELECT r0.*, u.__vi, u.__variant AS {quote_ident(Unpivot.VARIANT)}, "
        f"{value} AS {quote_ident(Unpivot.VALUE)} "
        f"FROM r0 CROSS JOIN (VALUES {variants}) AS u(__vi, __variant))"
    )
