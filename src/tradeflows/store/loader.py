"""Ingest runs: each file is read, staged, split into kept and quarantined rows
and logged in one transaction, so a failed or killed run leaves no trace.
"""

from __future__ import annotations

import contextlib
import glob
import gzip
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from tradeflows.errors import InputError, ParameterError, SchemaError, StoreError
from tradeflows.schema import FLOW_COLUMNS
from tradeflows.sources import get_source
from tradeflows.store import layout, onepass, parquet, writer
from tradeflows.store.checks import cut_last_field, mark_cut_last_line, mark_duplicates
from tradeflows.store.plan import Plan, compile_plan, prepare_lookups, quote_literal
from tradeflows.store.stage import STAGE, stage_sql
from tradeflows.store.textfile import (
    LongLine,
    TextFile,
    cut_long_lines,
    in_background,
    may_have_long_lines,
    sha256_of,
    transcode_to_utf8,
)
from tradeflows.store.workbook import opened_table

INGEST_MEMORY = "1GB"  # DuckDB's memory limit while ingesting (env TRADEFLOWS_INGEST_MEMORY)
DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".gz", ".zip", ".parquet", ".xlsx", ".xls")


@dataclass(frozen=True)
class FileResult:
    file: str
    status: str  # loaded, replaced, skipped, refused (no reader recognised it: note says why)
    ingest_id: int | None
    source: str | None
    rows_read: int = 0
    rows_kept: int = 0
    rows_quarantined: int = 0
    note: str = ""


