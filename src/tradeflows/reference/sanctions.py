"""Sanctions lists as dated baskets: each code carries the date its restriction began.

A product counts as sanctioned from the month it was listed (the EBRD design on monthly data),
not from the year sanctions began. Two kinds of list:

- the CHPL versions (``chpl_dated``): a code is dated by the first version that holds it
  (``tradeflows.reference.chpl``); that is when it joined the CHPL, which the BIS/EU/UK/Japan
  list records for due diligence, not necessarily when its export was first restricted. The 2023
  version's date is known to the year only, and a date known to the year counts from January.
- a user's list (``load_dated_list``), such as the EU's export restrictions on Russia, a CSV with
  a ``code`` column (CN8, HS6 or HS4) and optionally ``listed`` (YYYY, YYYY-MM or YYYY-MM-DD) and
  a description. CN8 codes are mapped to their HS6 (the first six digits): trade statistics by
  HS6 hold every CN8 subdivision of the code, listed or not, so an HS6 the list names only through
  CN8 subdivisions is ``partial`` (without the CN nomenclature the tool cannot tell whether they
  are all of them); one named whole, or through subdivision ``...00`` (an HS6 the CN does not
  subdivide), is ``full``. Where the file has no dates, ``listed`` gives one date to every code.

>>> chpl = chpl_dated()
>>> chpl.date_of("854231"), chpl.date_of("845710")
('2023', '2024-02-23')
>>> listed_month("2022-03-15"), listed_month("2023")
(202203, 202301)
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from tradeflows.errors import InputError, ParameterError
from tradeflows.reference.baskets import Basket, BasketCode
from tradeflows.reference.chpl import CHPL_LISTS
from tradeflows.reference.userfiles import read_csv_rows

_DATE = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")
_CODE = re.compile(r"\d{4}(\d{2}(\d{2})?)?")


def listed_month(date: str) -> int:
    """A listing date as the first month it covers, ``YYYYMM`` (a bare year counts from January)."""
    match = _DATE.fullmatch(date.strip())
    if not match or not 1 <= int(match[2] or 1) <= 12:
        raise ParameterError(f"listing date {date!r}: expected YYYY, YYYY-MM or YYYY-MM-DD, e.g. 2022-03-15")
    return int(match[1]) * 100 + int(match[2] or 1)


@dataclass(frozen=True)
class DatedCode:
    """An HS6 (or HS4) code on a list, the date it was listed, and how it came to be there."""

    hs: str
    listed: str | None
    cn8: tuple[str, ...] = ()  # the list's CN8 codes under this HS6, where it named CN8 codes
    coverage: str = "full"  # or "partial": the HS6 also holds CN8 subdivisions not on the list


@dataclass(frozen=True)
class DatedBasket:
    """A sanctions list as a basket whose codes carry their listing dates."""

    name: str
    codes: tuple[DatedCode, ...]
    source: str = ""
    note: str = ""

    def date_of(self, hs: str) -> str | None:
        """The listing date of the list's code that ``hs`` starts with (None: not on the list)."""
        return next((c.listed for c in self.codes if hs.startswith(c.hs)), None)

    def basket(self) -> Basket:
        """The list as a plain basket, for every indicator."""
        return Basket(self.name, tuple(BasketCode(c.hs) for c in self.codes),
                      f"{self.name}: {len(self.codes)} codes, each dated by its listing", self.source)  # fmt: skip

    def to_frame(self) -> pl.DataFrame:
        """One row per code: hs, listed, listed_month (YYYYMM), cn8 (the list's CN8 codes), coverage."""
        return pl.DataFrame(
            [(c.hs, c.listed, listed_month(c.listed) if c.listed else None, ",".join(c.cn8), c.coverage)
             for c in self.codes],
            schema={"hs": pl.String, "listed": pl.String, "listed_month": pl.Int64, "cn8": pl.String,
                    "coverage": pl.String}, orient="row",
        )  # fmt: skip

    @property
    def partial(self) -> list[str]:
        """The HS6 codes the list covers only in part (some of their CN8 subdivisions)."""
        return [c.hs for c in self.codes if c.coverage == "partial"]


def chpl_dated() -> DatedBasket:
    """The CHPL with each code dated by the first version that holds it."""
    first: dict[str, str] = {}
    for chpl in sorted(CHPL_LISTS.values(), key=lambda c: c.published):
        for code in chpl.codes:
            first.setdefault(code, chpl.published)
    versions = ", ".join(f"{c.version} ({c.published})" for c in CHPL_LISTS.values())
    return DatedBasket("chpl-dated", tuple(DatedCode(code, date) for code, date in first.items()),
                       f"Common High Priority List versions {versions}",
                       "a code is dated by the first CHPL version holding it; the 2023 version is dated to the year")  # fmt: skip


def load_dated_list(path: Path | str, *, name: str | None = None, listed: str | None = None) -> DatedBasket:
    """A sanctions list from a CSV: ``code`` (CN8, HS6 or HS4 digits; dots and spaces ignored) and
    optionally ``listed``; ``listed`` here dates the codes the file leaves undated."""
    path = Path(path)
    rows = read_csv_rows(path, ("code",))
    if listed is not None:
        listed_month(listed)  # a bad date fails here, naming the option
    by_hs: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for line, row in enumerate(rows, start=2):
        code = re.sub(r"[.\s]", "", row["code"])
        if not _CODE.fullmatch(code):
            raise InputError(f"{path}, line {line}, column code: {row['code']!r} is not a CN8, HS6 or HS4 code "
                             "(4, 6 or 8 digits, e.g. 85423190)")  # fmt: skip
        date = row.get("listed") or row.get("date") or listed
        if date:
            try:
                listed_month(date)
            except ParameterError as exc:
                raise InputError(f"{path}, line {line}, column listed: {exc}") from None
        by_hs[code[:6]].append((code, date))
    if not by_hs:
        raise InputError(f"{path}: no codes")
    codes = []
    for hs, entries in sorted(by_hs.items()):
        cn8 = tuple(sorted(c for c, _ in entries if len(c) == 8))
        dates = sorted({d for _, d in entries if d}, key=listed_month)
        # an HS6 counts from its earliest listed subdivision: its figures move from then on
        whole = len(hs) < 6 or any(len(c) <= 6 or c.endswith("00") for c, _ in entries)
        codes.append(DatedCode(hs, dates[0] if dates else None, cn8, "full" if whole else "partial"))
    partial = sum(c.coverage == "partial" for c in codes)
    note = (f"{len(rows)} codes read as {len(codes)} HS6/HS4 codes; {partial} HS6 code(s) listed only in part "
            "(their HS6 figures also hold CN8 subdivisions not on the list)")  # fmt: skip
    undated = sum(c.listed is None for c in codes)
    if undated:
        note += f"; {undated} code(s) without a listing date (give --listed)"
    return DatedBasket(name or path.stem, tuple(codes), str(path), note)


def as_dated(value: DatedBasket | str | Path, *, listed: str | None = None) -> DatedBasket:
    """A dated list from ``"chpl"`` (the CHPL versions), a CSV path, or a DatedBasket."""
    if isinstance(value, DatedBasket):
        return value
    if str(value).strip().lower() in ("chpl", "chpl-dated"):
        return chpl_dated()
    return load_dated_list(value, listed=listed)
