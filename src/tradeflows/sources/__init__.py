"""Readers: one ``SourceSpec`` per file layout, and detection from a file's header."""

from __future__ import annotations

from pathlib import Path

from tradeflows.errors import SchemaError, UnknownSourceError
from tradeflows.sources import baci, comext, comtrade, comtrade_plus
from tradeflows.sources.base import Field, SourceSpec, Unpivot
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
    """The spec whose signature columns all appear in ``header``."""
    columns = set(header)
    for spec in SOURCES.values():
        if spec.signature and spec.matches(columns):
            return spec
    expected = "; ".join(f"{s.name}: {', '.join(sorted(s.signature))}" for s in SOURCES.values())
    raise SchemaError(
        f"{file}: cannot tell the source from the header {header[:8]!r}"
        f"{' ...' if len(header) > 8 else ''}. Expected the columns of one of — {expected}. "
        "Name it with --source, or map the columns with a generic CSV column map."
    )


__all__ = ["SOURCES", "Field", "SourceSpec", "Unpivot", "detect_source", "get_source", "load_column_map"]
