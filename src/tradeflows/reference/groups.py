"""Built-in country groups: the sanctioning coalition, the hubs, the targets.

Groups are data, each with the source that defines its membership and a version
(the month membership was last checked), so a report can say which list it used.
Members are ISO3 codes.

>>> get_group("targets").members
('RUS', 'BLR')
>>> "KAZ" in get_group("hubs")
True
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tradeflows.errors import InputError, ParameterError, UnknownCountryError


@dataclass(frozen=True)
class CountryGroup:
    """A named, sourced, versioned set of countries (ISO3)."""

    name: str
    members: tuple[str, ...]
    description: str
    source: str
    version: str

    def __contains__(self, iso3: object) -> bool:
        return isinstance(iso3, str) and iso3.upper() in self.members


EU27: tuple[str, ...] = (
    "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN", "IRL",
    "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE",
)  # fmt: skip

# The partners BIS lists as having imposed export controls on Russia substantially
# similar to its own (EAR part 746, Supplement No. 3), plus the US itself and
# Singapore, which announced its own controls on 5 March 2022 but is not on that list.
_COALITION_OTHERS: tuple[str, ...] = (
    "USA", "GBR", "JPN", "CAN", "AUS", "NZL", "NOR", "CHE", "KOR", "TWN", "SGP", "ISL", "LIE",
)  # fmt: skip

# Hubs: only countries the circumvention literature names as routes into Russia.
# The EBRD's "Eurasian roundabout" (Chupilkin, Javorcik & Plekhanov, EBRD working
# paper, 2023) studies the Caucasus and Central Asia (ARM, AZE, GEO, KAZ, KGZ, TJK,
# UZB); Türkiye and the UAE are named as transshipment points in the FinCEN/BIS joint
# alerts on Russian export-control evasion (June 2022, May 2023) and in Silk Road
# Briefing's coverage of re-exports. Mongolia, Serbia and Moldova are left out: none of
# these sources treats them as a principal route. Users can define wider groups.
_HUBS: tuple[str, ...] = ("ARM", "GEO", "KAZ", "KGZ", "UZB", "TJK", "AZE", "TUR", "ARE")

BUILTIN_GROUPS: dict[str, CountryGroup] = {
    g.name: g
    for g in (
        CountryGroup(
            "coalition",
            EU27 + _COALITION_OTHERS,
            "States that imposed export controls on Russia in 2022 (EU27 and partners)",
            "BIS, EAR part 746 Supplement No. 3 (countries excluded from certain license "
            "requirements, as amended 2022); Singapore MFA statement of 5 March 2022",
            "2022-12",
        ),
        CountryGroup(
            "eu27",
            EU27,
            "Member states of the European Union since 1 February 2020",
            "European Union, https://european-union.europa.eu/principles-countries-history/eu-countries_en",
            "2020-02",
        ),
        CountryGroup(
            "hubs",
            _HUBS,
            "Third countries named as routes of sanctioned goods into Russia",
            "Chupilkin, Javorcik & Plekhanov (2023), 'The Eurasian roundabout: trade flows into "
            "Russia through the Caucasus and Central Asia', EBRD; FinCEN & BIS joint alerts "
            "FIN-2022-Alert003 and FIN-2023-Alert004; Silk Road Briefing",
            "2023-05",
        ),
        CountryGroup(
            "targets",
            ("RUS", "BLR"),
            "Countries the export controls are aimed at",
            "EU Regulation 833/2014 (Russia) and 765/2006 (Belarus); BIS EAR part 746.8",
            "2022-03",
        ),
        CountryGroup(
            "eaeu",
            ("ARM", "BLR", "KAZ", "KGZ", "RUS"),
            "Eurasian Economic Union: trade among members has no full customs declarations",
            "Treaty on the Eurasian Economic Union (2014), members as of 2015",
            "2015-08",
        ),
    )
}


def get_group(name: str) -> CountryGroup:
    """The built-in group called ``name`` (case-insensitive).

    >>> get_group("EAEU").name
    'eaeu'
    """
    try:
        return BUILTIN_GROUPS[name.strip().lower()]
    except (KeyError, AttributeError):
        valid = ", ".join(sorted(BUILTIN_GROUPS))
        raise ParameterError(f"Unknown country group {name!r}; valid groups are: {valid}") from None


def load_groups(path: Path | str) -> dict[str, CountryGroup]:
    """User groups from a file: TOML/YAML with a ``groups`` table (each with ``members``
    and optional description, source, version), or CSV with columns ``group, iso3``.
    Members may name other groups (``members = ["eu27", "GBR"]``).
    """
    from tradeflows.reference.userfiles import read_csv_rows, read_document

    path = Path(path)
    if path.suffix.lower() == ".csv":
        specs: dict[str, dict] = {}
        for row in read_csv_rows(path, ("group", "iso3")):
            specs.setdefault(row["group"], {"members": []})["members"].append(row["iso3"])
    else:
        specs = read_document(path).get("groups", {})
        if not isinstance(specs, dict):
            raise InputError(f"{path}: `groups` must be a table of named groups")
    out = {}
    for name, spec in specs.items():
        members = spec.get("members") if isinstance(spec, dict) else None
        if not isinstance(members, list) or not members:
            raise InputError(f"{path}: group {name!r} needs `members`, a non-empty list of ISO3 codes or group names")
        codes = expand_members([str(m) for m in members], {**BUILTIN_GROUPS, **out}, where=f"{path}: group {name!r}")
        out[name] = CountryGroup(str(name), codes, str(spec.get("description", "")), str(spec.get("source", path)),
                                 str(spec.get("version", "")))  # fmt: skip
    return out


def expand_members(names: list[str], groups: dict[str, CountryGroup], *, where: str) -> tuple[str, ...]:
    """ISO3 codes from a list of codes and group names, in order, without repeats.

    >>> expand_members(["targets", "KAZ"], BUILTIN_GROUPS, where="--partner")
    ('RUS', 'BLR', 'KAZ')
    """
    out: list[str] = []
    for name in names:
        key = name.strip()
        group = groups.get(key) or groups.get(key.lower())
        if group is not None:
            out += group.members
        elif len(key) == 3 and key[0].isalpha() and key.isalnum():  # S19: Comtrade's "Other Asia, nes"
            out.append(key.upper())
        else:
            raise UnknownCountryError(
                f"{where}: {name!r} is neither an ISO3 code (e.g. 'KAZ') nor a group ({', '.join(sorted(groups))})"
            )
    return tuple(dict.fromkeys(out))
