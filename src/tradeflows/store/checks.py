"""Checks across the rows of one file, made on the staged table once every row
has passed (or failed) its own checks in ``stage.stage_sql``.

- **A repeated record.** A row whose canonical columns (identity and measures:
  reporter, partner, partner2, flow, period, HS code and level, mode, customs,
  partner basis, value, quantities ...) all equal those of an earlier line of
  the same file says the same thing twice; summing both would double it. The
  first is kept, the later ones are quarantined as ``duplicate of line N``.
  Rows that differ in any canonical column are different figures and are
  kept: two rows that differ only by mode of transport are road and rail, not
  a repeat (DESIGN.md, traps). The same identity with *different* values is
  kept too: the file may break the figure down by a column the reader does
  not map, and we cannot tell which one is wrong.
- **A last line cut off.** A file that does not end with a line break was
  probably cut off mid-write or mid-download: its last row may hold a number
  cut short (``50`` for ``5000``) and still look valid, so it is quarantined.

>>> _tail(Path(__file__), "none")
b''
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import duckdb

from tradeflows.errors import InputError
from tradeflows.store.plan import READER_COLUMNS
from tradeflows.store.stage import STAGE
from tradeflows.store.textfile import TextFile

CUT_LAST_LINE = (
    "file ends mid-line (no line break after its last row), so this row may be cut off; "
    "expected a complete last line - check the download or export"
)
# Every canonical column a reader fills: two rows equal on all of them are one figure said twice.
_KEY = ", ".join(READER_COLUMNS)


def cut_last_field(file: TextFile) -> tuple[str, str] | None:
    """The column and value of the last field when the file does not end with a line break."""
    if file.compression == "parquet":
        return None  # rows, not lines: nothing to cut
    tail = _tail(file.path, file.compression)
    if not tail.strip():
        return None
    fields = next(csv.reader([tail.decode("utf-8", errors="replace")], delimiter=file.delimiter), [""])
    return file.header[min(len(fields), len(file.header)) - 1], fields[-1]


def _tail(path: Path, compression: str) -> bytes:
    """The (decompressed) bytes after the last line break; empty when the file ends with one."""
    if compression == "gzip":
        tail = b""
        try:
            with gzip.open(path, "rb") as handle:
                while block := handle.read(1 << 20):
                    tail = (tail + block)[-(1 << 20):]
        except (OSError, EOFError) as exc:
            raise InputError(f"{path}: cannot read the compressed file to its end: {exc}") from None
    else:
        with path.open("rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(max(0, size - (1 << 20)))
            tail = handle.read()
    cut = max(tail.rfind(b"\n"), tail.rfind(b"\r"))
    return tail[cut + 1:]


def mark_cut_last_line(con: duckdb.DuckDBPyConnection, cut: tuple[str, str], *, after_line: int) -> None:
    """Quarantine the last staged row, unless a rejected line (``after_line``) came after it."""
    con.execute(
        f"UPDATE {STAGE} SET __reason = ? || coalesce('; ' || __reason, ''), __column = ?, __value = ? "
        f"WHERE __rn = (SELECT max(__rn) FROM {STAGE}) AND line > ?",
        [CUT_LAST_LINE, *cut, after_line],
    )


def mark_duplicates(con: duckdb.DuckDBPyConnection) -> None:
    """Quarantine every kept line that repeats an earlier line's rows exactly.

    A line may stage several rows (wide files: one per figure); it is a repeat
    only when all its rows repeat the same earlier line, so a line is still
    kept or quarantined whole. Hashing first keeps the exact comparison to the
    few candidate rows.
    """
    con.execute(
        f"""
        UPDATE {STAGE} s SET __reason = 'duplicate of line ' || d.first_line || ?,
                              __column = NULL, __value = NULL
        FROM (
            WITH candidates AS (
                SELECT * FROM {STAGE} WHERE __reason IS NULL AND hash({_KEY}) IN (
                    SELECT hash({_KEY}) FROM {STAGE} WHERE __reason IS NULL GROUP BY ALL HAVING count(*) > 1)
            ),
            firsts AS (SELECT line, min(line) OVER (PARTITION BY {_KEY}) AS first_line FROM candidates),
            per_line AS (
                SELECT line, min(first_line) AS first_line, max(first_line) AS last_first, count(*) AS n
                FROM firsts GROUP BY line
            ),
            sizes AS (SELECT line, count(*) AS n FROM {STAGE} GROUP BY line)
            SELECT p.line, p.first_line FROM per_line p
            JOIN sizes own ON own.line = p.line
            JOIN sizes first ON first.line = p.first_line
            WHERE p.first_line < p.line AND p.first_line = p.last_first AND p.n = own.n AND own.n = first.n
        ) d
        WHERE s.line = d.line
        """,
        [": the same figure, every canonical column equal"],
    )
