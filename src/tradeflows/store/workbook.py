"""Files whose table is not one header line over data lines: workbooks (.xlsx, .xls),
title rows, headers over two rows, months or years as columns.

Such a file is reshaped, as its reader's ``Layout`` declares, into a long CSV of text
columns that the one ingest query then reads like any other file: ``sheet`` and
``row`` say where each figure sits, the cells found above the header (unit, period,
product) become columns, and a wide layout gives one line per figure (``column``,
``value``). Cells that hold a missing marker (``:``) or nothing are no figure: they
are counted in the run's note, never loaded as zero. Nothing here decides what a
value means; the reader's fields do that in SQL.

A workbook is one ingest run (one file, one sha256): its sheets become lines of one
long table, each line naming its sheet.

>>> header_names([["Country", "Exports", None], [None, "Total", "Share, %"]])
['Country', 'Exports|Total', 'Exports|Share, %']
"""

from __future__ import annotations

import csv
import gzip
import re
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import polars as pl

from tradeflows.errors import InputError, SchemaError
from tradeflows.sources.base import Layout, SourceSpec, Unpivot
from tradeflows.store.plan import variant_fields
from tradeflows.store.textfile import DELIMITERS, TextFile, hashing, opened, sniff

WORKBOOK_SUFFIXES = (".xlsx", ".xls", ".xlsm", ".ods")
# Rows of a sheet searched for the header and for detection: title blocks are short.
_HEAD_ROWS = 40


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() in WORKBOOK_SUFFIXES


@contextmanager
def opened_table(path: Path, workdir: Path, spec: SourceSpec | None) -> Iterator[tuple[TextFile, SourceSpec]]:
    """The file as the ingest query reads it, and the reader that reads it: ``spec`` when
    given, else the reader whose layout the workbook's cells match, else the one whose
    signature the header matches (``sources.detect_source``)."""
    from tradeflows.sources import SOURCES, detect_source

    if is_workbook(path):
        spec = spec or detect_workbook(path, SOURCES)
        if spec is not None and spec.layout is not None:
            long, note = reshape_workbook(path, spec.layout, workdir)
            yield _long_file(path, long), _for_long(spec, note)
            return
    if spec is not None and spec.layout is not None and path.suffix.lower() not in (".zip", ".parquet"):
        # The header may not be the first line (title lines above it): no sniffing of line 1.
        long, note = reshape_text(path, spec.layout, workdir)
        yield _long_file(path, long), _for_long(spec, note)
        return
    with opened(path, workdir) as file:
        spec = spec or detect_source(file.header, file=str(path))
        if spec.layout is None:
            yield file, spec
            return
        long, note = reshape_text(file.path, spec.layout, workdir, original=path)
        yield _long_file(path, long, digest=file.digest), _for_long(spec, note)


def _long_file(original: Path, long: Path, *, digest: Future[str] | None = None) -> TextFile:
    file = sniff(long, original=original, digest=digest or hashing(original))
    return replace(file, size=original.stat().st_size)


def _for_long(spec: SourceSpec, note: str) -> SourceSpec:
    """The spec as it reads the long table: a map's ``[unpivot]`` figures are told apart by
    the ``column`` they came from, and ``@value`` is the ``value`` column."""
    fields = dict(spec.fields)
    if spec.unpivot is not None:
        fields |= variant_fields(spec.unpivot, Layout.COLUMN)
    renamed = {Unpivot.VALUE: Layout.VALUE, Unpivot.VARIANT: Layout.COLUMN}
    fields = {k: replace(f, column=renamed.get(f.column, f.column)) for k, f in fields.items()}
    return replace(
        spec, fields=fields, unpivot=None, layout=None, note="; ".join(n for n in (spec.note, note) if n)
    )


def _sheets(path: Path) -> tuple[object, list[str]]:
    try:
        import fastexcel
    except ModuleNotFoundError as exc:  # pragma: no cover - a base dependency
        raise InputError(f"{path}: reading Excel needs fastexcel, part of the base install ({exc})") from None
    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as exc:  # fastexcel raises its own types for an unreadable workbook
        raise InputError(f"{path}: cannot read the workbook: {exc}") from None
    return reader, list(reader.sheet_names)


def _sheet_frame(reader: object, name: str, n_rows: int | None = None) -> pl.DataFrame:
    """A sheet as text cells, no header: column i is the sheet's column i."""
    sheet = reader.load_sheet(name, header_row=None, n_rows=n_rows, dtypes="string")  # type: ignore[attr-defined]
    frame = sheet.to_polars()
    return frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)})


