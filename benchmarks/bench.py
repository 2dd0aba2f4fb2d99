"""What the benchmarks share: the generated data, the timing helpers and the results table."""

from __future__ import annotations

import importlib
import json
import multiprocessing
import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tradeflows.store import Store, open_store
from tradeflows.synthetic import WorldConfig, generate_world, write_baci_csv, write_parquet

SEED = 20240101
YEARS = (2019, 2020, 2021, 2022, 2023)  # baseline 2019-2021, after 2022-2023
BASELINE, AFTER = "2019-2021", "2022-2023"
ROWS_50M = 50_000_000
# The issues' targets: a BACI file's ingest at most 2x DuckDB's read_csv (issue 16; 1.5x the aim),
# a monthly Comtrade-layout file's at most 3x; analytics at least 5x faster than pandas.
INGEST_MAX_VS_DUCKDB = 2.0
COMTRADE_MAX_VS_DUCKDB = 3.0
ANALYTICS_MIN_VS_PANDAS = 5.0
INGEST_MAX_RSS_GB = 2.0


def label(n: int) -> str:
    return f"{n / 1e6:g}M" if n >= 1_000_000 else f"{n / 1e3:g}k"


# -- data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchData:
    """The files and store of one size."""

    rows: int
    baci_csv: Path  # BACI layout t,i,j,k,v,q with Comtrade country codes, as CEPII writes it
    baci_parquet: Path  # the same rows as Parquet
    canonical: Path  # both sides of the world, canonical schema (the analytical store's content)
    store: Path  # a store holding ``canonical``
    baci_rows: int
    store_rows: int


def _worlds(rows: int) -> list[WorldConfig]:
    """World configs whose exports make about ``rows`` BACI rows (one world holds at most 50M rows)."""
    if rows < ROWS_50M:
        return [WorldConfig(years=YEARS, target_rows=2 * rows, seed=SEED)]
    # Multi-year: two worlds of 25M export rows, 2010-2014 (its sanctions in 2014, as Crimea's) and 2019-2023.
    return [WorldConfig(years=tuple(range(2010, 2015)), target_rows=ROWS_50M, seed=SEED, sanction_year=2014),
            WorldConfig(years=YEARS, target_rows=ROWS_50M, seed=SEED + 1)]  # fmt: skip


def _iter_flows(configs: list[WorldConfig]):
    for config in configs:
        yield from generate_world(config).iter_flows()


def build(rows: int, folder: Path) -> BenchData:
    folder.mkdir(parents=True, exist_ok=True)
    years = [y for config in _worlds(rows) for y in config.years]
    name = f"BACI_HS17_Y{min(years)}-{max(years)}_bench{rows}_seed{SEED}"
    csv, parquet = folder / f"{name}.csv", folder / f"{name}.parquet"
    canonical, store_path = folder / f"canonical_{rows}.parquet", folder / f"store_{rows}.duckdb"
    done = folder / f"ready_{rows}.json"
    if done.exists():
        data = BenchData(**{k: Path(v) if k not in ("rows", "baci_rows", "store_rows") else v
                            for k, v in json.loads(done.read_text()).items()})  # fmt: skip
        Store(data.store).initialise()  # the views as the code now defines them
        return data
    started = time.perf_counter()
    configs = _worlds(rows)
    # BACI's real files carry Comtrade's own country numbers (842 USA, 251 France), as the reader expects.
    write_baci_csv(_iter_flows(configs), csv, codes="comtrade")
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT * FROM read_csv('{csv}')) TO '{parquet}' (FORMAT parquet)")
        baci_rows = con.execute(f"SELECT count(*) FROM '{parquet}'").fetchall()[0][0]
    write_parquet(_iter_flows(configs), canonical)
    store_path.unlink(missing_ok=True)
    report = open_store(store_path).ingest([canonical])
    assert report.rows_quarantined == 0, report.as_frame()
    data = BenchData(rows, csv, parquet, canonical, store_path, baci_rows, report.rows_kept)
    done.write_text(json.dumps({k: str(v) if isinstance(v, Path) else v for k, v in asdict(data).items()}))
    print(f"\n[bench data] {rows:,} rows generated in {time.perf_counter() - started:.0f} s under {folder}")
    return data


# -- measuring -------------------------------------------------------------------------


