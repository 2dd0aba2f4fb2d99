"""Issue 13: reports compute nothing. Every figure comes from an indicator or a route
function; ``reports/`` holds no SQL and no arithmetic on figures, only formatting.

The modules are read as Python syntax trees: a string that is SQL, a query run, an
aggregation (``.sum(``, ``.mean(``, ``.agg(`` ...) or an arithmetic operator outside the
formatting helpers fails the test, with the line. The scanner is first shown to catch
each kind of violation in a planted snippet, so a pass means something.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import tradeflows.reports

REPORTS = Path(tradeflows.reports.__file__).parent
# Formatting a number for a reader ($1.2m, ×3.4, 45%, millions on a chart axis) is the one
# place an operator may touch a figure.
FORMATTERS = {"_usd", "_times", "_pct", "_millions", "fenced"}
SQL = re.compile(r"\bSELECT\b[\s\S]*\bFROM\b|\bGROUP BY\b|\bJOIN\b|\bINSERT\b|\bCREATE\s+(TEMP\s+)?(TABLE|VIEW)\b")
AGGREGATIONS = {"sum", "mean", "agg", "group_by", "n_unique", "median", "quantile", "cum_sum", "std", "var",
                "pivot", "diff", "pct_change", "rolling_sum", "rolling_mean"}  # fmt: skip
# A query run: .sql() or .execute() on a store, engine or connection, or on SQL text. (An
# indicator module's .sql(scope) returns its text, which a report shows.)
RUNNERS = {"store", "engine", "con", "connection", "snapshot"}
OPERATORS = (ast.Div, ast.FloorDiv, ast.Sub, ast.Mult, ast.Pow, ast.Mod)


def violations(source: str, name: str = "<snippet>") -> list[str]:
    """Each SQL text, query, aggregation or arithmetic on numbers in ``source``, as 'name:line: what'."""
    found = []
    tree = ast.parse(source)
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node

    def in_formatter(node: ast.AST) -> bool:
        while node in parents:
            node = parents[node]
            if isinstance(node, ast.FunctionDef) and node.name in FORMATTERS:
                return True
        return False

    def numeric(node: ast.AST) -> bool:
        return isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value,
                                                                                                          bool)

    def path_join(node: ast.AST) -> bool:  # Path(__file__).parent / "templates"
        return (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)
                and isinstance(node.right, ast.Constant) and isinstance(node.right.value, str))  # fmt: skip

    for node in ast.walk(tree):
        where = f"{name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
            found.append(f"{where}: SQL text {node.value[:40]!r}")
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            receiver = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
            text_arg = bool(node.args) and isinstance(node.args[0], ast.Constant | ast.JoinedStr)
            runs = called in {"sql", "execute"} and (receiver in RUNNERS or text_arg)
            if called in AGGREGATIONS or runs or (isinstance(func, ast.Name) and called in {"sum", "run"}):
                found.append(f"{where}: {called}()")
        elif isinstance(node, ast.BinOp | ast.AugAssign) and not in_formatter(node) and not path_join(node):
            op = node.op
            if isinstance(op, OPERATORS) or (isinstance(op, ast.Add) and isinstance(node, ast.BinOp)
                                              and (numeric(node.left) or numeric(node.right))):  # fmt: skip
                found.append(f"{where}: {type(op).__name__}")
    return found


@pytest.mark.parametrize(
    "snippet",
    [
        "q = 'SELECT year, SUM(value_usd) FROM annual GROUP BY year'",
        "frame = store.sql(query)",
        "frame = engine.sql(text)",
        "frame = con.execute('SELECT 1')",
        "total = legs['value_usd'].sum()",
        "by = routes.group_by('origin').agg(pl.col('value_usd'))",
        "share = after / before",
        "x = pl.col('a') - pl.col('b')",
        "divisor = 1 + margin",
        "total = sum(values)",
        "text = f'{100 * share:.0f}%'",
    ],
)
def test_the_scanner_catches_each_kind(snippet):
    assert violations(snippet), snippet


def test_the_scanner_lets_formatting_and_text_through():
    ok = '''
def _usd(value):
    return f"${value / 1e6:,.1f}m"

def lead(profile, growth, scope):
    shown = growth.sql(scope)  # an indicator's SQL text, shown in the report
    folder = Path(__file__).parent / "templates"
    text = "Georgia's exports" + " rose"
    text += f" to {_usd(profile['after'])} a year"
    return ", ".join(["a", "b"]) + "."
'''
    assert violations(ok) == []


@pytest.mark.parametrize("module", sorted(REPORTS.glob("*.py")), ids=lambda p: p.name)
def test_reports_hold_no_sql_and_no_arithmetic(module: Path):
    assert violations(module.read_text(encoding="utf-8"), module.name) == []


@pytest.mark.parametrize("template", sorted((REPORTS / "templates").glob("*.j2")), ids=lambda p: p.name)
def test_templates_compute_nothing(template: Path):
    """A template formats values: no operator between two of them, no SQL."""
    text = template.read_text(encoding="utf-8")
    expressions = re.findall(r"{{(.*?)}}|{%(.*?)%}", text, flags=re.S)
    arithmetic = [e for pair in expressions for e in pair if re.search(r"[\w)\]]\s*[-*/]\s*[\w(]", e)]
    assert arithmetic == [] and not SQL.search(re.sub(r"<script.*?</script>", "", text, flags=re.S))
