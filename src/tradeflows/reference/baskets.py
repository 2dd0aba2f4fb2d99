"""Product baskets: named sets of HS codes, each with its source and date.

A basket is data, not a code path. A code may be given at HS2, HS4 or HS6 and may
belong to one HS revision (``hs_version``) or to all of them (``None``). Built-in
baskets cover the goods the circumvention literature follows; users add their own
from a TOML, YAML or CSV file (``load_baskets``) or by passing codes to the API.

Before an indicator runs, ``resolve_basket`` matches the codes against what a store
holds, revision by revision: where a revision's own codes are not held but another
revision's are (a store converted to HS2022 throughout, say), the held ones are used
and the resolution says so.

>>> get_basket("cars").codes[0].code
'8703'
>>> len(get_basket("chpl-2023").codes), len(get_basket("chpl").codes)
(45, 50)
>>> [c.code for c in get_basket("chpl:1").codes]
['854231', '854232', '854233', '854239']
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from tradeflows.errors import InputError, NoDataError, ParameterError
from tradeflows.reference.chpl import CHPL_LISTS, CURRENT_CHPL
from tradeflows.reference.userfiles import read_csv_rows, read_document
from tradeflows.schema import HS_VERSIONS

if TYPE_CHECKING:
    from tradeflows.store import Store

_CODE = re.compile(r"\d{2}(\d{2}){0,2}")


@dataclass(frozen=True)
class BasketCode:
    """One code of a basket: HS2, HS4 or HS6 text, its revision (None: any) and tier."""

    code: str
    hs_version: int | None = None
    tier: str | None = None

    def __post_init__(self) -> None:
        if not _CODE.fullmatch(self.code):
            raise ParameterError(f"HS code {self.code!r}: expected 2, 4 or 6 digits as text, e.g. '8703' or '851713'")
        if self.hs_version is not None and self.hs_version not in HS_VERSIONS:
            raise ParameterError(
                f"HS revision {self.hs_version!r} for code {self.code}: expected one of {', '.join(map(str, HS_VERSIONS))}"
            )

    @property
    def level(self) -> int:
        return len(self.code)


@dataclass(frozen=True)
class Basket:
    """A named, sourced set of HS codes."""

    name: str
    codes: tuple[BasketCode, ...]
    description: str = ""
    source: str = ""
    date: str = ""

    def __post_init__(self) -> None:
        if not self.codes:
            raise ParameterError(f"Basket {self.name!r} has no codes")

    def to_frame(self) -> pl.DataFrame:
        """One row per code: basket, code, level, hs_version, tier."""
        return pl.DataFrame(
            [(self.name, c.code, c.level, c.hs_version, c.tier) for c in self.codes],
            schema={
                "basket": pl.String,
                "code": pl.String,
                "level": pl.Int8,
                "hs_version": pl.Int16,
                "tier": pl.String,
            },
            orient="row",
        )


def basket_from_codes(codes: Iterable[str | int], *, name: str | None = None) -> Basket:
    """A basket from bare codes: ``basket_from_codes(["8703", "851713"])``.

    >>> basket_from_codes(["8703", 8471]).name
    '8703+8471'
    """
    # An integer loses the leading zero of chapters 01-09: one, three or five digits are padded back.
    texts = [str(c).zfill(len(str(c)) + 1) if isinstance(c, int) and len(str(c)) in (1, 3, 5) else str(c).strip()
             for c in codes]  # fmt: skip
    return Basket(name or "+".join(texts), tuple(BasketCode(t) for t in texts), "codes given by the user")


def _chpl_basket(version: str, name: str, tier: str | None = None) -> Basket:
    chpl = CHPL_LISTS[version]
    codes = tuple(BasketCode(code, 2022, t) for t, tier_codes in chpl.tiers if tier in (None, t) for code in tier_codes)
    scope = f", tier {tier}" if tier else ""
    return Basket(name, codes, f"Common High Priority List {version} ({len(codes)} HS6 codes{scope}); {chpl.note}",
                  chpl.source, chpl.published)  # fmt: skip


_UAV_2022 = ("880621", "880622", "880623", "880624", "880629", "880691", "880692", "880693", "880694", "880699")

BUILTIN_BASKETS: dict[str, Basket] = {
    b.name: b
    for b in (
        Basket("cars", (BasketCode("8703"),), "Motor cars and other motor vehicles for the transport of persons (HS 8703)",
               "WCO Harmonized System, heading 8703 (unchanged in HS2017 and HS2022)", "2022-01"),
        Basket("computers", (BasketCode("8471"),), "Automatic data-processing machines and units (HS 8471)",
               "WCO Harmonized System, heading 8471", "2022-01"),
        Basket("smartphones", (BasketCode("851713", 2022), BasketCode("851712", 2017)),
               "Smartphones: HS2022 851713; before 2022 inside HS2017 851712 (all cellular telephones)",
               "WCO HS2022 amendments (subheading 8517.13 split out of 8517.12); UNSD HS2022-HS2017 correlation",
               "2022-01"),
        # HS2017 had no heading for drones: the UNSD correlation sends 8806 back to 852580 (cameras)
        # and 880211/880220 (light aircraft). Only 880220 (aircraft <= 2000 kg) is kept as the
        # pre-2022 proxy; 852580 is mostly cameras and would swamp it. (880260 is spacecraft.)
        Basket("uavs", tuple(BasketCode(c, 2022) for c in _UAV_2022) + (BasketCode("880220", 2017),),
               "Unmanned aircraft: HS2022 heading 8806 except passenger-carrying 880610; before 2022 a proxy, "
               "HS2017 880220 (aircraft of unladen weight <= 2000 kg)",
               "WCO HS2022 amendments (new heading 8806); UNSD HS2022-HS2017 correlation table", "2022-01"),
        _chpl_basket(CURRENT_CHPL, "chpl"),
        _chpl_basket("2023", "chpl-2023"),
    )
}  # fmt: skip


def get_basket(name: str) -> Basket:
    """A built-in basket by name; ``chpl:TIER`` and ``chpl-2023:TIER`` select one CHPL tier.

    >>> get_basket("chpl-2023:3").description.split(";")[0]
    'Common High Priority List 2023 (25 HS6 codes, tier 3)'
    """
    key = name.strip().lower()
    base, _, tier = key.partition(":")
    if tier and base in ("chpl", "chpl-2023"):
        version = CURRENT_CHPL if base == "chpl" else "2023"
        tiers = [t for t, _ in CHPL_LISTS[version].tiers]
        match = next((t for t in tiers if t.lower() == tier), None)
        if match is None:
            raise ParameterError(f"Basket {name!r}: {base} has tiers {', '.join(tiers)}")
        return _chpl_basket(version, f"{base}:{match}", match)
    if key in BUILTIN_BASKETS:
        return BUILTIN_BASKETS[key]
    valid = ", ".join([*BUILTIN_BASKETS, "chpl:TIER", "chpl-2023:TIER"])
    raise ParameterError(f"Unknown basket {name!r}; built-in baskets are: {valid}; or give HS codes (8703,851713)")


def as_basket(value: str | Basket | Sequence[str], extra: dict[str, Basket] | None = None) -> Basket:
    """A basket from a name (user baskets in ``extra`` first), comma-separated codes, or a Basket."""
    if isinstance(value, Basket):
        return value
    if isinstance(value, str):
        if extra and value in extra:
            return extra[value]
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if parts and all(p.isdigit() for p in parts):
            return basket_from_codes(parts)
        return get_basket(value)
    return basket_from_codes(value)


# -- user baskets from files ------------------------------------------------------------


def _code_entries(name: str, raw: Any, where: str) -> tuple[BasketCode, ...]:
    if not isinstance(raw, list) or not raw:
        raise InputError(f"{where}: basket {name!r} needs `codes`, a non-empty list of HS codes or tables")
    out = []
    for item in raw:
        if isinstance(item, dict):
            unknown = set(item) - {"code", "hs_version", "tier"}
            if unknown or "code" not in item:
                raise InputError(f"{where}: basket {name!r} code entry {item!r}: expected keys code, hs_version, tier")
            version = item.get("hs_version")
            tier = item.get("tier")
            out.append(BasketCode(str(item["code"]), int(version) if version else None, str(tier) if tier else None))
        else:
            out.append(BasketCode(str(item)))
    return tuple(out)


def baskets_from_mapping(data: dict[str, Any], where: str) -> dict[str, Basket]:
    """Baskets from the ``baskets`` table of a parsed TOML/YAML document."""
    section = data.get("baskets", {})
    if not isinstance(section, dict):
        raise InputError(f"{where}: `baskets` must be a table of named baskets")
    out = {}
    for name, spec in section.items():
        if not isinstance(spec, dict):
            raise InputError(f"{where}: basket {name!r} must be a table with codes, description, source, date")
        out[name] = Basket(str(name), _code_entries(name, spec.get("codes"), where), str(spec.get("description", "")),
                           str(spec.get("source", where)), str(spec.get("date", "")))  # fmt: skip
    return out


def load_baskets(path: Path | str) -> dict[str, Basket]:
    """User baskets from a file.

    TOML/YAML: a ``baskets`` table, each basket with ``codes`` (strings, or tables with
    code, hs_version, tier) and optional description, source, date. CSV: columns
    ``basket, code`` and optionally ``hs_version, tier, description, source, date``.
    """
    path = Path(path)
    if path.suffix.lower() != ".csv":
        return baskets_from_mapping(read_document(path), str(path))
    grouped: dict[str, list[dict[str, str]]] = {}
    for line, row in enumerate(read_csv_rows(path, ("basket", "code")), start=2):
        row["_line"] = str(line)
        grouped.setdefault(row["basket"], []).append(row)
    out = {}
    for name, rows in grouped.items():
        codes = []
        for row in rows:
            version = row.get("hs_version") or ""
            if version and not version.isdigit():
                raise InputError(
                    f"{path}, line {row['_line']}, column hs_version: {version!r} is not a year such as 2022"
                )
            try:
                codes.append(BasketCode(row["code"], int(version) if version else None, row.get("tier") or None))
            except ParameterError as exc:
                raise InputError(f"{path}, line {row['_line']}: {exc}") from None
        first = rows[0]
        out[name] = Basket(name, tuple(codes), first.get("description", ""), first.get("source", "") or str(path),
                           first.get("date", ""))  # fmt: skip
    return out


# -- resolution against a store -----------------------------------------------------------

RESOLVED_SCHEMA = {
    "basket": pl.String, "tier": pl.String, "hs_version": pl.Int16, "code": pl.String, "code_level": pl.Int8,
    "codes_held": pl.Int64, "via": pl.String, "note": pl.String, "weight": pl.Float64,
}  # fmt: skip


def _converted(codes: Sequence[BasketCode], version: int, held: Counter) -> list[tuple[BasketCode, float, str]]:
    """HS6 codes of another revision converted to ``version`` through the UNSD concordance,
    where ``version`` holds their targets: (target, weight, note). Split rule, equal shares:
    a target code that n codes of the other revision became (or came from) counts
    k / n of its value, k of those n being in the basket, so a basket holding one of four
    HS2022 codes merged into one HS2017 code takes a quarter of it, and one holding all four
    takes it whole."""
    from tradeflows.reference.concordance import BUILTIN_2022_2017, _pick

    out: dict[str, tuple[BasketCode, float, list[str]]] = {}
    for from_version in sorted({c.hs_version for c in codes if c.hs_version is not None}):
        concordance = _pick((BUILTIN_2022_2017,), from_version, version)
        if concordance is None:
            continue
        links = concordance.links.unique()
        fan_in = Counter(links["to_hs"].to_list())
        wanted = [c for c in codes if c.hs_version == from_version and c.level == 6]
        for code in wanted:
            for target in concordance.targets(code.code):
                if not held[target]:
                    continue
                basket_codes, weight, sources = out.get(target, (BasketCode(target, version, code.tier), 0.0, []))
                out[target] = (basket_codes, weight + 1.0 / fan_in[target], [*sources, code.code])
    return [(c, w, f"HS{c.hs_version} {c.code} for HS{next(iter({x.hs_version for x in codes if x.code in s}), '')} "
                   f"{', '.join(s)} (UNSD concordance, equal split: weight {w:.2f})")
            for c, w, s in out.values()]  # fmt: skip


def _via(code: BasketCode, coarse: pl.Series) -> str:
    """How figures of ``code`` are read: 'hs4' through the HS4 view, where the store holds
    headings that could double the HS6 rows; otherwise 'hs6', summing HS6 rows (cheaper)."""
    return "hs4" if code.level < 6 and bool(coarse.str.starts_with(code.code[:4]).any()) else "hs6"


def held_codes(store: Store) -> pl.DataFrame:
    """The (hs_version, hs_level, hs) the store holds."""
    return store.sql("SELECT DISTINCT hs_version, hs_level, hs FROM flows")


def resolve_basket(basket: Basket, held: pl.DataFrame) -> pl.DataFrame:
    """Match a basket's codes against the codes a store holds, revision by revision.

    One row per (revision, code) used: ``code`` matches the store's codes that start
    with it; ``via`` says whether through the HS4 view (the store holds HS4 figures there,
    which must not be added to their HS6 detail) or by summing HS6 rows. A revision
    whose own codes are not held uses another revision's codes that are held under
    it, and ``note`` says so. Nested codes (8471 and 847150) are kept once.
    """
    rows = []
    for version in sorted(held["hs_version"].unique().to_list()):
        in_version = held.filter(pl.col("hs_version") == version)["hs"].to_list()
        # Held codes by each of their prefixes: a basket of every HS6 code looks each one up.
        starting = Counter(hs[:n] for hs in in_version for n in range(1, len(hs) + 1))

        def count(code: str, starting: Counter = starting) -> int:
            return starting[code]

        own = [c for c in basket.codes if c.hs_version in (None, version)]
        used = [c for c in own if count(c.code)]
        note = ""
        if not used:
            others = [c for c in basket.codes if c.hs_version not in (None, version)]
            used = [c for c in others if count(c.code)]
            if used:
                note = (f"codes of HS{used[0].hs_version} found under HS{version} rows (data converted?); "
                        f"used them for HS{version}")  # fmt: skip
        codes = sorted({c.code: c for c in used}.values(), key=lambda c: c.code)
        listed = {c.code for c in codes}
        codes = [c for c in codes if not any(c.code[:n] in listed for n in range(1, len(c.code)))]
        coarse = held.filter((pl.col("hs_version") == version) & (pl.col("hs_level") <= 4))["hs"]
        rows += [(basket.name, c.tier, version, c.code, c.level, count(c.code), _via(c, coarse), note, 1.0)
                 for c in codes]  # fmt: skip
        # A basket that names no code of this revision (the CHPL, all HS2022, on HS2017 years):
        # its codes this revision does not hold are converted through the concordance, the
        # split stated. A basket that names its own codes per revision (smartphones) is left as given.
        missing = [] if own else [c for c in basket.codes
                                  if c.hs_version not in (None, version) and not count(c.code)]  # fmt: skip
        taken = {c.code for c in codes}
        rows += [(basket.name, c.tier, version, c.code, c.level, count(c.code), "hs6", text, weight)
                 for c, weight, text in _converted(missing, version, starting)
                 if c.code not in taken and not any(c.code[:n] in taken for n in range(1, 6))]  # fmt: skip
    if not rows:
        held_text = ", ".join(sorted(held["hs"].unique().to_list())[:12]) or "nothing"
        raise NoDataError(
            f"Basket {basket.name!r} ({', '.join(c.code for c in basket.codes[:8])}{' ...' * (len(basket.codes) > 8)}) "
            f"matches no HS code the store holds; it holds {held_text}{' ...' * (held['hs'].n_unique() > 12)}"
        )
    return pl.DataFrame(rows, schema=RESOLVED_SCHEMA, orient="row")
