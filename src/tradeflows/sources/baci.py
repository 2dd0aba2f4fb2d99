"""CEPII BACI: reconciled bilateral trade, annual, HS6 (columns ``t,i,j,k,v,q``).

``i`` exporter and ``j`` importer are numeric country codes in Comtrade's style
(842 USA, 251 France, 490 Other Asia nes), ``k`` the HS6 code (read as a number by
many tools, so ``10121`` is ``010121``), ``v`` the value in **thousand** US dollars
(FOB) and ``q`` the quantity in **metric tons**. Each row is stored as the
exporter's export (BACI reconciles both sides into one figure; partner basis
destination).

BACI files do not name the HS revision in their rows, only in the file name
(``BACI_HS17_Y2022_V202401.csv``): source ``baci`` reads it from there and a file
named otherwise is refused with the fix; ``baci_hs12``, ``baci_hs17`` and
``baci_hs22`` state it instead, for renamed files.

>>> hs_version_from_name("BACI_HS17_Y2022_V202401.csv")
2017
"""

from __future__ import annotations

import re

from tradeflows.errors import SchemaError
from tradeflows.schema import HS_VERSIONS
from tradeflows.sources.base import Field, SourceSpec

# CEPII's revision tags in file names: HS92, HS96, HS02, HS07, HS12, HS17, HS22.
_TAG = re.compile(r"(?i)(?:^|[^a-z0-9])HS(\d{2})(?:[^0-9]|$)")


def hs_version_from_name(file_name: str) -> int | None:
    """The HS revision a BACI file name states (HS17 -> 2017), or None."""
    match = _TAG.search(file_name)
    if not match:
        return None
    two = int(match.group(1))
    year = 1900 + two if two >= 88 else 2000 + two
    return year if year in HS_VERSIONS else None


def _version_from_file_name(file_name: str) -> tuple[dict[str, Field], str]:
    version = hs_version_from_name(file_name)
    if version is None:
        raise SchemaError(
            f"{file_name}: cannot tell the HS revision of this BACI file from its name; expected CEPII's name "
            "such as BACI_HS17_Y2022_V202401.csv, or state it with --source baci_hs12, baci_hs17 or baci_hs22"
        )
    return {"hs_version": Field.constant(version)}, f"hs_version {version} from the file name"


_FIELDS: dict[str, Field] = {
    "year": Field("t", "int"),
    "reporter": Field("i", "comtrade_country"),
    "partner": Field("j", "comtrade_country"),
    "flow": Field.constant("X"),
    "hs_level": Field.constant(6),
    "hs": Field("k", "hs"),
    "value_usd": Field("v", "number", scale=1000.0, maximum=1e12),
    "fob_usd": Field("v", "number", scale=1000.0),
    "net_kg": Field("q", "number", scale=1000.0, required=False),
    "partner_basis": Field.constant("destination"),
}
_SIGNATURE = frozenset({"t", "i", "j", "k", "v", "q"})
_NOTE = "BACI: v thousand USD x 1000 -> value_usd (FOB), q tons x 1000 -> net_kg; rows are exports i -> j"

BACI = SourceSpec(
    name="baci",
    description="CEPII BACI (t,i,j,k,v,q): HS revision read from the file name",
    signature=_SIGNATURE,
    fields=_FIELDS,
    note=_NOTE,
    from_file_name=_version_from_file_name,
)


def _stated(version: int) -> SourceSpec:
    return SourceSpec(
        name=f"baci_hs{version % 100:02d}",
        description=f"CEPII BACI (t,i,j,k,v,q) in HS{version}, whatever the file's name",
        signature=_SIGNATURE,
        fields={**_FIELDS, "hs_version": Field.constant(version)},
        note=f"{_NOTE}; hs_version {version} stated by the user",
    )


STATED: tuple[SourceSpec, ...] = tuple(_stated(v) for v in (2012, 2017, 2022))
