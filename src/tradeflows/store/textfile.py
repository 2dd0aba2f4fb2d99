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
import threading
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from tradeflows.errors import InputError, SchemaError

DELIMITERS = ",;\t|"
_SAMPLE_BYTES = 1 << 16
_HEADER_LIMIT = 1 << 24  # a header line longer than 16 MiB is not a header
T = TypeVar("T")


@dataclass(frozen=True)
class TextFile:
    """A delimited file ready for ``read_csv``: ``path`` is what DuckDB opens."""

    original: Path
    path: Path
    digest: Future[str]  # the original file's sha256, being hashed (``hashing``)
    size: int
    header: list[str]
    delimiter: str
    compression: str  # none, gzip; parquet: a Parquet file read in place

    @property
    def sha256(self) -> str:
        """The original file's sha256, waiting for its hash to finish."""
        return self.digest.result()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def in_background(work: Callable[..., T], *args: object) -> Future[T]:
    """``work(*args)`` in a thread while the caller goes on: reading a file and hashlib release the
    GIL, so a whole-file pass overlaps DuckDB's load of the file (loader._ingest_one)."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(work(*args))
        except BaseException as exc:  # noqa: BLE001 - raised where the result is read
            future.set_exception(exc)

    # A daemon: an interrupted ingest exits without waiting for a pass over a file it no longer loads.
    threading.Thread(target=run, name=f"{getattr(work, '__name__', 'work')} in background", daemon=True).start()
    return future


def hashing(path: Path, *, original: Path | None = None) -> Future[str]:
    """The sha256 of ``path``, hashed in the background (``in_background``; 10M BACI rows: 0.28 s
    of the ingest's 3.85 s when hashed before the load)."""

    def digest() -> str:
        try:
            return sha256_of(path)
        except OSError as exc:  # the file went away after its header was read
            raise InputError(f"{original or path}: cannot read the file: {exc}") from exc

    return in_background(digest)


def _open_bytes(path: Path, compression: str):
    return gzip.open(path, "rb") if compression == "gzip" else path.open("rb")


def sniff(path: Path, *, original: Path | None = None, digest: Future[str] | None = None) -> TextFile:
    """Read the header and delimiter of ``path`` (plain or gzip-compressed); ``digest`` is the
    original file's sha256 (``hashing``), by default that of ``path``, hashed from here on."""
    original = original or path
    compression = "gzip" if path.suffix.lower() == ".gz" else "none"
    try:
        with _open_bytes(path, compression) as handle:
            sample = _read_sample(handle, original)
    except (OSError, EOFError) as exc:
        raise InputError(f"{original}: cannot read the file: {exc}") from exc
    _check_text(original, sample)
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
    # DuckDB compares column names without case: `year` and `YEAR` are one name to it.
    folded = [h.casefold() for h in header]
    duplicates = sorted({h for h, f in zip(header, folded, strict=True) if folded.count(f) > 1})
    if duplicates:
        raise SchemaError(
            f"{original}: the header repeats the column(s) {duplicates}; expected unique names "
            "(upper and lower case count as the same name)"
        )
    _check_data_delimiter(original, text, delimiter)
    try:
        size = path.stat().st_size
    except OSError as exc:  # the file went away after its header was read
        raise InputError(f"{original}: cannot read the file: {exc}") from exc
    return TextFile(
        original=original,
        path=path,
        digest=digest or hashing(path, original=original),
        size=size,
        header=header,
        delimiter=delimiter,
        compression=compression,
    )


def _read_sample(handle, original: Path) -> bytes:
    """The header line, whole however wide (10,000 columns exceed any fixed sample), and
    up to ``_SAMPLE_BYTES`` of the lines after it."""
    sample = handle.read(_SAMPLE_BYTES)
    while (end := sample.find(b"\n")) < 0 and len(sample) < _HEADER_LIMIT:
        more = handle.read(len(sample))
        if not more:
            return sample
        sample += more
    if end < 0:
        raise SchemaError(f"{original}: no line break in the first {_HEADER_LIMIT:,} bytes; expected a header line")
    if len(sample) - end < _SAMPLE_BYTES:
        sample += handle.read(_SAMPLE_BYTES)
    return sample


def _check_text(original: Path, sample: bytes) -> None:
    """Refuse bytes that are not text in an 8-bit encoding before DuckDB reads them."""
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            f"{original}: the file is UTF-16 text (it starts with a UTF-16 byte-order mark); expected UTF-8. "
            "Save it again as UTF-8 CSV (in Excel: CSV UTF-8)."
        )
    # UTF-16 and binary files hold NULs throughout, or in the first line; a stray NUL in a
    # data line is that line's problem (quarantined), not the file's.
    header_end = sample.find(b"\n")
    nul = sample.find(b"\x00")
    if nul >= 0 and (nul < header_end or header_end < 0 or sample.count(b"\x00") * 100 > len(sample)):
        raise InputError(
            f"{original}: the file holds NUL bytes (the first at byte {nul:,}): it is a binary file "
            "(a program, an archive, a workbook) or UTF-16 text, not a delimited text file; expected UTF-8 CSV"
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
        yield sniff(table_to_csv(path, workdir), original=path, digest=hashing(path))
        return
    if path.suffix.lower() != ".zip":
        yield sniff(path)
        return
    digest = hashing(path)  # while the member is extracted and loaded
    with zipfile.ZipFile(path) as archive:
        members = [m for m in archive.namelist() if not m.endswith("/")]
        if len(members) != 1:
            raise InputError(f"{path}: expected a zip archive holding one data file, found {members}")
        target = workdir / Path(members[0]).name
        with archive.open(members[0]) as src, target.open("wb") as dst:
            while block := src.read(1 << 22):
                dst.write(block)
    yield sniff(target, original=path, digest=digest)


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
    return TextFile(original=path, path=path, digest=hashing(path), size=path.stat().st_size, header=header,
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
            digest=file.digest,
            size=file.size,
            header=file.header,
            delimiter=file.delimiter,
            compression="none",
        ),
        note,
    )


