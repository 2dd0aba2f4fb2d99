"""The screen as one self-contained HTML page: a table of leads, each linking its route report.

Every string from the data (codes, basket names, reasons, commands) is escaped by jinja2's
autoescape, on for this template whatever its name.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from tradeflows.reports.report import _usd
from tradeflows.screen import STRENGTHS, Screen


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)  # fmt: skip
    env.filters["usd"] = _usd
    return env


def render_screen(result: Screen) -> str:
    """The screen's leads as an HTML page (no script, no external resource)."""
    leads = result.leads.to_dicts()
    strengths = "; ".join(f"{name} ({how}, weight {weight:g})" for name, (how, weight) in STRENGTHS.items())
    return _environment().get_template("screen.html.j2").render(
        s=result, leads=leads, n_leads=len([r for r in leads if r["lead"]]), strengths=strengths,
        min_ratio=result.min_ratio, min_usd=_usd(result.min_usd))  # fmt: skip


def write_screen(result: Screen, path: Path | str) -> Path:
    """Write the screen's HTML page to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_screen(result), encoding="utf-8")
    return path
