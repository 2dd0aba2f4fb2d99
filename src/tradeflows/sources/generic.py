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

from pathlib import Path
from typing import Any, get_args

from tradeflows.errors import InputError, SchemaError
from tradeflows.reference.eurostat import eur_usd_sql
from tradeflows.reference.userfiles import read_document
from tradeflows.schema import FLOW_COLUMNS, hs_version_sql
from tradeflows.sources.base import Field, Kind, SourceSpec, Unpivot

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
    unknown = set(config) - {"source", "columns", "constants", "unpivot"}
    if unknown:
        raise SchemaError(f"{label}: unknown section(s) {sorted(unknown)}; expected source, columns, constants, unpivot")
    source = config.get("source", {})
    columns, constants = config.get("columns", {}), config.get("constants", {})
    fields: dict[str, Field] = {}
    for name, spec in columns.items():
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
    missing = {c.name for c in FLOW_COLUMNS if not c.nullable} - {"source", "ingest_id"} - set(fields)
    missing -= set(k for consts in (unpivot.columns.values() if unpivot else ()) for k in consts)
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
        unpivot=unpivot,
    )


def _year_sql(source: str | bool, columns: dict[str, Any], label: str) -> str:
    """SQL for a row's year: a named column, or (``True``) the map's own year field."""
    if isinstance(source, str):
        return f'TRY_CAST(trim("{source}") AS INTEGER)'
    year = columns.get("year")
    if year is None:
        raise SchemaError(f"{label}: converting by year needs a year under [columns]")
    year = year if isinstance(year, dict) else {"column": year}
    return f"({year['sql']})" if "sql" in year else f'TRY_CAST(trim("{year["column"]}") AS INTEGER)'


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
    column = Unpivot.VALUE if spec["column"] == "@value" else str(spec["column"])
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
