"""HS revisions: flows reported in HS2012, HS2017 and HS2022 compared on one revision.

A ``Concordance`` links the HS6 codes of one revision to those of another. Converting
a flow sends its value (and weight, quantity) to the codes its code links to:

- ``1:1``  one code to one code: the whole value;
- ``n:1``  several codes merged into one: each brings its whole value;
- ``1:n``  one code split between several: by the ``split`` rule, stated in the
           output's ``split_rule`` column: ``equal`` shares (the default), ``trade``
           shares (each target's share of the store's own trade in the target
           revision), or weights the user gives.

Built in is an excerpt of the UNSD HS2022 -> HS2017 conversion table (each HS2022
code to the one HS2017 code UNSD converts it to) for the headings the built-in
baskets use; ``load_concordance`` reads a full table (UNSD's correlation or
conversion tables, as CSV). Tables are read either way round and chained through a
revision between (an HS2012 -> HS2017 table and the HS2022 -> HS2017 one take HS2012
to HS2022). A code the concordance does not list is kept in its own revision and
says so; so is a revision no table reaches.

Smartphones (HS2022 851713) were inside HS2017 851712; read backwards, HS2017 851712
is split between ten HS2022 codes:

>>> BUILTIN_2022_2017.targets("851713"), BUILTIN_2022_2017.inverse().targets("851712")
(('851712',), ('851713', '851714', '852411', '852412', '852419', '852491', '852492', '852499', '854151', '854159'))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import polars as pl

from tradeflows.errors import ParameterError, SchemaError
from tradeflows.schema import HS_VERSIONS

if TYPE_CHECKING:
    from tradeflows.store import Store

# Source: UNSD, "HS2022 to HS2017 Conversion and Correlation Tables", sheet
# "HS2022-HS2017 Conversions" (each HS2022 subheading -> one HS2017 subheading).
# Excerpt: every HS2022 code in, or converting into, the headings of the built-in
# baskets (cars, computers, smartphones, UAVs, CHPL). "a>b" is HS2022 a -> HS2017 b;
# a lone code is unchanged.
_UNSD_2022_2017_EXCERPT = """
    8457: 845710 845720 845730
    8458: 845811 845819 845891 845899
    8459: 845910 845921 845929 845931 845939 845941 845949 845951 845959 845961 845969 845970
    8466: 846610 846620 846630 846691 846692 846693 846694
    8471: 847130 847141 847149 847150 847160 847170 847180 847190
    8482: 848210 848220 848230 848240 848250 848280 848291 848299
    8486: 848610 848620 848630 848640 848690
    8504: 850410 850421 850422 850423 850431 850432 850433 850434 850440 850450 850490
    8517: 851711 851713>851712 851714>851712 851718 851761 851762 851769 851771>851770 851779>851770
    8524: 852411>851712 852412>851712 852419>851712 852491>851712 852492>851712 852499>851712
    8525: 852550 852560 852581>852580 852582>852580 852583>852580 852589>852580
    8526: 852610 852691 852692
    8529: 852910 852990
    8532: 853210 853221 853222 853223 853224 853225 853229 853230 853290
    8534: 853400
    8536: 853610 853620 853630 853641 853649 853650 853661 853669 853670 853690
    8541: 854110 854121 854129 854130 854141>854140 854142>854140 854143>854140 854149>854140 854151>851712 854159>851712 854160 854190
    8542: 854231 854232 854233 854239 854290
    8543: 854310 854320 854330 854340>854370 854370 854390
    8548: 854800>854890
    8549: 854911>854810 854912>854810 854913>854810 854914>854810 854919>854810 854921>854231 854929>854231 854931>854231 854939>854231 854991>854231 854999>854231
    8703: 870310 870321 870322 870323 870324 870331 870332 870333 870340 870350 870360 870370 870380 870390
    8802: 880211 880212 880220 880230 880240 880260
    8806: 880610>880240 880621>852580 880622>852580 880623>852580 880624>852580 880629>880240 880691>852580 880692>852580 880693>852580 880694>852580 880699>880240
    8807: 880710>880310 880720>880320 880730>880330 880790>880390
    9013: 901310 901320 901380 901390
    9014: 901410 901420 901480 901490
    9027: 902710 902720 902730 902750 902781>902780 902789>902780 902790
    9030: 903010 903020 903031 903032 903033 903039 903040 903082 903084 903089 903090
