"""The Georgia report opened in a real headless Chromium: the charts render, nothing errs.

Needs Debian's `chromium` package (`apt-get install -y chromium`); skipped without it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tradeflows.reports import build_report, write_report
from tradeflows.reports.render import COLOURS

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="headless Chromium not installed (Debian: apt-get install -y chromium)"
    ),
]


def chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    """Run headless Chromium on a local file, offline, with console messages logged to stderr."""
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
        "--disable-dev-shm-usage",  # containers often have a small /dev/shm
        f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000",
        *args, page.as_uri(),
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


@pytest.fixture(scope="module")
def page(georgia_store, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("browser")
    return write_report(build_report(georgia_store, "cars", "GEO"), folder / "report.html")


def test_charts_render_without_console_errors(page, tmp_path):
    run = chromium(page, tmp_path / "profile", "--dump-dom")
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    assert not [line for line in console if re.search(r"error|uncaught|fail", line, re.I)], console
    dom = run.stdout
    # plotly turned both divs into plots with their SVG: two areas of series, one Sankey with its nodes
    assert len(re.findall(r'class="[^"]*js-plotly-plot', dom)) == 2
    assert dom.count('class="main-svg"') >= 4
    assert dom.count('class="scatterlayer') >= 1 and dom.count('class="sankey-node') >= 8
    assert "Kazakhstan" in dom and "USA → GEO → KAZ" in dom


def _hex(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def test_screenshot_is_not_blank(page, tmp_path):
    image_module = pytest.importorskip("PIL.Image")
    shot = tmp_path / "report.png"
    chromium(page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,2400")
    pixels = np.asarray(image_module.open(shot).convert("RGB")).reshape(-1, 3).astype(int)
    non_white = (pixels != 255).any(axis=1).mean()
    colours = np.unique(pixels[:, 0] << 16 | pixels[:, 1] << 8 | pixels[:, 2])
    assert non_white > 0.1 and colours.size > 500

    def painted(colour: str, tolerance: int = 30) -> int:
        return int((np.abs(pixels - np.array(_hex(colour))) <= tolerance).all(axis=1).sum())

    # The hub's orange Sankey node and the series' blue and red areas exist only if plotly drew them.
    assert painted(COLOURS["hub"]) > 1000
    assert painted(COLOURS["imports from origins"]) > 2000 and painted(COLOURS["exports to targets"]) > 2000
