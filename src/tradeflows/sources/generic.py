"""Any other table (national statistics, a colleague's extract) through a small
column-map file in TOML (or YAML): which file column fills which canonical column, in what
unit, and what is the same for every row.

A map is configuration for the same mechanism the built-in readers use (a
``SourceSpec``); nothing here reads rows. Example, for a national file with
imports by origin and by consignment side by side::

    [source]
    name = "national_armenia"          # recorded as flows.source
    signature = ["country", "export"]  # optional: detect the layout from the header
    note = "values in thousand USD"

    [columns]                          # canonical column = file column, or a table
    year = "year"
    month = "month"
    partner = { column = "country", kind = "name_country" }
    value_usd = { column = "@value", unit = "thousand USD" }   # @value: the unpivoted figure

    [constants]                        # the same for every row
    reporter = "ARM"
    hs = "TOTAL"
    hs_level = 0
    hs_version = { from_year = true }  # the revision in force in the row's year

    [unpivot]                          # optional: one canonical row per value column
    export = { flow = "X", partner_basis = "destination" }
    import_origin = { flow = "M", partner_basis = "origin" }

Column tables take ``column``, ``kind`` (a ``Field`` kind), ``unit`` or ``scale``,
``currency = "EUR"`` (converted with the ECB annual rate of the row's year),
``values`` (raw value -> canonical value, e.g. ``{ IMPORT = "M" }`` for flows) and
``required``; or ``sql``, a DuckDB expression over the file's columns (quoted), for
what the others cannot say: ``year = { sql = 'TRY_CAST(substr("PERIOD", 2) AS INTEGER)' }``
reads ``Y2019``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields as fields_of
from pathlib import Path
from typing import Any, get_args

from tradeflows.errors import InputError, SchemaError
from tradeflows.reference.eurostat import eur_usd_sql
from tradeflows.reference.userfiles import read_document
from tradeflows.schema import FLOW_COLUMNS, hs_version_sql
from tradeflows.sources.base import Field, Kind, Layout, SourceSpec, Unpivot

# Units a map may name, and the factor to the canonical unit (USD, kg).
UNITS: dict[str, float] = {
    "USD": 1.0,
    "thousand USD": 1e3,
    "million USD": 1e6,
    "kg": 1.0,
    "100 kg": 100.0,  # Comext's supplementary quantity unit in some extracts
    "tons": 1e3,
    "t": 1e3,
}
_CANONICAL = {c.name for c in FLOW_COLUMNS} - {"source", "ingest_id", "line"}
_KINDS = set(get_args(Kind))
_FIELD_KEYS = {"column", "kind", "unit", "scale", "currency", "values", "required", "sql"}


MAP_SUFFIXES = (".toml", ".yaml", ".yml")


def load_column_map(path: Path | str) -> SourceSpec:
    """Read a column map (TOML, or the same tables in YAML) into a ``SourceSpec`` that
    ``Store.ingest`` accepts as ``source``."""
    path = Path(path)
    try:
        config = read_document(path)
    except InputError as exc:
        raise SchemaError(f"cannot read the column map: {exc}") from None
    return column_map_spec(config, label=str(path))


def column_map_spec(config: dict[str, Any], *, label: str = "column map") -> SourceSpec:
    """A ``SourceSpec`` from a parsed column map (see the module docstring)."""
    unknown = set(config) - set(_SECTIONS)
    if unknown:
        raise SchemaError(f"{label}: unknown section(s) {sorted(unknown)}; expected {', '.join(_SECTIONS)}")
    source = config.get("source", {})
    columns, constants = config.get("columns", {}), dict(config.get("constants", {}))
    # The unit and currency of the file's values, where the file states them once for all.
    defaults = {k: constants.pop(k) for k in ("unit", "currency") if k in constants}
    fields: dict[str, Field] = {}
    for name, spec in columns.items():
        if defaults and name in _VALUES:
            spec = {**defaults, **({"column": spec} if isinstance(spec, str) else spec)}
        fields[_canonical(name, label)] = _field(name, spec, columns, label)
    for name, value in constants.items():
        canonical = _canonical(name, label)
        if isinstance(value, dict) and set(value) == {"from_year"}:
            fields[canonical] = Field.expression(hs_version_sql(_year_sql(value["from_year"], columns, label)))
        elif isinstance(value, dict):
            raise SchemaError(
                f"{label}: constant {name} = {value!r}: expected a value, {{ from_year = \"COLUMN\" }} "
                "or { from_year = true } (the year the map reads)"
            )
        else:
            fields[canonical] = Field.constant(value)
    unpivot = None
    if config.get("unpivot"):
        unpivot = Unpivot({column: {_canonical(k, label): v for k, v in consts.items()}
                           for column, consts in config["unpivot"].items()})
    layout = _layout(config["layout"], unpivot, label) if "layout" in config else None
    missing = {c.name for c in FLOW_COLUMNS if not c.nullable} - {"source", "ingest_id"} - set(fields)
    missing -= set(k for consts in (unpivot.columns.values() if unpivot else ()) for k in consts)
    missing -= set(k for consts in config.get("file_names", {}).values() for k in consts)
    if "hs" in fields and fields["hs"].kind == "hs":
        missing.discard("hs_level")  # derived from the code's length
    if missing:
        raise SchemaError(
            f"{label}: the map does not say where {sorted(missing)} come from; add them under [columns] "
            "or [constants]"
        )
    return SourceSpec(
        name=str(source.get("name", "csv")),
        description=str(source.get("description", f"column map {label}")),
        signature=frozenset(source.get("signature", ())),
        fields=fields,
        note=str(source.get("note", f"columns mapped by {label}")),
        optional_columns=frozenset(source.get("optional_columns", ())),
        description_column=source.get("description_column"),
        unpivot=unpivot,
        layout=layout,
        exclude={
            str(k): {str(v): str(why) for v, why in reasons.items()} for k, reasons in config.get("exclude", {}).items()
        },
        from_file_name=_by_file_name(config["file_names"], label) if "file_names" in config else None,
    )


_SECTIONS = ("source", "layout", "columns", "constants", "unpivot", "exclude", "file_names")
_VALUES = ("value_usd", "cif_usd", "fob_usd")
_LAYOUT_KEYS = {f.name for f in fields_of(Layout)}


def _layout(table: dict[str, Any], unpivot: Unpivot | None, label: str) -> Layout:
    unknown = set(table) - _LAYOUT_KEYS
    if unknown:
        raise SchemaError(f"{label}: [layout] has unknown key(s) {sorted(unknown)}; expected {sorted(_LAYOUT_KEYS)}")
    values = {k: tuple(v) if k in ("missing", "detect") else v for k, v in table.items()}
    patterns = [values.get(k) for k in ("sheets", "wide", "end")] + list(values.get("detect", ()))
    patterns += list(values.get("columns", {})) + list(values.get("cells", {}).values())
    if isinstance(values.get("header"), str):
        patterns.append(values["header"])
    for pattern in filter(None, patterns):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise SchemaError(f"{label}: [layout] pattern {pattern!r} is not a regular expression: {exc}") from None
    if unpivot is not None and "wide" not in values:  # the [unpivot] columns are the wide ones
        values["wide"] = "^(" + "|".join(re.escape(c) for c in unpivot.columns) + ")$"
    return Layout(**values)


def _by_file_name(table: dict[str, dict[str, Any]], label: str) -> Callable[[str], tuple[dict[str, Field], str]]:
    """Constants that only a file's name states (a statistics office's table number): the
    first pattern the name matches gives them; a name matching none is refused."""
    for consts in table.values():
        for k in consts:
            _canonical(k, label)

    def constants_for(file_name: str) -> tuple[dict[str, Field], str]:
        for pattern, consts in table.items():
            if re.search(pattern, file_name):
                said = ", ".join(f"{k} {v}" for k, v in consts.items())
                return {k: Field.constant(v) for k, v in consts.items()}, f"{said} from the file name ({pattern!r})"
        raise SchemaError(
            f"{file_name}: {label} tells its files apart by name, and this name matches none of "
            f"{list(table)}; rename the file or write a map with the constants"
        )

    return constants_for


def _year_sql(source: str | bool, columns: dict[str, Any], label: str) -> str:
    """SQL for a row's year: a named column, or (``True``) the map's own year field."""
    if isinstance(source, str):
        return f'TRY_CAST(trim("{source}") AS INTEGER)'
    year = columns.get("year")
    if year is None:
        raise SchemaError(f"{label}: converting by year needs a year under [columns]")
    year = year if isinstance(year, dict) else {"column": year}
    return f"({year['sql']})" if "sql" in year else f'TRY_CAST(trim("{_raw_column(year["column"])}") AS INTEGER)'


def _raw_column(name: str) -> str:
    """A file column, or ``@value`` (the figure of a wide row) or ``@column`` (the header of
    its column, under a ``[layout]`` with ``wide``)."""
    return {"@value": Unpivot.VALUE, "@column": Layout.COLUMN}.get(name, name)


def _canonical(name: str, label: str) -> str:
    if name not in _CANONICAL:
        raise SchemaError(f"{label}: {name!r} is not a canonical column; expected one of {sorted(_CANONICAL)}")
    return name


def _field(name: str, spec: Any, columns: dict[str, Any], label: str) -> Field:
    if isinstance(spec, str):
        spec = {"column": spec}
    if isinstance(spec, dict) and set(spec) == {"sql"}:
        return Field.expression(str(spec["sql"]))
    if not isinstance(spec, dict) or "column" not in spec or set(spec) - _FIELD_KEYS:
        raise SchemaError(
            f"{label}: columns.{name} = {spec!r}: expected a column name, {{ sql = \"...\" }}, or a table with "
            f"keys {sorted(_FIELD_KEYS)} and at least 'column'"
        )
    column = _raw_column(str(spec["column"]))
    kind = spec.get("kind") or _default_kind(name)
    if kind not in _KINDS:
        raise SchemaError(f"{label}: columns.{name}: kind {kind!r}; expected one of {sorted(_KINDS)}")
    scale = float(spec.get("scale", 1.0))
    if "unit" in spec:
        if spec["unit"] not in UNITS:
            raise SchemaError(f"{label}: columns.{name}: unit {spec['unit']!r}; expected one of {list(UNITS)}")
        scale *= UNITS[spec["unit"]]
    factor = None
    if "currency" in spec:
        if spec["currency"] != "EUR" or "year" not in columns:
            raise SchemaError(f"{label}: columns.{name}: currency {spec['currency']!r}; only 'EUR' is converted, "
                              "and it needs a year column")
        factor = eur_usd_sql(_year_sql(True, columns, label))
    return Field(
        column,
        kind,
        required=bool(spec.get("required", name in _REQUIRED)),
        scale=scale,
        values=spec.get("values") or (_FLOWS if kind == "flow" else None),
        factor_sql=factor,
        factor_label="EUR/USD rate for the year",
    )


_REQUIRED = {c.name for c in FLOW_COLUMNS if not c.nullable}
_FLOWS = {"X": "X", "M": "M", "RX": "RX", "RM": "RM", "Export": "X", "Import": "M", "export": "X", "import": "M"}


def _default_kind(name: str) -> Kind:
    return {
        "year": "int", "month": "int", "hs_level": "int", "hs_version": "int",
        "reporter": "iso3_country", "partner": "iso3_country", "partner2": "iso3_country",
        "flow": "flow", "hs": "hs",
        "value_usd": "number", "cif_usd": "number", "fob_usd": "number", "qty": "number", "net_kg": "number",
    }.get(name, "text")


BUILTIN_MAPS = Path(__file__).parent / "maps"


def builtin_maps() -> dict[str, SourceSpec]:
    """The column maps shipped with tradeflows (``sources/maps/*.toml``), by name."""
    specs = [load_column_map(p) for p in sorted(BUILTIN_MAPS.glob("*.toml"))]
    return {s.name: s for s in specs}
