"""DuckDB SQL as Spark SQL: the one place where the store's definitions are translated.

Views, indicators and route legs are written once, in DuckDB's dialect, with portable
constructs; sqlglot translates them. Where sqlglot's translation would change a result,
a rule here keeps DuckDB's meaning:

- ``PERCENTILE_CONT(q) WITHIN GROUP (ORDER BY x)`` becomes Spark's exact ``PERCENTILE(x, q)``
  (sqlglot writes ``PERCENTILE_APPROX``, which is an estimate);
- ``a / b`` becomes ``TRY_DIVIDE(a, b)``: DuckDB gives NULL for a division by zero, Spark
  (ANSI mode, its default since 4.0) raises;
- ``list(x ORDER BY x)`` becomes a sorted ``COLLECT_LIST``, NULL over no rows as in DuckDB.

A construct sqlglot cannot translate raises ``QueryError`` naming it: the fix is to write
the definition portably, never to keep a second copy for Spark.

>>> to_spark("SELECT CAST(x AS VARCHAR) AS x, a / b AS r FROM t")
'SELECT CAST(x AS STRING) AS x, TRY_DIVIDE(a, b) AS r FROM t'
>>> to_spark("SELECT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY v) AS m FROM t")
'SELECT PERCENTILE(v, 0.5) AS m FROM t'
>>> to_spark("SELECT list(DISTINCT m ORDER BY m) AS ms FROM t")  # doctest: +ELLIPSIS
'SELECT CASE WHEN SIZE(ARRAY_SORT(COLLECT_LIST(DISTINCT m))) = 0 THEN NULL ELSE ARRAY_SORT(...) END AS ms FROM t'
>>> view_to_spark("CREATE OR REPLACE VIEW annual AS SELECT 1 AS one")
('annual', 'SELECT 1 AS one')
"""

from __future__ import annotations

from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, UnsupportedError

from tradeflows.errors import QueryError

READ, WRITE = "duckdb", "spark"


def _exact_percentile(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.WithinGroup) and isinstance(node.this, exp.PercentileCont):
        order = node.expression
        keys = order.expressions if isinstance(order, exp.Order) else []
        if len(keys) != 1 or keys[0].args.get("desc"):
            raise QueryError(f"Cannot translate {node.sql(READ)!r} to Spark: expected ORDER BY one column, ascending")
        return exp.Anonymous(this="PERCENTILE", expressions=[keys[0].this, node.this.this])
    return node


def _null_on_zero(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Div):
        return exp.Anonymous(this="TRY_DIVIDE", expressions=[node.this, node.expression])
    return node


def _lists_as_duckdb(tree: exp.Expression) -> exp.Expression:
    """``list(x ORDER BY x)`` keeps its order and is NULL over no rows, as in DuckDB
    (Spark's COLLECT_LIST has no order and gives an empty array)."""
    for agg in list(tree.find_all(exp.ArrayAgg)):
        unit = agg.parent if isinstance(agg.parent, exp.Filter) else agg
        inner, sort = agg.this, False
        if isinstance(inner, exp.Order):
            keys, inner = inner.expressions, inner.this
            value = inner.expressions[0] if isinstance(inner, exp.Distinct) else inner
            if len(keys) != 1 or keys[0].args.get("desc") or keys[0].this != value:
                raise QueryError(f"Cannot translate {unit.sql(READ)!r} to Spark: a list sorts by its own values only")
            agg.set("this", inner)
            sort = True
        collected = unit.copy()
        if sort:
            collected = exp.Anonymous(this="ARRAY_SORT", expressions=[collected])
        unit.replace(exp.Case(ifs=[exp.If(this=exp.EQ(this=exp.Anonymous(this="SIZE", expressions=[collected.copy()]),
                                                       expression=exp.Literal.number(0)), true=exp.Null())],
                              default=collected))
    return tree


def _translate(tree: exp.Expression) -> str:
    tree = _lists_as_duckdb(tree.transform(_exact_percentile).transform(_null_on_zero))
    try:
        return tree.sql(WRITE, unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as exc:
        raise QueryError(
            f"Cannot translate to Spark SQL: {exc}. Write the definition with portable constructs "
            "(see tradeflows.engines.transpile) rather than a Spark copy."
        ) from None


def _parse(sql: str) -> exp.Expression:
    try:
        statements = [s for s in sqlglot.parse(sql, read=READ) if s is not None]
    except ParseError as exc:
        raise QueryError(f"Cannot read the SQL as DuckDB's dialect to translate it: {exc}") from None
    if len(statements) != 1:
        raise QueryError(f"Expected one SQL statement to translate, got {len(statements)}")
    return statements[0]


@lru_cache(maxsize=512)
def to_spark(sql: str) -> str:
    """One DuckDB query as Spark SQL."""
    return _translate(_parse(sql))


@lru_cache(maxsize=64)
def view_to_spark(sql: str) -> tuple[str, str]:
    """``CREATE [OR REPLACE] VIEW name AS query`` in DuckDB's dialect -> (name, the query in Spark's)."""
    tree = _parse(sql)
    if not (isinstance(tree, exp.Create) and str(tree.args.get("kind", "")).upper() == "VIEW"):
        raise QueryError(f"Expected CREATE VIEW ... AS SELECT ..., got: {sql.strip()[:80]!r}")
    return tree.this.name, _translate(tree.expression)


def tables_in(sql: str, *, dialect: str = WRITE) -> list[str]:
    """Names of the tables and views ``sql`` reads (CTE names excluded).

    >>> tables_in("WITH t AS (SELECT * FROM annual) SELECT * FROM t JOIN countries c ON TRUE")
    ['annual', 'countries']
    """
    tree = sqlglot.parse_one(sql, read=dialect)
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    names = (table.name for table in tree.find_all(exp.Table))
    return sorted({n for n in names if n and n not in ctes})


def split_ctes(sql: str, prefix: str) -> tuple[list[tuple[str, str, int]], str] | None:
    """A Spark query's CTEs as separate statements: ([(name, query, uses)], the main query).

    Each CTE becomes ``prefix + name`` (references renamed, aliased back to the CTE's name),
    so the caller can compute one used several times once: Spark evaluates a CTE again at
    every reference. None when the query has no top-level CTEs, or nested ones (their names
    could shadow each other).

    >>> ctes, main = split_ctes("WITH a AS (SELECT 1 AS x) SELECT * FROM a JOIN a AS b ON TRUE", "q_")
    >>> ctes, main
    ([('q_a', 'SELECT 1 AS x', 2)], 'SELECT * FROM q_a AS a JOIN q_a AS b ON TRUE')
    """
    tree = sqlglot.parse_one(sql, read=WRITE)
    with_ = tree.args.get("with_") or tree.args.get("with")
    if with_ is None or with_.args.get("recursive") or sum(1 for _ in tree.find_all(exp.With)) > 1:
        return None
    names = {cte.alias_or_name: prefix + cte.alias_or_name for cte in with_.expressions}
    uses = dict.fromkeys(names, 0)
    for table in list(tree.find_all(exp.Table)):
        if table.name in names and not table.args.get("db"):
            uses[table.name] += 1
            alias = table.alias or table.name
            table.set("this", exp.to_identifier(names[table.name]))
            table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    ctes = [(names[c.alias_or_name], c.this.sql(WRITE), uses[c.alias_or_name]) for c in with_.expressions]
    tree.set("with_" if "with_" in tree.args else "with", None)
    return ctes, tree.sql(WRITE)
