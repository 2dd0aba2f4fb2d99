"""Rendering a ``Report``: plotly charts and jinja2 templates, HTML or Markdown.

The HTML file is self-contained: plotly.js is written into it once, inline, and every
chart has a fixed id, so it opens offline and the same report gives the same bytes.
Markdown has the tables; its charts are in the HTML version (static images would need a
browser-driven exporter at render time).
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import markupsafe
import polars as pl

from tradeflows.reports.report import INVASION, Report, ReportFormat, _pct, _times, _usd

if TYPE_CHECKING:
    import plotly.graph_objects as go

# plotly is imported where a chart is drawn: it costs a fifth of a second, which every
# other command (and `import tradeflows`) would otherwise pay at start-up.

COLOURS = {
    "imports from origins": "#1f5fa8", "imports from others": "#9db9dc",
    "exports to targets": "#c0392b", "exports to others": "#f0a8a0",
    "origin": "#1f5fa8", "hub": "#e67e22", "target": "#c0392b", "other": "#9aa5b1",
}  # fmt: skip
_CONFIG = {"displaylogo": False, "responsive": True}


def series_figure(report: Report) -> go.Figure:
    """Two panels: the hub's imports (from the origins, from others) and exports (to the targets, to others)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    frame = report.series
    monthly = frame["month"].is_not_null().any()
    frame = frame.with_columns(
        period=pl.format("{}-{}", "year", pl.col("month").cast(pl.String).str.zfill(2)) if monthly
        else pl.col("year").cast(pl.String)
    ).sort("period")  # fmt: skip
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                        subplot_titles=(plot_text(f"{report.hub_name}'s imports of {report.basket}"),
                                        plot_text(f"{report.hub_name}'s exports of {report.basket}")))  # fmt: skip
    for row, names in (
        (1, ("imports from origins", "imports from others")),
        (2, ("exports to targets", "exports to others")),
    ):
        for name in names:
            part = frame.filter(pl.col("series") == name).sort("period")
            fig.add_trace(go.Scatter(
                x=part["period"].to_list(), y=_millions(part["value_usd"]).to_list(), name=_legend(report, name),
                mode="lines+markers" if not monthly else "lines", stackgroup=f"s{row}", line={"color": COLOURS[name]},
                hovertemplate="%{x}: $%{y:,.1f}m<extra>" + _legend(report, name) + "</extra>",
            ), row=row, col=1)  # fmt: skip
    if monthly:
        for row in (1, 2):
            fig.add_vline(x=INVASION, line={"dash": "dot", "color": "#555"}, row=row, col=1)
        fig.add_annotation(x=INVASION, y=1.0, yref="paper", text="Feb 2022: invasion, sanctions", showarrow=False,
                           xanchor="left", font={"size": 11, "color": "#555"})  # fmt: skip
    fig.update_yaxes(title_text="USD million" + (" a month" if monthly else " a year"))
    fig.update_layout(template="plotly_white", height=560, margin={"l": 60, "r": 20, "t": 60, "b": 40},
                      legend={"orientation": "h", "y": -0.08}, hovermode="x unified")  # fmt: skip
    return fig


def _legend(report: Report, name: str) -> str:
    if name == "imports from origins":
        return plot_text(f"imports from {report.origins_label}")
    if name == "exports to targets":
        return plot_text(f"exports to {', '.join(report.targets)}")
    return name


def _millions(values: pl.Series | pl.Expr) -> pl.Series | pl.Expr:
    """USD as the charts draw them: millions, two decimals (formatting, not a figure)."""
    return (values / 1e6).round(2)


def sankey_note(report: Report) -> str:
    """What the Sankey leaves out, in words: the share of the hub's exports to the targets not
    allocated to the origins drawn (``routes.summary.sankey``)."""
    share = report.sankey.outside_share if report.sankey else None
    if share is None:
        return ""
    return (f"Not drawn: {_pct(share, 1)} of {report.hub_name}'s exports to the targets, allocated to other origins "
            "(the targets' own goods coming back, areas not specified, origins outside those drawn).")


def sankey_figure(report: Report) -> go.Figure:
    """Origin groups → hub → targets, band widths and labels the routes' yearly values over the period."""
    import plotly.graph_objects as go

    assert report.sankey is not None
    bands = report.sankey.bands
    # Nodes keyed by role, so a country that is both an origin and a target is drawn twice.
    ends = [(r, c) for r, c in zip(bands["source_role"], bands["source"], strict=True)] + \
        [(r, c) for r, c in zip(bands["target_role"], bands["target"], strict=True)]  # fmt: skip
    nodes = list(dict.fromkeys(sorted(ends, key=lambda n: ("origin", "hub", "target").index(n[0]))))
    index = {n: i for i, n in enumerate(nodes)}
    into = dict(zip(bands["target"], bands["value_per_year"], strict=True))
    out = dict(zip(bands["source"], bands["value_per_year"], strict=True))

    def label(role: str, code: str) -> str:
        if role == "hub":
            return plot_text(report.name(code))
        value = out[code] if role == "origin" else into[code]
        return plot_text(f"{code if role == 'origin' else report.name(code)}: {_usd(value)} a year")

    labels = [label(role, code) for role, code in nodes]
    colours = [COLOURS["other"] if code == "other origins" else COLOURS[role] for role, code in nodes]
    source = [index[n] for n in zip(bands["source_role"], bands["source"], strict=True)]
    target = [index[n] for n in zip(bands["target_role"], bands["target"], strict=True)]
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node={"label": labels, "color": colours, "pad": 18, "thickness": 18,
              "hovertemplate": "%{label}<extra></extra>"},
        link={"source": source, "target": target, "value": _millions(bands["value_per_year"]).to_list(),
              "color": "rgba(120,120,120,0.25)",
              "hovertemplate": "%{source.label} → %{target.label}: $%{value:,.1f}m a year<extra></extra>"},
    ))  # fmt: skip
    fig.update_layout(template="plotly_white", height=480, margin={"l": 20, "r": 20, "t": 30, "b": 20},
                      title={"text": plot_text(f"Allocated routes, USD million a year, {report.period}"),
                             "font": {"size": 14}})  # fmt: skip
    return fig


def _chart(fig: go.Figure, div_id: str) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=_CONFIG)


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
    from plotly.offline import get_plotlyjs

    charts = {"series": _chart(series_figure(report), "chart-series"),
              "sankey": _chart(sankey_figure(report), "chart-sankey")}  # fmt: skip
    return (
        _environment("html").get_template("report.html.j2").render(**_context(report), charts=charts, plotlyjs=get_plotlyjs())
    )


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