"""


def _parse_excerpt(text: str) -> pl.DataFrame:
    links = []
    for line in text.strip().splitlines():
        for item in line.split(":", 1)[1].split():
            a, _, b = item.partition(">")
            links.append((a, b or a))
    return pl.DataFrame(links, schema={"from_hs": pl.String, "to_hs": pl.String}, orient="row")


@dataclass(frozen=True)
class Concordance:
    """Links from HS6 codes of ``from_version`` to HS6 codes of ``to_version``."""

    from_version: int
    to_version: int
    links: pl.DataFrame  # from_hs, to_hs (text, six digits)
    source: str

    def inverse(self) -> Concordance:
        """The same links read the other way (HS2017 -> HS2022 from an HS2022 -> HS2017 table)."""
        return Concordance(
            self.to_version, self.from_version,
            self.links.select(pl.col("to_hs").alias("from_hs"), pl.col("from_hs").alias("to_hs")),
            f"{self.source}, read backwards",
        )  # fmt: skip

    def targets(self, code: str) -> tuple[str, ...]:
        """The codes ``code`` links to, sorted."""
        return tuple(sorted(self.links.filter(pl.col("from_hs") == code)["to_hs"].to_list()))

    @cached_property
    def relationships(self) -> pl.DataFrame:
        """Each link with its kind: 1:1, n:1 (merged), 1:n (split) or n:n."""
        fan_out = pl.len().over("from_hs")
        fan_in = pl.len().over("to_hs")
        return self.links.unique().with_columns(
            n_targets=fan_out.cast(pl.Int32),
            relationship=pl.when((fan_out == 1) & (fan_in == 1)).then(pl.lit("1:1"))
            .when(fan_out == 1).then(pl.lit("n:1"))
            .when(fan_in == 1).then(pl.lit("1:n"))
            .otherwise(pl.lit("n:n")),
        )  # fmt: skip


BUILTIN_2022_2017 = Concordance(
    2022, 2017, _parse_excerpt(_UNSD_2022_2017_EXCERPT),
    "UNSD HS2022-HS2017 conversion table (built-in excerpt for the basket headings)",
)  # fmt: skip

_VERSION_COLUMN = re.compile(r"(?i)^hs[ _-]?(\d{2}|\d{4})$")


def load_concordance(
    path: Path | str, *, from_version: int | None = None, to_version: int | None = None
) -> Concordance:
    """Read a concordance CSV with one column per revision, named like ``hs2022`` and ``hs2017``
    (UNSD's tables as distributed in CSV), or give the versions for its first two columns.

    Extra columns (a relationship label) are ignored: relationships are recomputed from the links.
    """
    path = Path(path)
    try:
        table = pl.read_csv(path, infer_schema_length=0)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise SchemaError(f"{path}: cannot read the concordance: {exc}") from None
    found = [(c, _version(m.group(1))) for c in table.columns if (m := _VERSION_COLUMN.match(c.strip()))]
    if from_version is None or to_version is None:
        if len(found) != 2:
            raise SchemaError(
                f"{path}: expected two columns named for HS revisions (e.g. hs2022, hs2017), found {table.columns}; "
                "or pass from_version and to_version for its first two columns"
            )
        (from_col, from_version), (to_col, to_version) = found
    else:
        from_col, to_col = table.columns[:2]
    for version in (from_version, to_version):
        if version not in HS_VERSIONS:
            raise ParameterError(f"HS revision {version}: expected one of {HS_VERSIONS}")
    def code(column: str) -> pl.Expr:  # a code read as a number lost its leading zero: 10121 -> 010121
        text = pl.col(column).str.strip_chars()
        return pl.when(text.str.len_chars() == 5).then(text.str.zfill(6)).otherwise(text)

    links = table.select(code(from_col).alias("from_hs"), code(to_col).alias("to_hs")).drop_nulls()
    bad = links.filter(~pl.col("from_hs").str.contains(r"^\d{6}$") | ~pl.col("to_hs").str.contains(r"^\d{6}$"))
    if not bad.is_empty():
        raise SchemaError(f"{path}: codes that are not HS6, e.g. {bad.row(0)}; expected six digits on both sides")
    return Concordance(from_version, to_version, links.unique(maintain_order=True), str(path))


def _version(text: str) -> int:
    year = int(text)
    return year if year > 100 else (1900 + year if year >= 88 else 2000 + year)


Split = Literal["equal", "trade"]

_MEASURES = ("value_usd", "cif_usd", "fob_usd", "qty", "net_kg")


def convert_flows(
    frame: pl.DataFrame,
    to_version: int,
    *,
    concordances: tuple[Concordance, ...] = (BUILTIN_2022_2017,),
    split: Split = "equal",
    weights: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Rows of ``frame`` (columns hs_version, hs_level, hs and measures) on HS revision ``to_version``.

    Adds ``hs_from``, ``hs_version_from``, ``weight``, ``relationship`` and
    ``split_rule``; measures are multiplied by ``weight``. ``weights`` (columns
    from_hs, to_hs, weight) overrides ``split`` where it has the link.
    """
    if to_version not in HS_VERSIONS:
        raise ParameterError(f"to_version={to_version}: expected one of {HS_VERSIONS}")
    if split not in ("equal", "trade"):
        raise ParameterError(f"split={split!r}: expected 'equal' or 'trade' (or pass weights)")
    frame = frame.with_columns(pl.col("hs").alias("hs_from"), pl.col("hs_version").alias("hs_version_from"))
    measures = [m for m in _MEASURES if m in frame.columns]
    target = f"HS{to_version}"
    parts = []
    same = (pl.col("hs_version") == to_version) | (pl.col("hs_level") != 6)
    parts.append(
        frame.filter(same).with_columns(
            weight=pl.lit(1.0),
            relationship=pl.lit(None, pl.String),
            split_rule=pl.when(pl.col("hs_level") != 6)
            .then(pl.format("HS{} {}: not converted", pl.col("hs_level"), pl.col("hs")))
            .otherwise(pl.lit(f"{target} as reported")),
        )  # fmt: skip
    )
    trade = (
        frame.filter((pl.col("hs_version") == to_version) & (pl.col("hs_level") == 6))
        .group_by("hs").agg(pl.col("value_usd").sum().alias("trade"))
        .rename({"hs": "to_hs"})
    )  # fmt: skip
    for version in sorted(set(frame.filter(~same)["hs_version"].to_list())):
        rows = frame.filter(~same & (pl.col("hs_version") == version))
        concordance = _pick(concordances, version, to_version)
        if concordance is None:
            parts.append(_kept(rows, f"no HS{version}-{target} concordance loaded: kept as HS{version}"))
            continue
        links = _weighted(concordance.relationships, split, trade, weights, target)
        joined = rows.join(links, left_on="hs", right_on="from_hs", how="left")
        parts.append(_kept(joined.filter(pl.col("to_hs").is_null()).select(rows.columns),
                           f"not in {concordance.source}: kept as HS{version}"))
        parts.append(
            joined.filter(pl.col("to_hs").is_not_null())
            .with_columns(pl.col("to_hs").alias("hs"), pl.lit(to_version).cast(frame.schema["hs_version"]).alias("hs_version"))
            .select([*rows.columns, "weight", "relationship", "split_rule"])
        )
    out = pl.concat(parts, how="diagonal_relaxed")
    return out.with_columns(*(pl.col(m) * pl.col("weight") for m in measures))


def _pick(concordances: tuple[Concordance, ...], version: int, to_version: int) -> Concordance | None:
    """The links from ``version`` to ``to_version``: a table either way round, or two chained
    through a revision between them (HS2012 -> HS2017 -> HS2022)."""
    oriented = [c for given in concordances for c in (given, given.inverse())]
    for concordance in oriented:
        if (concordance.from_version, concordance.to_version) == (version, to_version):
            return concordance
    for first in oriented:
        for second in oriented:
            if (first.from_version, first.to_version, second.to_version) == (version, second.from_version, to_version):
                links = first.links.join(second.links, left_on="to_hs", right_on="from_hs").select(
                    "from_hs", pl.col("to_hs_right").alias("to_hs")
                )
                return Concordance(version, to_version, links.unique(), f"{first.source}, then {second.source}")
    return None


def _kept(rows: pl.DataFrame, rule: str) -> pl.DataFrame:
    return rows.with_columns(weight=pl.lit(1.0), relationship=pl.lit(None, pl.String), split_rule=pl.lit(rule))


def _weighted(links: pl.DataFrame, split: Split, trade: pl.DataFrame, weights: pl.DataFrame | None, target: str) -> pl.DataFrame:
    """Each link with its weight and the rule that gave it."""
    equal = 1.0 / pl.col("n_targets")
    links = links.with_columns(
        weight=equal,
        split_rule=pl.when(pl.col("n_targets") == 1).then(pl.col("relationship"))
        .otherwise(pl.format("{} equal split over {} codes", pl.col("relationship"), pl.col("n_targets"))),
    )  # fmt: skip
    if split == "trade":
        links = links.join(trade, on="to_hs", how="left").with_columns(
            share=pl.col("trade").fill_null(0) / pl.col("trade").fill_null(0).sum().over("from_hs")
        )
        usable = (pl.col("n_targets") > 1) & pl.col("share").is_finite()
        links = links.with_columns(
            weight=pl.when(usable).then(pl.col("share")).otherwise(pl.col("weight")),
            split_rule=pl.when(usable)
            .then(pl.format("{} trade-weighted by the store's {} trade", pl.col("relationship"), pl.lit(target)))
            .when(pl.col("n_targets") > 1)
            .then(pl.format("{} equal split over {} codes (no {} trade to weigh by)", pl.col("relationship"),
                            pl.col("n_targets"), pl.lit(target)))
            .otherwise(pl.col("split_rule")),
        ).drop("trade", "share")  # fmt: skip
    if weights is not None:
        given = weights.select(pl.col("from_hs").cast(pl.String), pl.col("to_hs").cast(pl.String),
                               pl.col("weight").cast(pl.Float64).alias("given"))
        links = links.join(given, on=["from_hs", "to_hs"], how="left").with_columns(
            weight=pl.coalesce("given", "weight"),
            split_rule=pl.when(pl.col("given").is_not_null())
            .then(pl.format("{} weight given by the user", pl.col("relationship")))
            .otherwise(pl.col("split_rule")),
        ).drop("given")  # fmt: skip
    return links.select("from_hs", "to_hs", "weight", "relationship", "split_rule")


def convert_hs(
    store: Store,
    to_version: int = 2017,
    *,
    concordances: tuple[Concordance, ...] = (BUILTIN_2022_2017,),
    split: Split = "equal",
    weights: pl.DataFrame | None = None,
    where: str | None = None,
    params: list[object] | None = None,
) -> pl.DataFrame:
    """The store's ``annual`` figures on one HS revision (see ``convert_flows``).

    ``where`` filters ``annual`` first (SQL with ``?`` placeholders in ``params``).

    >>> convert_hs(store, 2017, where="hs LIKE '8517%'")  # doctest: +SKIP
    """
    query = "SELECT * FROM annual" + (f" WHERE {where}" if where else "")
    return convert_flows(store.sql(query, params), to_version, concordances=concordances, split=split, weights=weights)
