"""The benchmark suite runs: every benchmark once at 1M rows, timing off (CI keeps the
full measured run out of the test run; ``benchmarks/README.md`` has the command)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SMOKE_ROWS = 1_000_000


@pytest.mark.slow
def test_every_benchmark_runs_once_at_1m_rows(tmp_path: Path) -> None:
    env = {**os.environ, "TRADEFLOWS_BENCH_DATA": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "benchmarks", "--rows", str(SMOKE_ROWS), "--benchmark-disable", "-q", "-s",
         "-W", "ignore::pytest_benchmark.logger.PytestBenchmarkWarning"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout, done.stdout[-2000:]
    for job in ("ingest BACI CSV", "ingest BACI Parquet", "indicator suite", "routes", "sql"):
        assert f"[bench] {job}" in done.stdout, f"{job} did not report"
