"""Readers: one ``SourceSpec`` per file layout, and detection from a file's header."""

from __future__ import annotations

from tradeflows.errors import SchemaError, UnknownSourceError
from tradeflows.sources import comtrade
from tradeflows.sources.base import Field, SourceSpec

# Order matters only when two signatures match the same header: the first wins.
SOURCES: dict[str, SourceSpec] = {
    "comtrade": comtrade.LEGACY,
}


def get_source(name: str) -> SourceSpec:
    try:
        return SOURCES[name]
    except KeyError:
        raise UnknownSourceError(
            f"Unknown source {name!r}; expected one of: {', '.join(SOURCES)}"
        ) from None


def detect_source(header: list[str], *, file: str) -> SourceSpec:
    """The spec whose signature columns all appear in ``header``."""
    columns = set(header)
    for spec in SOURCES.values():
        if spec.matches(columns):
            return spec
    expected = "; ".join(f"{s.name}: {', '.join(sorted(s.signature))}" for s in SOURCES.values())
    raise SchemaError(
        f"{file}: cannot tell the source from the header {header[:8]!r}"
        f"{' ...' if len(header) > 8 else ''}. Expected the columns of one of — {expected}. "
        "Name it with --source, or map the columns with a generic CSV column map."
    )


__all__ = ["SOURCES", "Field", "SourceSpec", "detect_source", "get_source"]