# -- lines too long for DuckDB's reader ------------------------------------------------------

MAX_LINE_BYTES = 2_000_000  # read_csv's max_line_size: a longer line is cut out before DuckDB reads
_SCAN_BLOCK = MAX_LINE_BYTES // 2  # a line over MAX_LINE_BYTES holds a whole aligned block this size
_KEEP_RAW_BYTES = 64 << 20  # a longer cut-out line is quarantined as a pointer to its bytes


@dataclass(frozen=True)
class LongLine:
    """A line cut out of a file because DuckDB cannot read it; ``text`` when short enough to keep."""

    line: int
    offset: int  # of its first byte in the (decompressed) file
    length: int  # bytes, line break included
    text: str | None

    def reason(self) -> str:
        return (
            f"malformed line: Maximum line size of {MAX_LINE_BYTES:,} bytes exceeded (the line has "
            f"{self.length:,} bytes); expected one record per line"
        )

    def raw(self, original: Path, compression: str) -> str:
        if self.text is not None:
            return self.text
        where = " of the decompressed file" if compression != "none" else ""
        return (
            f"[not copied: {self.length:,} bytes from byte offset {self.offset:,}{where} {original}; "
            f"read them with: tail -c +{self.offset + 1} FILE | head -c {self.length}]"
        )


def may_have_long_lines(file: TextFile) -> bool:
    """Whether a line may be over ``MAX_LINE_BYTES``: some aligned block of half that size holds
    no line break. A block-wise memchr, so a clean file costs one quick read."""
    if file.compression not in ("none", "gzip"):
        return False
    try:
        with _open_bytes(file.path, file.compression) as handle:
            while block := handle.read(_SCAN_BLOCK):
                if len(block) == _SCAN_BLOCK and b"\n" not in block and b"\r" not in block:
                    return True
    except (OSError, EOFError):
        return False  # a gzip stream cut off: the reader says so, naming the file
    return False


def cut_long_lines(file: TextFile, workdir: Path) -> tuple[TextFile, list[LongLine]]:
    """A copy of ``file`` with each line over ``MAX_LINE_BYTES`` replaced by an empty record
    (its delimiters only), so every later line keeps its number; and the lines cut out.

    DuckDB's reader rejects a line a little over its limit but drops a line of about 31 MB or
    more without a word, and keeps 10,000 characters of a rejected one.
    """
    target = workdir / (file.path.name.removesuffix(".gz") + ".lines.csv")
    empty = (file.delimiter * (len(file.header) - 1)).encode()
    cut: list[LongLine] = []
    number = offset = 0
    with _open_bytes(file.path, file.compression) as src, target.open("wb") as dst:
        while piece := src.readline(_SCAN_BLOCK):
            number += 1
            parts, length = [piece], len(piece)
            while not piece.endswith(b"\n") and (piece := src.readline(_SCAN_BLOCK)):
                length += len(piece)
                if length <= _KEEP_RAW_BYTES:
                    parts.append(piece)
                else:
                    parts.clear()
            ends = b"\n" if piece.endswith(b"\n") else b""
            if length > MAX_LINE_BYTES:
                text = b"".join(parts).decode("utf-8", errors="replace").rstrip("\r\n") if parts else None
                cut.append(LongLine(number, offset, length, text))
                dst.write(empty + ends)
            else:
                dst.writelines(parts)
            offset += length
    shorter = TextFile(original=file.original, path=target, digest=file.digest, size=file.size, header=file.header,
                       delimiter=file.delimiter, compression="none")  # fmt: skip
    return shorter, cut