def detect_workbook(path: Path, sources: dict[str, SourceSpec]) -> SourceSpec | None:
    """The first reader with a layout whose ``detect`` patterns the workbook's cells match."""
    reader, names = _sheets(path)
    candidates = [s for s in sources.values() if s.layout is not None and s.layout.detect]
    for spec in candidates:
        assert spec.layout is not None
        for name in _selected(names, spec.layout):
            head = _sheet_frame(reader, name, n_rows=_HEAD_ROWS).rows()
            if all(any(_search(p, cell) for row in head for cell in row) for p in spec.layout.detect):
                return spec
    return None


def _selected(names: list[str], layout: Layout) -> list[str]:
    return [n for n in names if not layout.sheets or re.search(layout.sheets, n)]


def _search(pattern: str, cell: object) -> re.Match[str] | None:
    return re.search(pattern, _text(cell)) if cell is not None else None


def _text(cell: object) -> str:
    """A cell as one line of text: a line break inside a cell ("Всего\\nв том числе") is a space."""
    return " ".join(str(cell).split())


def header_names(rows: list[list[object]]) -> list[str]:
    """Column names from the header rows: merged cells (empty to the right of a label) are
    filled from the left in every row but the last, and the rows joined with ``|``."""
    width = max(len(r) for r in rows)
    filled = []
    for depth, row in enumerate(rows):
        cells = [_text(c) if c is not None and _text(c) else None for c in row] + [None] * (width - len(row))
        if depth < len(rows) - 1:
            last = None
            for i, c in enumerate(cells):
                last = c if c is not None else last
                cells[i] = last
        filled.append(cells)
    names = ["|".join(p for p in parts if p) for parts in zip(*filled, strict=True)]
    # Numbered apart without regard to case: the reshaped table is read by DuckDB, to which
    # `Импорт|…` and `импорт|…` (Kazakhstan's 2021 workbook has both) are one name.
    seen: Counter[str] = Counter()
    out = []
    for i, name in enumerate(names):
        name = name or f"column {i + 1}"
        seen[name.casefold()] += 1
        out.append(name if seen[name.casefold()] == 1 else f"{name} #{seen[name.casefold()]}")
    return out


def _header_index(rows: list[tuple[object, ...]], layout: Layout, where: str) -> int:
    if isinstance(layout.header, int):
        return layout.header
    for i, row in enumerate(rows[:_HEAD_ROWS]):
        if any(_search(layout.header, c) for c in row):
            return i
    raise SchemaError(
        f"{where}: found no header row (a cell matching {layout.header!r}) in the first {_HEAD_ROWS} rows"
    )


def reshape_frame(raw: pl.DataFrame, layout: Layout, *, sheet: str, where: str) -> tuple[pl.DataFrame, Counter[str]]:
    """One sheet (text cells, no header) as long rows, and the count of cells that are no
    figure, by what they held. Columns: sheet, row, the cells, the header's columns
    (renamed by ``layout.columns``); with a wide layout, ``column`` and ``value``."""
    head = raw.head(_HEAD_ROWS).rows()
    h = _header_index(head, layout, where)
    names = header_names([list(r) for r in raw.slice(h, layout.header_rows).rows()])
    names = [_rename(n, layout) for n in names]
    if len({n.casefold() for n in names}) < len(names):
        raise SchemaError(f"{where}: the layout names two columns alike: {names}")
    cells = {}
    for name, pattern in layout.cells.items():
        found = next((m for row in head[:h] for c in row if (m := _search(pattern, c))), None)
        cells[name] = found.group(1) if found else None
    start = h + layout.header_rows + layout.skip_rows
    data = raw.slice(start).rename(dict(zip(raw.columns, names, strict=True)))
    data = data.with_columns(pl.int_range(start + 1, start + 1 + data.height).cast(pl.Int64).alias("row"))
    first = names[0]
    if layout.end:
        ends = data.select(pl.col(first).str.contains(layout.end).fill_null(False).arg_true()).to_series()
        if len(ends):
            data = data.head(ends[0])
    data = data.filter(~pl.all_horizontal(pl.col(names).is_null()))  # blank lines are no rows
    data = data.with_columns(pl.col(names).str.replace_all(r"\s+", " ").str.strip_chars())
    constants = [pl.lit(sheet).alias("sheet"), *(pl.lit(v, pl.String).alias(k) for k, v in cells.items())]
    data = data.select(*constants, "row", *names)
    skipped: Counter[str] = Counter()
    if layout.wide is not None:
        wide = [n for n in names if re.search(layout.wide, n)]
        if not wide:
            raise SchemaError(f"{where}: no column header matches {layout.wide!r}; the header has {names}")
        keep = [c for c in data.columns if c not in wide]
        order = {n: i for i, n in enumerate(wide)}
        data = (
            data.unpivot(on=wide, index=keep, variable_name=Layout.COLUMN, value_name=Layout.VALUE)
            .with_columns(pl.col(Layout.COLUMN).replace_strict(order, return_dtype=pl.Int32).alias("__order"))
            .sort("row", "__order")
            .drop("__order")
        )
        empty = pl.col(Layout.VALUE).is_null() | (pl.col(Layout.VALUE) == "")
        marked = pl.col(Layout.VALUE).is_in(list(layout.missing))
        skipped["empty"] = data.filter(empty).height
        for marker, n in data.filter(marked).group_by(Layout.VALUE).len().rows():
            skipped[repr(marker)] = n
        data = data.filter(~empty & ~marked)
    elif layout.missing:
        # A long table: a marker is a value that is not there, as NA is (the field says if it is required).
        data = data.with_columns(
            pl.when(pl.col(c).is_in(list(layout.missing))).then(None).otherwise(pl.col(c)).alias(c) for c in names
        )
    return data, skipped