def best_of(fn: Callable[[], object], *, rounds: int, setup: Callable[[], object] | None = None) -> float:
    """The fastest of ``rounds`` runs of ``fn`` (after ``setup``), in seconds: the least disturbed by other load."""
    times = []
    for _ in range(rounds):
        if setup:
            setup()
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def _pandas_child(conn, module: str, name: str, args: tuple, rounds: int) -> None:
    import pandas as pd

    pd.set_option("mode.copy_on_write", True)  # pandas 3's default; quiets chained-assignment warnings
    fn = getattr(importlib.import_module(module), name)
    out: list = []
    seconds = best_of(lambda: out.append(fn(*args)), rounds=rounds)
    conn.send((seconds, out[-1]))


def pandas_baseline(fn: Callable[..., object], *args: object, rounds: int) -> tuple[float | None, object]:
    """``best_of`` the pandas job ``fn(*args)`` in a process of its own: (seconds, its last result),
    or (None, why) when that process died, as it does when pandas runs out of memory (the 50M
    case's store holds 100M rows). Timed inside the process, so starting it costs pandas nothing."""
    context = multiprocessing.get_context("spawn")  # a fork would inherit DuckDB's and polars' threads
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_pandas_child, args=(send, fn.__module__, fn.__name__, args, rounds))
    child.start()
    send.close()
    try:
        seconds, result = receive.recv()
    except EOFError:
        child.join()
        return None, f"pandas did not finish: its process ended with code {child.exitcode} (out of memory?)"
    child.join()
    return seconds, result


def rounds_for(config: pytest.Config, rows: int) -> int:
    if config.getoption("benchmark_disable", default=False):
        return 1
    return 3 if rows <= 1_000_000 else 1


def measured(benchmark, fn: Callable[[], object], *, rounds: int, setup: Callable[[], object] | None = None) -> float:
    """Time ``fn`` with pytest-benchmark (``setup`` before each round, untimed); the fastest round in seconds."""
    if getattr(benchmark, "disabled", False):
        return best_of(fn, rounds=1, setup=setup)
    if setup is None:
        benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=0)
    else:
        benchmark.pedantic(fn, setup=lambda: (setup(), ((), {}))[1], rounds=rounds, warmup_rounds=0)
    return benchmark.stats.stats.min


@dataclass
class Result:
    """One benchmark at one size: our time, the baselines' times and what the ratios should be."""

    job: str
    rows: int
    seconds: float
    baselines: dict[str, float | None] = field(default_factory=dict)  # None: the baseline did not finish
    targets: dict[str, tuple[str, float]] = field(default_factory=dict)  # baseline -> ("max"|"min", ratio)
    peak_rss_gb: float | None = None
    note: str = ""

    def ratio(self, baseline: str) -> float:
        """How many times the baseline's time ours is (below 1: we are faster)."""
        return self.seconds / self.baselines[baseline]

    def verdicts(self) -> dict[str, str]:
        out = {}
        for name, baseline in self.baselines.items():
            if baseline is None:
                out[name] = "did not finish (see note)"
                continue
            ratio = self.ratio(name)
            kind, bound = self.targets.get(name, ("", 0.0))
            if not kind:
                out[name] = f"{ratio:.2f}x" if ratio >= 1 else f"{1 / ratio:.1f}x faster"
            elif kind == "max":
                out[name] = f"{ratio:.2f}x ({'ok' if ratio <= bound else 'MISS'}: <= {bound}x)"
            else:
                speedup = 1 / ratio
                pace = f"{speedup:.1f}x faster" if speedup >= 1 else f"{ratio:.1f}x slower"
                out[name] = f"{pace} ({'ok' if speedup >= bound else 'MISS'}: >= {bound}x faster)"
        return out


RESULTS: list[Result] = []


def record(result: Result) -> Result:
    RESULTS.append(result)
    verdicts = "; ".join(f"vs {k}: {v}" for k, v in result.verdicts().items())
    rss = f"; peak RSS {result.peak_rss_gb:.2f} GB" if result.peak_rss_gb is not None else ""
    note = f" ({result.note})" if result.note else ""
    print(f"\n[bench] {result.job} @ {label(result.rows)}: {result.seconds:.3f} s; {verdicts}{rss}{note}")
    return result


def machine() -> str:
    import psutil

    return (
        f"{platform.processor() or platform.machine()}, {psutil.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}, polars {pl.__version__}, pandas {__import__('pandas').__version__}, "
        f"load average at the end {os.getloadavg()[0]:.1f}"
    )
