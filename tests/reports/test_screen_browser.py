"""The screen's page on the shared data, opened in a real headless Chromium: it renders, nothing
errs, the leads are there with their links. Skipped without Chromium."""

from __future__ import annotations

import re

import pytest

from tests.reports.test_browser import CHROMIUM, chromium
from tradeflows.reports.screen_page import write_screen
from tradeflows.screen import screen

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (Debian: apt-get install -y chromium)"),
]


def test_screen_page_renders_the_leads(real_store, tmp_path):
    page = write_screen(screen(real_store), tmp_path / "screen.html")
    run = chromium(page, tmp_path / "profile", "--dump-dom")
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    assert not [line for line in console if re.search(r"error|uncaught|fail", line, re.I)], console
    dom = run.stdout
    assert dom.count('<tr class="lead">') == 8 and dom.count('<tr class="other">') == 1
    assert "ARM → RUS" in dom and "GEO → KAZ" in dom and 'href="reports/GEO-cars.html"' in dom
    assert "tradeflows report --basket cars --hub ARM" in dom
