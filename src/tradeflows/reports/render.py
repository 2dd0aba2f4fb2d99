"""Rendering a ``Report``: plotly charts and jinja2 templates, HTML or Markdown.

The HTML file is self-contained: plotly.js is written into it once, inline, and every
chart has a fixed id, so it opens offline and the same report gives the same bytes.
Markdown has the tables; its charts are in the HTML version (static images would need a
browser-driven exporter at render time).
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from importlib import resources
from pathlib import Path

import jinja2
import markupsafe
import polars as pl

from tradeflows.reports.report import INVASION, Report, ReportFormat, _pct, _times, _usd

# Charts are plotly.js figure specifications (data and layout, as JSON) drawn by the
# plotly.js bundle the page carries: building them through plotly's Python objects cost
# more than a second (its validators import narwhals and pandas) for the same JSON.

COLOURS = {
    "imports from origins": "#1f5fa8", "imports from others": "#9db9dc",
    "exports to targets": "#c0392b", "exports to others": "#f0a8a0",
    "origin": "#1f5fa8", "hub": "#e67e22", "target": "#c0392b", "other": "#9aa5b1",
}  # fmt: skip
_CONFIG = {"displaylogo": False, "responsive": True}
_GRID = {"gridcolor": "#ebf0f8", "zerolinecolor": "#ebf0f8", "linecolor": "#ebf0f8", "automargin": True}
# plotly's "plotly_white" look, the parts these charts use.
_WHITE = {"paper_bgcolor": "white", "plot_bgcolor": "white", "font": {"color": "#2a3f5f"},
          "hoverlabel": {"align": "left"}}  # fmt: skip


def _millions(values: pl.Series) -> list[float]:
    """USD as the charts draw them: millions, two decimals (formatting, not a figure)."""
    return (values / 1e6).round(2).to_list()


def series_figure(report: Report) -> dict:
    """Two panels: the hub's imports (from the origins, from others) and exports (to the targets, to others)."""
    frame = report.series
    monthly = frame["month"].is_not_null().any()
    frame = frame.with_columns(
        period=pl.format("{}-{}", "year", pl.col("month").cast(pl.String).str.zfill(2)) if monthly
        else pl.col("year").cast(pl.String)
    ).sort("period")  # fmt: skip
    data = []
    for row, names in ((1, ("imports from origins", "imports from others")),
                       (2, ("exports to targets", "exports to others"))):  # fmt: skip
        for name in names:
            part = frame.filter(pl.col("series") == name).sort("period")
            data.append({
                "type": "scatter", "x": part["period"].to_list(), "y": _millions(part["value_usd"]),
                "name": _legend(report, name), "mode": "lines" if monthly else "lines+markers",
                "stackgroup": f"s{row}", "line": {"color": COLOURS[name]}, "xaxis": "x" if row == 1 else "x2",
                "yaxis": "y" if row == 1 else "y2",
                "hovertemplate": "%{x}: $%{y:,.1f}m<extra>" + _legend(report, name) + "</extra>",
            })  # fmt: skip
    unit = "USD million" + (" a month" if monthly else " a year")
    titles = (f"{report.hub_name}'s imports of {report.basket}", f"{report.hub_name}'s exports of {report.basket}")
    annotations = [{"text": plot_text(t), "x": 0.5, "xref": "paper", "xanchor": "center", "y": y, "yref": "paper",
                    "yanchor": "bottom", "showarrow": False, "font": {"size": 16}}
                   for t, y in zip(titles, (1.0, 0.44), strict=True)]  # fmt: skip
    shapes = []
    if monthly:
        shapes = [{"type": "line", "x0": INVASION, "x1": INVASION, "xref": x, "y0": 0, "y1": 1, "yref": f"{y} domain",
                   "line": {"dash": "dot", "color": "#555"}} for x, y in (("x", "y"), ("x2", "y2"))]  # fmt: skip
        annotations.append({"text": "Feb 2022: invasion, sanctions", "x": INVASION, "xref": "x", "y": 1.0,
                            "yref": "paper", "xanchor": "left", "showarrow": False,
                            "font": {"size": 11, "color": "#555"}})  # fmt: skip
    layout = {
        **_WHITE, "height": 560, "margin": {"l": 60, "r": 20, "t": 60, "b": 40},
        "legend": {"orientation": "h", "y": -0.08}, "hovermode": "x unified",
        "xaxis": {**_GRID, "anchor": "y", "domain": [0, 1], "matches": "x2", "showticklabels": False},
        "xaxis2": {**_GRID, "anchor": "y2", "domain": [0, 1]},
        "yaxis": {**_GRID, "anchor": "x", "domain": [0.56, 1.0], "title": {"text": unit}},
        "yaxis2": {**_GRID, "anchor": "x2", "domain": [0.0, 0.44], "title": {"text": unit}},
        "annotations": annotations, "shapes": shapes,
    }  # fmt: skip
    return {"data": data, "layout": layout}