@dataclass
class IngestReport:
    """What an ingest did, file by file, and what the loaded rows cover."""

    files: list[FileResult] = field(default_factory=list)
    years: tuple[int, int] | None = None
    reporters: int = 0
    partners: int = 0
    products: int = 0

    @property
    def refused(self) -> list[FileResult]:
        """Files of a folder (or several paths) that no reader could load, each with why."""
        return [f for f in self.files if f.status == "refused"]

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_kept(self) -> int:
        return sum(f.rows_kept for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    def as_frame(self) -> pl.DataFrame:
        return pl.DataFrame([f.__dict__ for f in self.files])


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files, folders (their data files, recursively) and glob patterns, in a stable order."""
    found: list[Path] = []
    for path in paths:
        text = str(path)
        # A file named with brackets ("trade [2023].csv") is itself, not a pattern.
        if not path.exists() and any(ch in text for ch in "*?["):
            matches = sorted(Path(p) for p in glob.glob(text, recursive=True))
            if not matches:
                raise InputError(f"No file matches {text!r}")
            found.extend(m for m in matches if m.is_file())
        elif path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DATA_SUFFIXES))
        elif path.is_file():
            found.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    return list(dict.fromkeys(p.resolve() for p in found))


def _result(ingest_id: int, *, source: str, path: Path | str, read: int, kept: int, quarantined: int, note: str,
            replaced: bool) -> FileResult:
    return FileResult(str(path), "replaced" if replaced else "loaded", ingest_id, source, read, kept, quarantined, note)


def _log(con: duckdb.DuckDBPyConnection, ingest_id: int, *, replaced: bool, **run: object) -> FileResult:
    """Write the run's log (``writer.write_log``) and say what it did."""
    writer.write_log(con, ingest_id, **run)  # type: ignore[arg-type]
    return _result(ingest_id, source=run["source"], path=run["path"], read=run["read"], kept=run["kept"],
                   quarantined=run["quarantined"], note=run["note"], replaced=replaced)  # type: ignore[arg-type]


def _skipped(path: Path, earlier: list[int], source: str) -> FileResult:
    return FileResult(str(path), "skipped", earlier[0], source,
                      note=f"already ingested as run {earlier[0]} (same sha256); --replace reloads it")  # fmt: skip


def _earlier_runs(con: duckdb.DuckDBPyConnection, sha256: str) -> list[int]:
    return [r[0] for r in con.execute("SELECT ingest_id FROM ingests WHERE sha256 = ?", [sha256]).fetchall()]


def _raw_lines(path: Path, lines: set[int], compression: str = "none") -> dict[int, str]:
    """The text of the given (1-based) lines, for quarantined rows."""
    wanted, out = set(lines), {}
    opener = gzip.open if compression == "gzip" else open
    with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as handle:
        for number, text in enumerate(handle, start=1):
            if number in wanted:
                out[number] = text.rstrip("\r\n")
                if len(out) == len(wanted):
                    break
    return out


class _NotUtf8(Exception):
    """DuckDB met bytes that are not UTF-8; the run is retried on a transcoded copy."""


def _stage(con: duckdb.DuckDBPyConnection, file: TextFile, plan: Plan) -> None:
    con.execute(f"DROP TABLE IF EXISTS {STAGE}")
    try:
        prepare_lookups(con, plan.spec, file)
        # DuckDB guesses a CSV file's rows from a sample (42 for a 320 MB Comtrade extract)
        # and, believing the file the smaller side, builds the country lookups' hash tables
        # on the file's rows, every column of them: out of memory at 1M rows. The lookups are
        # code lists of a few hundred rows, so the file is always the side that streams.
        con.execute("SET disabled_optimizers = 'build_side_probe_side'")
        con.execute(stage_sql(plan, file, reject_table="__rejects", reject_scan="__reject_scans"))
    except (duckdb.InvalidInputException, duckdb.IOException) as exc:  # IOException: a gzip stream cut off
        if "unicode" in str(exc).lower():
            raise _NotUtf8 from None
        raise InputError(f"{file.original}: DuckDB could not read the file: {str(exc).splitlines()[0]}") from None
    finally:
        with contextlib.suppress(duckdb.TransactionException):  # a failed statement aborted the run
            con.execute("RESET disabled_optimizers")


def _load(
    con: duckdb.DuckDBPyConnection, file: TextFile, plan: Plan, *, earlier: list[int], encoding: str,
    long_lines: Sequence[LongLine] = (),
) -> FileResult:
    """Stage the file, keep the rows that pass, quarantine the others with their reasons, log.

    ``long_lines`` were cut out of ``file`` (``textfile.cut_long_lines``): their empty
    records are quarantined with the reason and the lines' own text.
    """
    started = writer.now()
    with writer.Run(con, earlier) as ingest_id:
        spec = plan.spec
        _stage(con, file, plan)
        # A Parquet file is read by read_parquet, which rejects nothing (and makes no rejects table).
        rejected = [] if file.compression == "parquet" else con.execute(
            "SELECT line, any_value(csv_line), string_agg(DISTINCT error_message, '; '), "
            "bool_or(CAST(error_type AS VARCHAR) IN ('INVALID ENCODING', 'INVALID UNICODE')) FROM __rejects GROUP BY line ORDER BY line"
        ).fetchall()
        if any(not_utf8 for *_, not_utf8 in rejected):
            raise _NotUtf8
        if rejected:
            # Rejected lines are not in the stage; renumber the staged rows past them.
            thresholds = [line - i for i, (line, *_) in enumerate(rejected, start=1)]
            con.execute(
                f"UPDATE {STAGE} SET line = __rn + 1 + (SELECT count(*) FROM unnest(?) AS t(th) WHERE th <= __rn)",
                [thresholds],
            )
        cut = cut_last_field(file)
        if cut is not None:
            mark_cut_last_line(con, cut, after_line=max((line for line, *_ in rejected), default=0))
        hs = spec.fields.get("hs")
        if hs is None or not hs.source_digits:
            # Lines of a longer national code (CN8) kept under one HS6 heading may rightly be
            # equal on every canonical column: two products, not a repeated record.
            mark_duplicates(con)
        if long_lines:
            con.executemany(
                f"UPDATE {STAGE} SET __reason = ?, __column = NULL, __value = NULL WHERE line = ?",
                [(long.reason(), long.line) for long in long_lines],
            )
        writer.write_staged(con, spec.name, ingest_id)
        bad = con.execute(
            f"SELECT DISTINCT ON (line) line, __column, __value, __reason FROM {STAGE} WHERE __reason IS NOT NULL ORDER BY line"
        ).fetchall()
        # The raw text from the file: DuckDB keeps 10,000 characters of a rejected line.
        readable = (bad or rejected) and file.compression in ("none", "gzip")
        wanted = {b[0] for b in bad} | {r[0] for r in rejected}
        raw = _raw_lines(file.path, wanted, file.compression) if readable else {}
        raw |= {long.line: long.raw(file.original, file.compression) for long in long_lines}
        quarantined = [(line, col, val, reason, raw.get(line)) for line, col, val, reason in bad]
        quarantined += [
            (line, None, None, f"malformed line: {message}", raw.get(line, (text or "").rstrip("\r\n")))
            for line, text, message, _ in rejected
        ]
        writer.write_quarantine(con, ingest_id, file.original, quarantined)
        writer.write_cells(con, ingest_id)
        writer.write_staged_products(con, ingest_id)
        # A wide file stages one row per figure; rows read and kept count its lines.
        count = "count(DISTINCT __rn)" if spec.unpivot is not None else "count(*)"
        staged, kept = con.execute(f"SELECT {count}, {count} FILTER (WHERE __reason IS NULL) FROM {STAGE}").fetchone()
        con.execute(f"DROP TABLE {STAGE}")
        return _log(
            con, ingest_id, source=spec.name, path=file.original, sha256=file.sha256, size=file.size,
            encoding=encoding, delimiter=file.delimiter, read=staged + len(rejected), kept=kept,
            quarantined=len(quarantined), started=started,
            note="; ".join(n for n in (spec.note, "" if encoding == "utf-8" else encoding) if n),
            replaced=bool(earlier),
        )  # fmt: skip


class _NeedsStage(Exception):
    """The one-pass load met something only the staging query can account for."""


class _Held(Exception):
    """What the one-pass load read must not commit: an earlier run holds the file (same sha256),
    or a line may be too long for DuckDB. The load is rolled back."""


def _load_clean(
    con: duckdb.DuckDBPyConnection, file: TextFile, plan: Plan, *, earlier: list[int], scan: Future[bool] | None = None
) -> FileResult | None:
    """A clean file in one pass (``onepass``), or None, leaving the store untouched, when
    the file needs the staging query: a row fails a check, a line is malformed, a record
    repeats or the last line is cut off. Raises ``_Held``, leaving the store untouched, when
    a run other than ``earlier`` holds the file or ``scan`` (``may_have_long_lines``) says a
    line may be too long for DuckDB (which drops a line of 31 MB or more without a word)."""
    spec = plan.spec
    sql = onepass.load_sql(plan, file)
    if sql is None or cut_last_field(file) is not None:
        return None
    started = writer.now()
    try:
        if sql.read is not None:
            # Read before the run's transaction begins: rows appended inside a transaction are
            # numbered from 2^62, and the INSERT takes each row's line from its rowid.
            con.execute(sql.read)
        with writer.Run(con, earlier) as ingest_id:
            if sql.constants is None:
                kept = writer.write_rows(con, sql.rows, [spec.name, ingest_id])
            else:
                kept = writer.write_compact(con, ingest_id, spec.name, sql.rows, sql.constants)
                table = layout.compact_table(ingest_id)
                # A country number names no country, or shares one with another number.
                if any(con.execute(q.format(table=table)).fetchall()[0][0] for q in sql.codes):
                    raise _NeedsStage
            # Before anything that reads other runs: ``earlier`` were forgotten as the run began.
            if (scan is not None and scan.result()) or _earlier_runs(con, file.sha256):
                raise _Held
            # Rows unique on annual's key cannot repeat a record: the costly check is then skipped.
            if not kept or (not writer.write_cells(con, ingest_id) and sql.has_repeats(con, ingest_id)):
                raise _NeedsStage
            return _log(
                con, ingest_id, source=spec.name, path=file.original, sha256=file.sha256, size=file.size,
                encoding="utf-8", delimiter=file.delimiter, read=kept, kept=kept, quarantined=0, started=started,
                note=spec.note or "", replaced=bool(earlier),
            )  # fmt: skip
    # duckdb.Error: a row failed a check (error()), or the reader gave up: the stage will say why.
    except (_NeedsStage, duckdb.Error):
        return None
    finally:
        con.execute(f"DROP TABLE IF EXISTS {onepass.RAW_TABLE}")


def _load_parquet(con: duckdb.DuckDBPyConnection, path: Path, *, replace: bool) -> FileResult:
    """A canonical Parquet file (as ``Store.export_parquet`` writes), checked like any other."""
    started = writer.now()
    sha256 = sha256_of(path)
    earlier = _earlier_runs(con, sha256)
    if earlier and not replace:
        return _skipped(path, earlier, "parquet")
    with writer.Run(con, earlier) as ingest_id:
        con.execute(f"DROP TABLE IF EXISTS {STAGE}")
        con.execute(parquet.stage_sql(path))
        writer.write_canonical_stage(con, ingest_id, path)
        writer.write_cells(con, ingest_id)
        counts = f"SELECT count(*), count(*) FILTER (WHERE __reason IS NULL) FROM {STAGE}"
        read, kept = con.execute(counts).fetchall()[0]
        con.execute(f"DROP TABLE {STAGE}")
        return _log(
            con, ingest_id, source="parquet", path=path, sha256=sha256, size=path.stat().st_size, encoding=None,
            delimiter=None, read=read, kept=kept, quarantined=read - kept, started=started,
            note="canonical Parquet: source and line kept from the file", replaced=bool(earlier),
        )  # fmt: skip


def _ingest_one(
    con: duckdb.DuckDBPyConnection, path: Path, *, source: str | None, replace: bool, workdir: Path
) -> FileResult:
    if source in (None, "parquet") and parquet.is_canonical(path):
        return _load_parquet(con, path, replace=replace)
    with opened_table(path, workdir, get_source(source) if source else None) as (file, spec):
        spec = spec.for_file(file.path.name)  # a zip's member name, as BACI names its files
        # One plan for the file, whichever statement loads it (a copy cut or transcoded keeps the header).
        plan = compile_plan(spec, file)
        # The file's sha256 is still being hashed (textfile.hashing), and its lines scanned for any too
        # long for DuckDB, in threads: the one-pass load runs meanwhile as though no run held the file
        # and no line were too long, and rolls back before it commits if either is wrong (_Held). Both
        # are rare, and a wasted load then the price of overlapping two passes over the file with
        # every other load (10M BACI rows: 0.28 s and about 0.2 s); the file is then skipped,
        # replaced, cut and loaded as before.
        scan = in_background(may_have_long_lines, file)
        again = False  # rolled back for the hash or the scan, not for the file: the one pass may still do
        try:
            fast = _load_clean(con, file, plan, earlier=[], scan=scan)
        except _Held:
            fast, again = None, True
        if fast is not None:
            return fast
        earlier = _earlier_runs(con, file.sha256)
        if earlier and not replace:
            return _skipped(path, earlier, spec.name)
        long_lines: list[LongLine] = []
        if scan.result():
            file, long_lines = cut_long_lines(file, workdir)
            again = not long_lines  # a false alarm: the copy loads in one pass
        try:
            fast = _load_clean(con, file, plan, earlier=earlier) if again and not long_lines else None
            return fast or _load(con, file, plan, earlier=earlier, encoding="utf-8", long_lines=long_lines)
        except _NotUtf8:
            utf8, note = transcode_to_utf8(file, workdir)
            return _load(con, utf8, plan, earlier=earlier, encoding=note, long_lines=long_lines)


def _summarise(con: duckdb.DuckDBPyConnection, report: IngestReport) -> IngestReport:
    ids = [f.ingest_id for f in report.files if f.ingest_id is not None]
    if not ids:
        return report
    compact = layout.compact_runs(con, ids)
    values = {c: f"(SELECT {{}} FROM ({layout.run_values_sql(c, compact)}))" for c in ("year", "reporter", "partner", "hs")}
    lo, hi, reporters, partners, products = con.execute(
        f"SELECT {values['year'].format('min(v)')}, {values['year'].format('max(v)')}, "
        f"{values['reporter'].format('count(*)')}, {values['partner'].format('count(*)')}, "
        f"{values['hs'].format('count(*)')}",
        {"runs": ids},
    ).fetchall()[0]
    report.years = (lo, hi) if lo is not None else None
    report.reporters, report.partners, report.products = reporters, partners, products
    return report


def ingest_files(
    con: duckdb.DuckDBPyConnection,
    paths: list[Path],
    *,
    source: str | None = None,
    replace: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> IngestReport:
    files = expand_paths(paths)
    if not files:
        raise InputError(f"No data files found in the given paths (looked for {', '.join(DATA_SUFFIXES)})")
    report = IngestReport()
    # DuckDB keeps up to 80% of RAM by default; an ingest needs little of it, so it spills
    # past this instead (10M BACI rows: 2.6 GB peak without, 1.2 GB with; benchmarks/README.md).
    try:
        con.execute(f"SET memory_limit = {quote_literal(ingest_memory())}")
    except duckdb.Error:
        raise ParameterError(
            f"TRADEFLOWS_INGEST_MEMORY={ingest_memory()!r}: expected a size such as 1GB or 512MB"
        ) from None
    with tempfile.TemporaryDirectory(prefix="tradeflows-") as tmp:
        source_spec = get_source(source) if source else None  # a wrong --source stops before any file
        for done, path in enumerate(files):
            if progress:
                progress(path.name, done, len(files))
            try:
                report.files.append(_ingest_one(con, path, source=source, replace=replace, workdir=Path(tmp)))
            except SchemaError as exc:
                if len(files) == 1:
                    raise
                # A file no reader recognises does not stop the others; the caller lists it. (A file
                # that cannot be read at all, a disk or network failure, still stops the run.)
                report.files.append(FileResult(str(path), "refused", None, source_spec.name if source_spec else None,
                                               note=str(exc)))  # fmt: skip
            except duckdb.OutOfMemoryException as exc:
                raise _memory_error(exc, path, report) from None
            except (OSError, duckdb.Error) as exc:
                raise _storage_error(exc, path, report) or exc
        if progress:
            progress("", len(files), len(files))
    return _summarise(con, report)


# What the disk (not the file) may refuse while an ingest writes the store or its scratch files.
_STORAGE_FAULTS = ("No space left on device", "Disk quota exceeded", "Read-only file system", "Permission denied")


def ingest_memory() -> str:
    """DuckDB's memory limit for an ingest: TRADEFLOWS_INGEST_MEMORY, or ``INGEST_MEMORY``."""
    return os.environ.get("TRADEFLOWS_INGEST_MEMORY", INGEST_MEMORY)


def _committed(report: IngestReport) -> str:
    done = sum(1 for f in report.files if f.status != "skipped")
    return f" (the {done} file(s) before it were)" if done else ""


def _memory_error(exc: BaseException, path: Path, report: IngestReport) -> StoreError:
    """What to do when an ingest needs more memory than DuckDB may use (it spills what it can)."""
    return StoreError(
        f"{path}: out of memory at DuckDB's limit of {ingest_memory()} for an ingest, after spilling what it "
        f"could to disk ({str(exc).splitlines()[0]}); nothing of this file was committed{_committed(report)}. "
        "Raise the limit, e.g. TRADEFLOWS_INGEST_MEMORY=4GB, or split the file."
    )


def _storage_error(exc: BaseException, path: Path, report: IngestReport) -> StoreError | None:
    """A one-line error for a disk that refuses a write, naming what was being written and
    what was committed; None for any other error (a bug keeps its traceback)."""
    text = str(exc)
    fault = next((f for f in _STORAGE_FAULTS if f.lower() in text.lower()), None)
    if fault is None:
        return None
    named = getattr(exc, "filename", None) or next(iter(re.findall(r'file "([^"]+)"', text)), None)
    # Python's own writes here are scratch files (a zip's member, a transcoded copy); DuckDB's, the store.
    written = named or (f"a scratch file in {tempfile.gettempdir()}" if isinstance(exc, OSError) else "the store")
    return StoreError(
        f"{path}: {fault} while writing {written}; nothing of this file was committed"
        f"{_committed(report)}. Free space on that disk or make the folder "
        f"writable; scratch files go to {tempfile.gettempdir()} (set TMPDIR for another folder)."
    )


def load_frame(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, *, source: str, label: str) -> IngestReport:
    """Load canonical rows produced in Python (a synthetic world) as one logged run."""
    missing = [c.name for c in FLOW_COLUMNS if c.name not in frame.columns]
    if missing:
        raise SchemaError(f"{label}: the frame lacks canonical column(s) {missing}")
    started = writer.now()
    with writer.Run(con, earlier=[]) as ingest_id:
        rows = writer.write_frame(con, frame, source=source, ingest_id=ingest_id)
        writer.write_cells(con, ingest_id)
        result = _log(
            con, ingest_id, source=source, path=label, sha256=None, size=None, encoding=None, delimiter=None,
            read=rows, kept=rows, quarantined=0, started=started, note=f"generated in Python: {label}",
            replaced=False,
        )  # fmt: skip
    return _summarise(con, IngestReport(files=[result]))
