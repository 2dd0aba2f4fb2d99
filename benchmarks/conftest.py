"""Benchmark fixtures: a synthetic world at BACI scale, generated once per session from a fixed seed.

``--rows N`` (or ``TRADEFLOWS_BENCH_ROWS``) is the size of the BACI file: N rows of
exporter-reported HS6 flows over 2019-2023 (one year of real BACI is about 10 million
rows). The analytical store holds the same world with both sides reported (exports and
mirror imports), so about 2N rows. ``--rows 1000000,10000000`` runs every benchmark at
both sizes and prints how the cost grows. The 50M-row multi-year case runs only with
``--run-50m``.

Each benchmark times our job with pytest-benchmark and its baselines (DuckDB's own
``read_csv`` into a table, a plain pandas implementation) in the same run, records the
ratios in ``RESULTS``, and the terminal summary prints them (``-s`` also shows them as
they come).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

import pytest
from bench import RESULTS, ROWS_50M, BenchData, build, label, machine


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tradeflows benchmarks")
    group.addoption("--rows", default=os.environ.get("TRADEFLOWS_BENCH_ROWS", "1000000"),
                    help="BACI file rows, comma-separated for several sizes (default 1000000)")  # fmt: skip
    group.addoption("--run-50m", action="store_true", help="also run the 50M-row multi-year case")
    group.addoption("--bench-data", default=os.environ.get("TRADEFLOWS_BENCH_DATA"),
                    help="folder to keep generated data between runs (default: a temporary folder)")  # fmt: skip
    group.addoption("--bench-json", default=None, help="write the figures and ratios to this JSON file")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # pyproject's addopts skip benchmarks in the test run; this folder exists to run them.
    config.option.benchmark_skip = False
    config.addinivalue_line("markers", "rows50m: the 50M-row multi-year case (run with --run-50m)")


def sizes(config: pytest.Config) -> list[int]:
    return [int(float(s)) for s in str(config.getoption("--rows")).split(",") if s.strip()]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "rows" in metafunc.fixturenames:
        values = [pytest.param(n, id=label(n)) for n in sizes(metafunc.config)]
        values.append(pytest.param(ROWS_50M, id="50M", marks=pytest.mark.rows50m))
        metafunc.parametrize("rows", values, scope="session")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-50m"):
        return
    skip = pytest.mark.skip(reason="the 50M-row case runs with --run-50m")
    for item in items:
        if "rows50m" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def data(rows: int, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> BenchData:
    keep = request.config.getoption("--bench-data")
    folder = Path(keep) if keep else tmp_path_factory.mktemp("bench")
    return build(rows, folder)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    if not RESULTS:
        return
    write = terminalreporter.write_line
    write("")
    write(f"tradeflows benchmarks - {machine()}")
    write("| job | rows | ours (s) | baselines (s) | ratios | peak RSS |")
    write("|---|---|---|---|---|---|")
    for r in RESULTS:
        base = ", ".join(f"{k} {v:.3f}" if v is not None else f"{k} -" for k, v in r.baselines.items())
        verdicts = "; ".join(f"{k}: {v}" for k, v in r.verdicts().items())
        rss = f"{r.peak_rss_gb:.2f} GB" if r.peak_rss_gb is not None else ""
        write(f"| {r.job} | {label(r.rows)} | {r.seconds:.3f} | {base} | {verdicts} | {rss} |")
    by_job: dict[str, dict[int, float]] = {}
    for r in RESULTS:
        by_job.setdefault(r.job, {})[r.rows] = r.seconds
    growth = [(job, t) for job, t in by_job.items() if len(t) > 1]
    if growth:
        write("")
        write("| job | cost growth | per-row time ratio (1 = linear) |")
        write("|---|---|---|")
        for job, times in growth:
            (n0, t0), (n1, t1) = min(times.items()), max(times.items())
            write(f"| {job} | {label(n0)} -> {label(n1)}: {t1 / t0:.1f}x for {n1 / n0:g}x rows | "
                  f"{(t1 / n1) / (t0 / n0):.2f} |")  # fmt: skip
    out = config.getoption("--bench-json")
    if out:
        Path(out).write_text(json.dumps({"machine": machine(), "results": [asdict(r) for r in RESULTS]}, indent=1))
