"""Readers: one ``SourceSpec`` per file layout, and detection from a file's header."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tradeflows.errors import SchemaError, UnknownSourceError
from tradeflows.sources import baci, comext, comtrade, comtrade_plus, eurostat_browser, kazakhstan
from tradeflows.sources.base import Field, Layout, SourceSpec, Unpivot
from tradeflows.sources.generic import BUILTIN_MAPS as BUILTIN_MAP_DIR
from tradeflows.sources.generic import MAP_SUFFIXES, builtin_maps, load_column_map

if TYPE_CHECKING:
    import polars as pl

# Order matters only when two signatures match the same header: the first wins.
SOURCES: dict[str, SourceSpec] = {
    "comtrade": comtrade.LEGACY,
    "comtrade_plus": comtrade_plus.COMTRADE_PLUS,
    "baci": baci.BACI,
    **{spec.name: spec for spec in baci.STATED},
    "comext": comext.CLASSIC,
    "comext_rp": comext.REPORTER_PARTNER,
    "comext_v2": comext.V2,
    "eurostat_databrowser": eurostat_browser.DATABROWSER,
    "kazakhstan_stat": kazakhstan.KAZAKHSTAN,
    **builtin_maps(),
}


def get_source(name: str) -> SourceSpec:
    """A reader by name, or the column map in a .toml file (see ``sources.generic``)."""
    if name.lower().endswith(MAP_SUFFIXES):
        return load_column_map(Path(name))
    try:
        return SOURCES[name]
    except KeyError:
        raise UnknownSourceError(
            f"Unknown source {name!r}; expected one of: {', '.join(SOURCES)}, or a column-map file NAME.toml (or .yaml)"
        ) from None


def detect_source(header: list[str], *, file: str) -> SourceSpec:
    """The spec whose signature columns all appear in ``header``; when none does, the
    error names the closest reader (most of its signature present) and what it missed."""
    columns = set(header)
    for spec in SOURCES.values():
        if spec.signature and spec.matches(columns):
            return spec
    readers = [s for s in SOURCES.values() if s.signature]
    closest = max(readers, key=lambda s: len(s.signature & columns) / len(s.signature))
    shared = len(closest.signature & columns)
    nearest = (
        f"Closest: {closest.name} ({shared} of its {len(closest.signature)} columns), which also needs "
        f"{sorted(closest.signature - columns)}. "
        if shared
        else "No reader shares a column with it. "
    )
    raise SchemaError(
        f"{file}: cannot tell the source from the header {header[:8]!r}{' ...' if len(header) > 8 else ''}: "
        f"no reader recognises it. {nearest}Name a reader or a column map with --source (tradeflows sources "
        "lists them; README 'Column maps' says how to write one)."
    )


def describe_sources(map_folders: list[Path] | None = None) -> pl.DataFrame:
    """One row per reader and column map: ``name``, ``kind`` (reader, built-in map, map),
    ``detected_by`` (the columns or cells that identify it, or "only with --source"),
    ``description`` and ``path`` (of a map). Maps in ``map_folders`` (``*.toml``, ``*.yaml``)
    are listed too; one that does not parse is listed with its error."""
    import polars as pl

    builtin = {p.stem: p for p in BUILTIN_MAP_DIR.glob("*.toml")}
    rows = []
    for name, spec in SOURCES.items():
        path = next((p for p in builtin.values() if load_column_map(p).name == name), None)
        kind = "built-in map" if path else "reader"
        rows.append((name, kind, detection(spec), spec.description, str(path) if path else None))
    for folder in map_folders or []:
        for path in sorted(p for p in Path(folder).glob("*") if p.suffix.lower() in MAP_SUFFIXES):
            try:
                spec = load_column_map(path)
                rows.append((spec.name, "map", detection(spec), spec.description, str(path)))
            except SchemaError as exc:
                rows.append((path.stem, "map (unreadable)", "", str(exc), str(path)))
    schema = {c: pl.String for c in ("name", "kind", "detected_by", "description", "path")}
    return pl.DataFrame(rows, schema=schema, orient="row")


def detection(spec: SourceSpec) -> str:
    """How ``spec`` is recognised without --source, in words (``tradeflows sources``)."""
    if spec.layout is not None and spec.layout.detect:
        return "cells: " + ", ".join(spec.layout.detect)
    if spec.signature:
        return "columns: " + ", ".join(sorted(spec.signature))
    return "only with --source"


__all__ = [
    "SOURCES", "Field", "Layout", "SourceSpec", "Unpivot", "describe_sources", "detect_source", "detection",
    "get_source", "load_column_map",
]
