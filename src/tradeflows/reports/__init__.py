"""Reports an analyst can publish: self-contained HTML (charts inline) and Markdown."""

from tradeflows.reports.render import render_html, render_markdown, write_report
from tradeflows.reports.report import Report, build_report, default_targets

__all__ = ["Report", "build_report", "default_targets", "render_html", "render_markdown", "write_report"]
