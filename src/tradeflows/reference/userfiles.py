"""Reading the files users define baskets and groups in: TOML, YAML or CSV.

One file may hold both, as top-level tables ``baskets`` and ``groups``::

    [baskets.drones_and_parts]
    description = "UAVs and their cameras"
    codes = ["8806", {code = "852580", hs_version = 2017}]

    [groups.my_hubs]
    members = ["ARM", "GEO", "KAZ"]
"""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path
from typing import Any

from tradeflows.errors import InputError


def read_document(path: Path) -> dict[str, Any]:
    """A TOML or YAML file as a mapping, with errors that name the file."""
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror}") from None
    try:
        if suffix == ".toml":
            return tomllib.loads(text)
        if suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text) or {}
            if not isinstance(data, dict):
                raise InputError(f"{path}: expected a mapping with `baskets` and/or `groups` at the top")
            return data
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    except Exception as exc:  # yaml.YAMLError and friends: the parser's own message helps most
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{path}: not valid YAML: {exc}") from None
    raise InputError(f"{path}: expected a .toml, .yaml, .yml or .csv file")


def read_csv_rows(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    """CSV rows as dicts; the header must have the ``required`` columns."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in required if c not in header]
        if missing:
            raise InputError(f"{path}: missing column(s) {', '.join(missing)}; the header is {', '.join(header)}")
        return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]