def _rename(name: str, layout: Layout) -> str:
    return next((new for pattern, new in layout.columns.items() if re.search(pattern, name)), name)


def _note(skipped: Counter[str], sheets: int | None = None) -> str:
    parts = [f"{n:,} cell(s) {what}" for what, n in sorted(skipped.items()) if n]
    no_figure = f"no figure (not available, never zero): {', '.join(parts)}" if parts else ""
    read = f"{sheets} sheet(s) read as one run; each line names its sheet and row" if sheets else ""
    return "; ".join(p for p in (read, no_figure) if p)


def _write(frames: list[pl.DataFrame], target: Path, where: str) -> Path:
    if not frames:
        raise SchemaError(f"{where}: no sheet to read")
    # Sheets that spell a column in another case (Kazakhstan's 2021 workbook: `Импорт|…` on one
    # sheet, `импорт|…` on the other) give one column: DuckDB reads names without case.
    spelling: dict[str, str] = {}
    for frame in frames:
        for name in frame.columns:
            spelling.setdefault(name.casefold(), name)
    frames = [f.rename({n: spelling[n.casefold()] for n in f.columns}) for f in frames]
    pl.concat(frames, how="diagonal").write_csv(target)
    return target


def reshape_workbook(path: Path, layout: Layout, workdir: Path) -> tuple[Path, str]:
    """Every sheet the layout selects, reshaped into one long CSV in ``workdir``."""
    reader, names = _sheets(path)
    selected = _selected(names, layout)
    if not selected:
        raise SchemaError(f"{path}: no sheet name matches {layout.sheets!r}; the workbook has {names}")
    frames, skipped = [], Counter[str]()
    for name in selected:
        frame, missing = reshape_frame(_sheet_frame(reader, name), layout, sheet=name, where=f"{path} [{name}]")
        frames.append(frame)
        skipped.update(missing)
    return _write(frames, workdir / (path.stem + ".long.csv"), str(path)), _note(skipped, len(selected))


def reshape_text(path: Path, layout: Layout, workdir: Path, *, original: Path | None = None) -> tuple[Path, str]:
    """A delimited file (plain or .gz) under a layout (title lines, a wide table, missing
    markers) as one long CSV. The delimiter is the one most used in the first lines, and
    the width the widest of them, so a title line above the header does not cut the table."""
    original = original or path
    try:
        opener = gzip.open if path.suffix.lower() == ".gz" else open
        with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as handle:
            sample = [line for _, line in zip(range(_HEAD_ROWS), handle, strict=False)]
    except OSError as exc:
        raise InputError(f"{original}: cannot read the file: {exc}") from None
    text = "".join(sample).lstrip("\ufeff")
    delimiter = max(DELIMITERS, key=text.count)
    width = max((len(row) for row in csv.reader(text.splitlines(), delimiter=delimiter)), default=1)
    try:
        raw = pl.read_csv(
            path, has_header=False, separator=delimiter, encoding="utf8-lossy", truncate_ragged_lines=True,
            missing_columns="insert",
            schema={f"c{i}": pl.String for i in range(width)},
        )  # fmt: skip
    except pl.exceptions.PolarsError as exc:
        raise InputError(f"{original}: cannot read the file: {exc}") from None
    if raw.height and raw.item(0, 0) is not None:
        raw = raw.with_columns(pl.col("c0").str.strip_chars_start("\ufeff"))
    frame, skipped = reshape_frame(raw, layout, sheet="", where=str(original))
    target = workdir / (original.stem + ".long.csv")
    frame.drop("sheet").write_csv(target)
    return target, _note(skipped)