def _legend(report: Report, name: str) -> str:
    if name == "imports from origins":
        return plot_text(f"imports from {report.origin_groups.primary if report.origin_groups else 'the origins'}")
    if name == "exports to targets":
        return plot_text(f"exports to {', '.join(report.targets)}")
    return name


def sankey_note(report: Report) -> str:
    """What the Sankey leaves out, in words: the share of the hub's exports to the targets not
    allocated to the origins drawn (``routes.summary.sankey``)."""
    share = report.sankey.outside_share if report.sankey else None
    if share is None:
        return ""
    return (f"Not drawn: {_pct(share, 1)} of {report.hub_name}'s exports to the targets, allocated to origins not drawn "
            "(the targets' own goods coming back, areas not specified, origins outside those drawn).")


def sankey_figure(report: Report) -> dict:
    """Origin groups → hub → targets, band widths and labels the routes' yearly values over the period."""
    assert report.sankey is not None
    bands = report.sankey.bands
    # Nodes keyed by role, so a country that is both an origin and a target is drawn twice.
    ends = list(zip(bands["source_role"], bands["source"], strict=True)) + \
        list(zip(bands["target_role"], bands["target"], strict=True))  # fmt: skip
    nodes = list(dict.fromkeys(sorted(ends, key=lambda n: ("origin", "hub", "target").index(n[0]))))
    index = {n: i for i, n in enumerate(nodes)}
    into = dict(zip(bands["target"], bands["value_per_year"], strict=True))
    out = dict(zip(bands["source"], bands["value_per_year"], strict=True))

    def label(role: str, code: str) -> str:
        if role == "hub":
            return plot_text(report.name(code))
        value = out[code] if role == "origin" else into[code]
        return plot_text(f"{code if role == 'origin' else report.name(code)}: {_usd(value)} a year")

    data = [{
        "type": "sankey", "arrangement": "snap",
        "node": {"label": [label(r, c) for r, c in nodes], "pad": 18, "thickness": 18,
                 "color": [COLOURS["other"] if c == "other origins" else COLOURS[r] for r, c in nodes],
                 "hovertemplate": "%{label}<extra></extra>"},
        "link": {"source": [index[n] for n in zip(bands["source_role"], bands["source"], strict=True)],
                 "target": [index[n] for n in zip(bands["target_role"], bands["target"], strict=True)],
                 "value": _millions(bands["value_per_year"]), "color": "rgba(120,120,120,0.25)",
                 "hovertemplate": "%{source.label} → %{target.label}: $%{value:,.1f}m a year<extra></extra>"},
    }]  # fmt: skip
    layout = {**_WHITE, "height": 480, "margin": {"l": 20, "r": 20, "t": 30, "b": 20},
              "title": {"text": plot_text(f"Allocated routes, USD million a year, {report.period}"),
                        "font": {"size": 14}}}  # fmt: skip
    return {"data": data, "layout": layout}


