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

CEPII ships two code files beside the data: ``product_codes_HS17_V202401.csv``
(``code,description``), read by ``read_product_codes`` for the store's products
table, and ``country_codes_V202401.csv`` (code, name, ISO2, ISO3), which
``check_country_codes`` compares with the mapping the reader uses.

>>> hs_version_from_name("BACI_HS17_Y2022_V202401.csv")
2017
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from tradeflows.errors import SchemaError
from tradeflows.reference.countries import comtrade_code_table

if TYPE_CHECKING:
    import polars as pl

    from tradeflows.store import Store
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


def read_product_codes(path: Path | str, *, hs_version: int | None = None) -> pl.DataFrame:
    """CEPII's product code file as rows of the products table: hs_version, hs_level, hs, description.

    The revision comes from the file name (``product_codes_HS17_V202401.csv``) unless given.
    """
    import polars as pl

    path = Path(path)
    version = hs_version or hs_version_from_name(path.name)
    if version is None:
        raise SchemaError(f"{path}: cannot tell the HS revision from the name; pass hs_version (e.g. 2017)")
    table = _read(path, {"code", "description"})
    code = pl.col("code").str.strip_chars()
    return table.select(
        pl.lit(version, pl.Int16).alias("hs_version"),
        pl.lit(6, pl.Int8).alias("hs_level"),
        pl.when(code.str.len_chars() == 5).then(code.str.zfill(6)).otherwise(code).alias("hs"),
        pl.col("description").str.strip_chars(),
    )


def load_product_codes(store: Store, path: Path | str, *, hs_version: int | None = None) -> int:
    """Put CEPII's product descriptions into the store's products table (codes already
    described are left as they are); returns how many were added."""
    products = read_product_codes(path, hs_version=hs_version)
    with store.connect(read_only=False) as con:
        before = con.execute("SELECT count(*) FROM products").fetchall()[0][0]
        con.register("__products", products.to_arrow())
        con.execute(
            "INSERT INTO products SELECT hs_version, hs_level, hs, description, NULL FROM __products p "
            "WHERE NOT EXISTS (SELECT 1 FROM products q WHERE q.hs_version = p.hs_version AND q.hs = p.hs)"
        ).fetchall()
        con.unregister("__products")
        return con.execute("SELECT count(*) FROM products").fetchall()[0][0] - before


def check_country_codes(path: Path | str) -> pl.DataFrame:
    """CEPII's country code file beside our mapping of the same codes: one row per code
    with ``baci_iso3``, ``our_iso3`` and ``agrees`` (codes we map differently, or not at all,
    are the ones whose rows the reader would quarantine or misplace)."""
    import polars as pl

    path = Path(path)
    table = _read(path, {"country_code"})
    iso3 = next((c for c in ("country_iso3", "iso_3digit_alpha") if c in table.columns), None)
    if iso3 is None:
        raise SchemaError(f"{path}: expected a country_iso3 (or iso_3digit_alpha) column; found {table.columns}")
    ours = comtrade_code_table().select(pl.col("code").cast(pl.Int64), pl.col("iso3").alias("our_iso3"))
    return (
        table.select(pl.col("country_code").str.strip_chars().cast(pl.Int64).alias("code"),
                     pl.col(iso3).str.strip_chars().alias("baci_iso3"))
        .join(ours, on="code", how="left")
        .with_columns(agrees=pl.col("baci_iso3") == pl.col("our_iso3"))
        .sort("code")
    )  # fmt: skip


def _read(path: Path, needed: set[str]) -> pl.DataFrame:
    import polars as pl

    try:
        table = pl.read_csv(path, infer_schema_length=0, encoding="utf8-lossy")
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise SchemaError(f"{path}: cannot read the file: {exc}") from None
    missing = needed - set(table.columns)
    if missing:
        raise SchemaError(f"{path}: missing column(s) {sorted(missing)}; the header has {table.columns}")
    return table
