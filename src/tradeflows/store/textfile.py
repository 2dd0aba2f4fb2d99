"""What we must know about a delimited text file before DuckDB reads it:
its fingerprint, header, delimiter, compression and whether its bytes are UTF-8.

DuckDB's own sniffer is good on clean files but guesses on broken ones (a
header-only file, a short last line); reading the header ourselves makes the
read deterministic and lets errors name the file.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tradeflows.errors import InputError, SchemaError

DELIMITERS = ",;\t|"
_SAMPLE_BYTES = 1 << 16


@dataclass(frozen=True)
class TextFile:
    """A delimited file ready for ``read_csv``: ``path`` is what DuckDB opens."""

    original: Path
    path: Path
    sha256: str
    size: int
    header: list[str]
    delimiter: str
    compression: str  # none, gzip; parquet: a Parquet file read in place


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def _open_bytes(path: Path, compression: str):
    return gzip.open(path, "rb") if compression == "gzip" else path.open("rb")


def sniff(path: Path, *, original: Path | None = None, sha256: str | None = None) -> TextFile:
    """Read the header and delimiter of ``path`` (plain or gzip-compressed)."""
    original = original or path
    compression = "gzip" if path.suffix.lower() == ".gz" else "none"
    try:
        with _open_bytes(path, compression) as handle:
            sample = handle.read(_SAMPLE_BYTES)
    except (OSError, EOFError) as exc:
        raise InputError(f"{original}: cannot read the file: {exc}") from exc
    text = sample.decode("utf-8", errors="replace").lstrip("\ufeff")
    first_line = text.split("\n", 1)[0].rstrip("\r")
    if not first_line.strip():
        raise SchemaError(f"{original}: the file is empty; expected a header line with column names")
    delimiter = max(DELIMITERS, key=first_line.count)
    header = [name.strip() for name in next(csv.reader([first_line], delimiter=delimiter))]
    if len(header) < 2:
        raise SchemaError(
            f"{original}: found one column {header[0]!r} in the header; expected a file "
            f"delimited by one of {', '.join(repr(d) for d in DELIMITERS)}"
        )
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        raise SchemaError(f"{original}: the header repeats the column(s) {duplicates}; expected unique names")
    _check_data_delimiter(original, text, delimiter)
    try:
        sha256, size = sha256 or sha256_of(path), path.stat().st_size
    except OSError as exc:  # the file went away after its header was read
        raise InputError(f"{original}: cannot read the file: {exc}") from exc
    return TextFile(
        original=original,
        path=path,
        sha256=sha256,
        size=size,
        header=header,
        delimiter=delimiter,
        compression=compression,
    )


def _check_data_delimiter(original: Path, text: str, delimiter: str) -> None:
    """Refuse a file whose header and data use different delimiters (a header saved
    with commas above rows with semicolons): every row would be quarantined."""
    lines = [line for line in text.split("\n")[1:-1][:5] if line.strip()]
    if not lines or any(delimiter in line for line in lines):
        return
    other = max(DELIMITERS, key=lines[0].count)
    if lines[0].count(other):
        raise SchemaError(
            f"{original}: the header is delimited by {delimiter!r} but line 2 by {other!r} "
            f"(line 2: {lines[0][:80]!r}); expected one delimiter throughout the file"
        )


@contextmanager
def opened(path: Path, workdir: Path) -> Iterator[TextFile]:
    """A ``TextFile`` for ``path``; a .zip holding one file is extracted to ``workdir``,
    and a Parquet or Excel table is written there as CSV."""
    if path.suffix.lower() == ".parquet":
        yield parquet_table(path)
        return
    if path.suffix.lower() in TABLE_SUFFIXES:
        yield sniff(table_to_csv(path, workdir), original=path, sha256=sha256_of(path))
        return
    if path.suffix.lower() != ".zip":
        yield sniff(path)
        return
    digest = sha256_of(path)
    with zipfile.ZipFile(path) as archive:
        members = [m for m in archive.namelist() if not m.endswith("/")]
        if len(members) != 1:
            raise InputError(f"{path}: expected a zip archive holding one data file, found {members}")
        target = workdir / Path(members[0]).name
        with archive.open(members[0]) as src, target.open("wb") as dst:
            while block := src.read(1 << 22):
                dst.write(block)
    yield sniff(target, original=path, sha256=digest)


TABLE_SUFFIXES = (".parquet", ".xlsx", ".xls")


def parquet_table(path: Path) -> TextFile:
    """A Parquet file read in place: the ingest query reads it with ``read_parquet``, every
    column cast to text, so it is parsed and checked like a CSV without being written
    out as one first (which cost more than the ingest itself, benchmarks/README.md)."""
    import duckdb

    try:
        with duckdb.connect() as con:
            header = [row[0] for row in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()]
    except duckdb.Error as exc:
        raise InputError(f"{path}: cannot read the table: {str(exc).splitlines()[0]}") from None
    return TextFile(original=path, path=path, sha256=sha256_of(path), size=path.stat().st_size, header=header,
                    delimiter=",", compression="parquet")  # fmt: skip


def table_to_csv(path: Path, workdir: Path) -> Path:
    """Write a Parquet file or the first sheet of a workbook as an all-text CSV, so
    the one ingest query reads every format alike (line n = the table's row n - 1)."""
    import polars as pl

    target = workdir / (path.stem + ".csv")
    try:
        if path.suffix.lower() == ".parquet":
            frame = pl.read_parquet(path)
        else:
            frame = pl.read_excel(path, infer_schema_length=0)
    except ModuleNotFoundError as exc:
        raise InputError(f"{path}: reading Excel needs fastexcel (a base dependency): pip install fastexcel ({exc})") from None
    except Exception as exc:  # polars and fastexcel raise many types for an unreadable table
        raise InputError(f"{path}: cannot read the table: {exc}") from None
    frame.select(pl.all().cast(pl.String)).write_csv(target)
    return target


def transcode_to_utf8(file: TextFile, workdir: Path) -> tuple[TextFile, str]:
    """Rewrite a file that is not valid UTF-8, decoding only its bad lines as Windows-1252.

    Real Comtrade extracts are UTF-8 with a few Latin-1 names ("C\\xf4te d'Ivoire");
    decoding the whole file as Latin-1 would garble the good UTF-8 lines instead.
    Returns the new file and a note for the ingest log.
    """
    target = workdir / (file.path.name.removesuffix(".gz") + ".utf8.csv")
    fixed = 0
    with _open_bytes(file.path, file.compression) as src, target.open("w", encoding="utf-8", newline="") as dst:
        for raw in io.BufferedReader(src):  # type: ignore[arg-type]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                line = raw.decode("cp1252", errors="replace")
                fixed += 1
            dst.write(line)
    note = f"utf-8 except {fixed} line(s) decoded as cp1252"
    return (
        TextFile(
            original=file.original,
            path=target,
            sha256=file.sha256,
            size=file.size,
            header=file.header,
            delimiter=file.delimiter,
            compression="none",
        ),
        note,
    )