def _chart(figure: dict, div_id: str) -> markupsafe.Markup:
    """A div and the script that draws ``figure`` in it. In the JSON, ``<``, ``>`` and ``&``
    are written as \\u escapes: no label can close the script or open a tag."""
    def js(value: object) -> str:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

    height = figure["layout"]["height"]
    return markupsafe.Markup(
        f'<div id="{div_id}" class="plotly-graph-div" style="height:{height}px; width:100%;"></div>\n'
        f'<script type="text/javascript">Plotly.newPlot("{div_id}", {js(figure["data"])}, {js(figure["layout"])}, '
        f"{js(_CONFIG)});</script>"
    )


@cache
def plotly_js() -> str:
    """The plotly.js bundle that plotly's Python package carries (its ``get_plotlyjs``), read
    without importing the package's figure machinery."""
    return resources.files("plotly").joinpath("package_data", "plotly.min.js").read_text(encoding="utf-8")


# Every value a template prints is text from the store (file names, source names, country
# and product names): it is escaped for the output's format whatever the template is named.
# HTML: jinja2's autoescape, on for every template. Markdown: `markdown_text` on every
# expression; a fenced block is the one thing printed verbatim (`fenced`).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|])")


def markdown_text(value: object) -> str:
    """``value`` as inert Markdown text: no HTML, link, emphasis, code span or table cell break.

    >>> markdown_text('<img src=x onerror=alert(1)> [a](javascript:x) | *b*')
    '&lt;img src=x onerror=alert(1)&gt; \\\\[a\\\\](javascript:x) \\\\| \\\\*b\\\\*'
    """
    if isinstance(value, markupsafe.Markup):
        return str(value)
    text = "" if value is None else str(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.splitlines()))


def fenced(code: str, language: str = "") -> markupsafe.Markup:
    """``code`` in a Markdown fence longer than any run of backticks inside it, so it cannot close early."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return markupsafe.Markup(f"{fence}{language}\n{code}\n{fence}")


def plot_text(text: str) -> str:
    """Text for a plotly label: plotly reads tags in labels (``<b>``, ``<a href>``), entities it shows as text."""
    return html.escape(text, quote=False)


@jinja2.pass_context
def _name(context: jinja2.runtime.Context, code: str) -> str:
    """Filter ``name``: a country's name as the report being rendered knows it."""
    return context["r"].name(code)


@cache
def _environment(fmt: ReportFormat) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=fmt == "html", finalize=markdown_text if fmt == "md" else None,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )  # fmt: skip
    env.filters.update(usd=_usd, times=_times, pct=_pct, name=_name, fenced=fenced)
    return env


def _context(report: Report) -> dict:
    routes = report.routes.select(
        "rank", "path", "value_per_year", "baseline_per_year", "growth_ratio", "share_of_hub_exports", "flags"
    ).to_dicts()
    bands = report.sankey.bands.to_dicts() if report.sankey else []
    return {"r": report, "routes": routes, "indicators": report.indicators.to_dicts(), "legs": report.legs.to_dicts(),
            "ingests": report.ingests.to_dicts(), "consignment": report.consignment.to_dicts(), "bands": bands,
            "sankey_note": sankey_note(report)}  # fmt: skip


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page."""
    charts = {"series": _chart(series_figure(report), "chart-series"),
              "sankey": _chart(sankey_figure(report), "chart-sankey")}  # fmt: skip
    return _environment("html").get_template("report.html.j2").render(**_context(report), charts=charts,
                                                                       plotlyjs=plotly_js())  # fmt: skip


def render_markdown(report: Report) -> str:
    """The report as Markdown with tables (charts: see the HTML version)."""
    return _environment("md").get_template("report.md.j2").render(**_context(report))


def write_report(report: Report, path: Path | str, *, fmt: ReportFormat = "html") -> Path:
    """Write ``report`` to ``path`` as HTML or Markdown."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = render_html(report) if fmt == "html" else render_markdown(report)
    path.write_text(text, encoding="utf-8")
    return path
