"""Ingest of a BACI file (CSV, and the same rows as Parquet) into the store.

Baselines, measured on the same file in the same run:
- DuckDB's own reader into a table (``read_csv`` / ``read_parquet``, types sniffed, no
  checks): the engine's limit. Target (issue 16): our ingest (parse, map codes, scale units,
  check every value, keep each row's line, log, quarantine) costs at most 2 times that (1.5
  the aim); a monthly Comtrade-layout file at most 3 times.
- pandas doing the same job (read, map codes, scale, check, write Parquet). Reading a
  CSV is I/O and parsing for both, so pandas is not 5 times slower here (DESIGN.md:
  about 1.5 times DuckDB); the figure is shown, not held to the 5x analytics target.

Peak memory: the ingest runs in a child process, whose own peak RSS (VmHWM) is read at
its end; ingesting 10 million rows must stay under 2 GB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from bench import (
    COMTRADE_MAX_VS_DUCKDB,
    INGEST_MAX_RSS_GB,
    INGEST_MAX_VS_DUCKDB,
    SEED,
    BenchData,
    Result,
    best_of,
    measured,
    pandas_baseline,
    record,
    rounds_for,
)

from tradeflows.reference.countries import comtrade_code_table
from tradeflows.sources.base import MISSING_TOKENS
from tradeflows.store import open_store
from tradeflows.synthetic.files import write_comtrade_extract


def _fresh_store(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)
    open_store(path)  # tables and reference data exist before the clock starts


def _duckdb_table(source: Path, db: Path) -> None:
    """The engine's own reader, sniffing types, into a table of a fresh database file."""
    reader = "read_parquet" if source.suffix == ".parquet" else "read_csv"
    with duckdb.connect(str(db)) as con:
        con.execute(f"CREATE TABLE t AS SELECT * FROM {reader}('{source}')")


def pandas_ingest(source: Path, out: Path) -> int:
    """The same job in plain pandas: read, map Comtrade codes to ISO3, scale, check, write Parquet."""
    if source.suffix == ".parquet":
        raw = pd.read_parquet(source)
    else:
        raw = pd.read_csv(source, dtype={"t": "Int64", "i": "Int64", "j": "Int64", "k": "string", "v": "float64",
                                         "q": "float64"},
                          na_values=list(MISSING_TOKENS), keep_default_na=False)  # fmt: skip
    codes = comtrade_code_table().to_pandas().set_index("code")["iso3"]
    hs = raw["k"].astype("string").str.zfill(6)
    frame = pd.DataFrame({
        "line": np.arange(2, len(raw) + 2), "year": raw["t"], "reporter": raw["i"].map(codes),
        "partner": raw["j"].map(codes), "flow": "X", "hs_version": 2017, "hs_level": 6, "hs": hs,
        "value_usd": raw["v"] * 1000, "fob_usd": raw["v"] * 1000, "net_kg": raw["q"] * 1000,
        "partner_basis": "destination",
    })  # fmt: skip
    bad = (
        frame["year"].isna() | ~frame["year"].between(1950, 2100) | frame["reporter"].isna() | frame["partner"].isna()
        | ~hs.str.fullmatch(r"\d{6}").fillna(False) | frame["value_usd"].isna() | ~np.isfinite(frame["value_usd"])
        | (frame["value_usd"] < 0) | (frame["net_kg"] < 0)
    )  # fmt: skip
    frame[~bad].to_parquet(out)
    frame[bad].to_parquet(out.with_suffix(".quarantine.parquet"))
    return int((~bad).sum())


def _ingest(data: BenchData, source: Path, job: str, benchmark, request, tmp_path: Path) -> Result:
    rounds = rounds_for(request.config, data.rows)
    store = tmp_path / "store.duckdb"
    kept: list[int] = []

    def ours() -> None:
        kept.append(open_store(store, create=False).ingest([source]).rows_kept)

    seconds = measured(benchmark, ours, rounds=rounds, setup=lambda: _fresh_store(store))
    assert kept[-1] == data.baci_rows  # every row kept: the synthetic file is clean
    db = tmp_path / "duckdb.duckdb"
    duck = best_of(lambda: _duckdb_table(source, db), rounds=rounds, setup=lambda: db.unlink(missing_ok=True))
    pandas, why = pandas_baseline(pandas_ingest, source, tmp_path / "pandas.parquet", rounds=rounds)
    return record(Result(job, data.rows, seconds, {"duckdb": duck, "pandas": pandas},
                         {"duckdb": ("max", INGEST_MAX_VS_DUCKDB)},
                         note="pandas shown, not targeted: reading a CSV costs pandas ~1.5x DuckDB"
                         + ("" if pandas is not None else f"; {why}")))  # fmt: skip


def test_ingest_baci_csv(data: BenchData, benchmark, request, tmp_path: Path) -> None:
    _ingest(data, data.baci_csv, "ingest BACI CSV", benchmark, request, tmp_path)


def test_ingest_baci_parquet(data: BenchData, benchmark, request, tmp_path: Path) -> None:
    _ingest(data, data.baci_parquet, "ingest BACI Parquet", benchmark, request, tmp_path)


