"""Readers: one ``SourceSpec`` per file layout, and detection from a file's header."""

from __future__ import annotations

from pathlib import Path

from tradeflows.errors import SchemaError, UnknownSourceError
from tradeflows.sources import baci, comext, comtrade, comtrade_plus, eurostat_browser, kazakhstan
from tradeflows.sources.base import Field, Layout, SourceSpec, Unpivot
from tradeflows.sources.generic import MAP_SUFFIXES, builtin_maps, load_column_map

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
    closest = max((s for s in SOURCES.values() if s.signature), key=lambda s: len(s.signature & columns) / len(s.signature))
    missed = sorted(closest.signature - columns)
    raise SchemaError(
        f"{file}: cannot tell the source from the header {header[:8]!r}{' ...' if len(header) > 8 else ''}: "
        "no reader recognises it. "
        f"Closest: {closest.name} ({len(closest.signature & columns)} of its {len(closest.signature)} columns), "
        f"which also needs {missed}. Name a reader or a column map with --source (tradeflows sources lists them)."
    )


def detection(spec: SourceSpec) -> str:
    """How ``spec`` is recognised without --source, in words (``tradeflows sources``)."""
    if spec.layout is not None and spec.layout.detect:
        return "cells: " + ", ".join(spec.layout.detect)
    if spec.signature:
        return "columns: " + ", ".join(sorted(spec.signature))
    return "only with --source"


__all__ = [
    "SOURCES", "Field", "Layout", "SourceSpec", "Unpivot", "detect_source", "detection", "get_source", "load_column_map",
]
