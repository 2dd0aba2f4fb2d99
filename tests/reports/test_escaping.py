"""Reports are published: no text from a file may become markup in them.

Every user-controlled string a report prints (file names, source names from a column map,
partner and product names, basket names, anything derived from them) is replaced here by a
hostile one; the HTML must hold none of them as markup, the Markdown none as HTML, a link,
emphasis or a table-cell break.
"""

from __future__ import annotations

import dataclasses
import re
import shutil

import polars as pl
import pytest

import tradeflows
from tests.conftest import GEORGIA
from tradeflows.reports import build_report, render_html, render_markdown
from tradeflows.reports.render import fenced, markdown_text

HOSTILE = (
    '"><img src=x onerror=alert(1)>',
    "<script>alert(2)</script>",
    "[/] [bold]x[/bold] [excl. 8702](javascript:alert(3)) | *a* _b_ `c`",
    "```\n<iframe src=javascript:alert(4)>",
    "' onmouseover='alert(5)",
)
# What each hostile string would leave in the output if it were printed raw.
# (a quote breaking out of an attribute matters in HTML only: Markdown text makes no tag.)
HTML_MARKUP = re.compile(r"<img src=x|<script>alert|<iframe|onmouseover='alert")
MARKDOWN_MARKUP = re.compile(r"<img src=x|<script>alert|<iframe|(?<!\\)\]\(javascript|(?<!\\)\*a\*")


def hostile(value: str, index: int) -> str:
    return f"{HOSTILE[index % len(HOSTILE)]}{value}"


def poisoned(report):
    """``report`` with every string field and every string column made hostile."""
    changes = {}
    for index, f in enumerate(dataclasses.fields(report)):
        value = getattr(report, f.name)
        if isinstance(value, str):
            changes[f.name] = hostile(value, index)
        elif isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            changes[f.name] = tuple(hostile(v, index + i) for i, v in enumerate(value))
        elif isinstance(value, list):
            changes[f.name] = [
                tuple(hostile(x, index + i) for x in v) if isinstance(v, tuple) else hostile(v, index + i)
                for i, v in enumerate(value)
            ]
        elif isinstance(value, dict):
            changes[f.name] = {hostile(k, index): hostile(v, index + 3) for k, v in value.items()}
        elif isinstance(value, pl.DataFrame) and f.name != "series":
            changes[f.name] = value.with_columns(
                (pl.lit(HOSTILE[i % len(HOSTILE)]) + pl.col(c)).alias(c)
                for i, c in enumerate(value.columns) if value.schema[c] == pl.String
            )  # fmt: skip
    return dataclasses.replace(report, **changes)


def outside_scripts(page: str) -> str:
    """The page without plotly's <script> blocks (its library and figure JSON, checked separately)."""
    return re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.S)


@pytest.fixture(scope="module")
def report(georgia_store):
    return poisoned(build_report(georgia_store, "cars", "GEO"))


def test_html_escapes_every_field(report):
    page = render_html(report)
    assert not HTML_MARKUP.search(outside_scripts(page))
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    # inside the figures' JSON, `<` is written \u003c: a label cannot close the script
    for block in re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.S)[1:]:
        assert "alert(" not in block or "\\u003c" in block


def test_markdown_escapes_every_field(report):
    text = render_markdown(report)
    prose = re.sub(r"^(`{3,})sql\n.*?\n\1$", "", text, flags=re.S | re.M)
    assert not MARKDOWN_MARKUP.search(prose)
    assert "<" not in prose  # the template itself writes no HTML
    # each table row keeps its number of cells: no value breaks out of its cell
    for table in re.findall(r"(?:^\|.*\|\n)+", prose, flags=re.M):
        widths = {len(re.split(r"(?<!\\)\|", row)) for row in table.splitlines()}
        assert len(widths) == 1, table


def test_a_fence_outlasts_backticks_inside_it():
    block = fenced("SELECT '```' AS x", "sql")
    assert block.startswith("````sql\n") and block.endswith("\n````")
    assert markdown_text(block) == str(block)  # printed verbatim


def test_hostile_file_and_source_names_end_to_end(tmp_path):
    """Names that really come from a file: the file's own name and a column map's source name."""
    if not GEORGIA.exists():
        pytest.skip(f"real data not found at {GEORGIA}")
    evil = tmp_path / '"><img src=x onerror=alert(1)>.csv'
    shutil.copy(GEORGIA, evil)
    national = tmp_path / "national.csv"
    national.write_text("year,partner,value\n2022,KAZ,1000\n", encoding="utf-8")
    column_map = tmp_path / "map.toml"
    column_map.write_text(
        '[source]\nname = "<script>alert(2)</script>"\n[columns]\nyear = "year"\npartner = "partner"\n'
        'value_usd = "value"\n[constants]\nreporter = "GEO"\nflow = "X"\nhs = "8703"\nhs_level = 4\n'
        'partner_basis = "destination"\nhs_version = { from_year = "year" }\n',
        encoding="utf-8",
    )
    store = tradeflows.open(tmp_path / "s.duckdb")
    store.ingest([evil])
    store.ingest([national], source=str(column_map))
    report = build_report(store, "cars", "GEO")
    page, text = render_html(report), render_markdown(report)
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;.csv" in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert not HTML_MARKUP.search(outside_scripts(page))
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in text and not MARKDOWN_MARKUP.search(text)