_CHILD = """
import json, sys, time
from pathlib import Path
started = time.perf_counter()
kind, source, db = sys.argv[1:4]
options = sys.argv[4] if len(sys.argv) > 4 else ""
if kind == "ours":
    from tradeflows.store import open_store
    report = open_store(Path(db)).ingest([Path(source)])
    rows = report.rows_kept
else:
    import duckdb
    with duckdb.connect(db) as con:
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{source}'{options})")
        rows = con.execute("SELECT count(*) FROM t").fetchall()[0][0]
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent (pytest, holding pandas frames) across exec.
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"rows": rows, "seconds": time.perf_counter() - started, "peak_rss_gb": peak_kb / 2**20}))
"""


def _child(kind: str, source: Path, db: Path, *, options: str = "", env: dict[str, str] | None = None) -> dict:
    """Ingest ``source`` in a fresh process (``options``: more read_csv arguments for DuckDB's)."""
    done = subprocess.run([sys.executable, "-c", _CHILD, kind, str(source), str(db), options], capture_output=True,
                          text=True, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_ingest_peak_memory(data: BenchData, tmp_path: Path) -> None:
    """Ingest the CSV in a fresh process: its peak RSS stays under 2 GB (the issue's bound for 10M rows)."""
    ours = _child("ours", data.baci_csv, tmp_path / "ours.duckdb")
    duck = _child("duckdb", data.baci_csv, tmp_path / "duck.duckdb")
    assert ours["rows"] == duck["rows"] == data.baci_rows
    record(Result("ingest BACI CSV, whole process", data.rows, ours["seconds"], {"duckdb": duck["seconds"]},
                  peak_rss_gb=ours["peak_rss_gb"],
                  note=f"DuckDB read_csv process peak RSS {duck['peak_rss_gb']:.2f} GB"))  # fmt: skip
    if data.rows <= 10_000_000:
        assert ours["peak_rss_gb"] < INGEST_MAX_RSS_GB, f"peak RSS {ours['peak_rss_gb']:.2f} GB"


# -- a monthly Comtrade extract: the legacy layout, 28 columns with long descriptions ------------------


@pytest.fixture(scope="session")
def comtrade_extract(rows: int, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic monthly Comtrade extract of ``rows`` rows (one reporter at HS6, ~320 bytes a
    row: 1M rows ~320 MB, 10M ~3.2 GB), kept under --bench-data between runs."""
    if rows > 10_000_000:
        pytest.skip("the Comtrade-layout case runs at 1M and 10M rows")
    keep = request.config.getoption("--bench-data")
    folder = Path(keep) if keep else tmp_path_factory.mktemp("comtrade")
    path = folder / f"comtrade_extract_{rows}_seed{SEED}.csv"
    if not path.exists():
        part = path.with_suffix(".part")
        write_comtrade_extract(part, rows, seed=SEED)
        part.rename(path)
    return path


def test_ingest_comtrade_extract(comtrade_extract: Path, rows: int, benchmark, request, tmp_path: Path) -> None:
    """A monthly Comtrade extract at default settings (TRADEFLOWS_INGEST_MEMORY unset): every
    row kept, in a fresh process whose peak RSS is recorded; DuckDB's bare ``read_csv`` of the
    same file in a fresh process is the baseline. At 1M rows this died with DuckDB's
    out-of-memory error before the stage's lookups were pinned to build on the code lists."""
    rounds = rounds_for(request.config, rows)
    env = {k: v for k, v in os.environ.items() if k != "TRADEFLOWS_INGEST_MEMORY"}
    ours: list[dict] = []

    def setup() -> None:
        for p in tmp_path.glob("ours.duckdb*"):
            p.unlink()

    seconds = measured(benchmark, lambda: ours.append(_child("ours", comtrade_extract, tmp_path / "ours.duckdb",
                                                               env=env)), rounds=rounds, setup=setup)  # fmt: skip
    assert ours[-1]["rows"] == rows  # every row kept: the synthetic extract is clean
    duck: list[dict] = []

    def read() -> None:
        # NA is the file's missing value (no CIF on an export): DuckDB's sniffer, meeting it
        # past its sample, stops with a conversion error unless told.
        duck.append(_child("duckdb", comtrade_extract, tmp_path / "duck.duckdb", options=", nullstr='NA'"))

    best = best_of(read, rounds=rounds, setup=lambda: (tmp_path / "duck.duckdb").unlink(missing_ok=True))
    assert duck[-1]["rows"] == rows
    record(Result("ingest Comtrade extract CSV, whole process", rows, seconds, {"duckdb": best},
                  {"duckdb": ("max", COMTRADE_MAX_VS_DUCKDB)}, peak_rss_gb=min(r["peak_rss_gb"] for r in ours),
                  note=f"DuckDB read_csv process peak RSS {min(r['peak_rss_gb'] for r in duck):.2f} GB; "
                  f"{comtrade_extract.stat().st_size / 1e6:,.0f} MB file"))  # fmt: skip
    assert min(r["peak_rss_gb"] for r in ours) < INGEST_MAX_RSS_GB
