"""The Common High Priority List (CHPL): HS6 codes of dual-use goods Russia seeks.

Published jointly by the United States (BIS), the European Union, the United Kingdom
and Japan; exporters are asked to apply enhanced due diligence to these codes. Codes
are HS2022. Two versions are kept, so an analysis can say which one it used:

- ``"2024-02"``: the current list of 2024-02-23, 50 codes in tiers 1, 2, 3A, 3B, 4A, 4B.
  Source: https://www.bis.gov/licensing/country-guidance/common-high-priority-items-list-chpl
- ``"2023"``: the earlier 45-code list in tiers 1-4. It is the 2024 list without tier 4B
  (the five CNC machine-tool codes the 2024 revision added), with the 2024 sub-tiers
  merged (3A, 3B -> 3; 4A -> 4).

>>> CHPL_LISTS["2024-02"].tier_of("854231")
'1'
>>> len(get_chpl("2023").codes)
45
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from tradeflows.errors import ParameterError


@dataclass(frozen=True)
class ChplList:
    """One published version of the CHPL: HS6 codes grouped by tier."""

    version: str
    published: str
    source: str
    tiers: tuple[tuple[str, tuple[str, ...]], ...]
    note: str = ""

    @property
    def codes_by_tier(self) -> dict[str, tuple[str, ...]]:
        return dict(self.tiers)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for _, codes in self.tiers for code in codes)

    def tier_of(self, hs6: str) -> str | None:
        """The tier of an HS6 code, or None when the code is not on this list."""
        code = str(hs6).zfill(6)
        return next((tier for tier, codes in self.tiers if code in codes), None)

    def to_frame(self) -> pl.DataFrame:
        """One row per code: hs6, tier, version."""
        rows = [(code, tier, self.version) for tier, codes in self.tiers for code in codes]
        return pl.DataFrame(rows, schema={"hs6": pl.String, "tier": pl.String, "version": pl.String}, orient="row")


_TIER_1 = ("854231", "854232", "854233", "854239")  # integrated circuits
_TIER_2 = ("851762", "852691", "853221", "853224", "854800")  # comms, navigation, capacitors
_TIER_3A = (  # discrete electronic components, antennas, cameras
    "847150", "850440", "851769", "852589", "852910", "852990", "853669", "853690",
    "854110", "854121", "854129", "854130", "854149", "854151", "854159", "854160",
)  # fmt: skip
_TIER_3B = (  # bearings, aircraft parts, optics, navigation instruments
    "848210", "848220", "848230", "848250", "880730", "901310", "901380", "901420", "901480",
)  # fmt: skip
_TIER_4A = (  # electronics manufacturing, test and measuring equipment
    "847180", "848610", "848620", "848640", "853400", "854320",
    "902750", "903020", "903032", "903039", "903082",
)  # fmt: skip
_TIER_4B = ("845710", "845811", "845891", "845961", "846693")  # CNC machine tools and parts

CHPL_LISTS: dict[str, ChplList] = {
    "2024-02": ChplList(
        "2024-02",
        "2024-02-23",
        "BIS, Common High Priority Items List (with the EU, UK and Japan), "
        "https://www.bis.gov/licensing/country-guidance/common-high-priority-items-list-chpl",
        (("1", _TIER_1), ("2", _TIER_2), ("3A", _TIER_3A), ("3B", _TIER_3B), ("4A", _TIER_4A), ("4B", _TIER_4B)),
        "50 codes; the 2024 revision added tier 4B (CNC machine tools) and split tiers 3 and 4",
    ),
    "2023": ChplList(
        "2023",
        "2023",
        "BIS/EU/UK/Japan Common High Priority Items List as first published jointly in 2023",
        (("1", _TIER_1), ("2", _TIER_2), ("3", _TIER_3A + _TIER_3B), ("4", _TIER_4A)),
        "45 codes in tiers 1-4; reconstructed as the 2024 list without tier 4B",
    ),
}
CURRENT_CHPL = "2024-02"


def get_chpl(version: str = CURRENT_CHPL) -> ChplList:
    """A CHPL version by name: ``"2024-02"`` (current, 50 codes) or ``"2023"`` (45 codes)."""
    try:
        return CHPL_LISTS[version]
    except KeyError:
        raise ParameterError(f"Unknown CHPL version {version!r}; valid versions are: {', '.join(CHPL_LISTS)}") from None
