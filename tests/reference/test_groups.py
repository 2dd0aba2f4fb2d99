import pytest

from tradeflows.errors import ParameterError
from tradeflows.reference.countries import iso3_to_m49
from tradeflows.reference.groups import BUILTIN_GROUPS, EU27, CountryGroup, get_group


def test_builtin_groups_are_the_documented_ones():
    assert set(BUILTIN_GROUPS) == {"coalition", "eu27", "hubs", "targets", "eaeu"}
    for name, group in BUILTIN_GROUPS.items():
        assert isinstance(group, CountryGroup)
        assert group.name == name
        assert group.source and group.version and group.description
        assert len(set(group.members)) == len(group.members), f"{name} repeats a member"


def test_every_member_is_a_known_country():
    for group in BUILTIN_GROUPS.values():
        for iso3 in group.members:
            assert iso3_to_m49(iso3) > 0


def test_eu27_and_coalition_membership():
    assert len(EU27) == 27
    assert {"DEU", "FRA", "HRV", "IRL"} <= set(EU27)
    assert "GBR" not in EU27
    coalition = get_group("coalition")
    assert len(coalition.members) == 27 + 13
    assert set(EU27) < set(coalition.members)
    assert {"USA", "GBR", "JPN", "CAN", "AUS", "NZL", "NOR", "CHE", "KOR", "TWN", "SGP", "ISL", "LIE"} <= set(
        coalition.members
    )


def test_roles_do_not_overlap():
    coalition, hubs, targets = (set(get_group(n).members) for n in ("coalition", "hubs", "targets"))
    assert not coalition & hubs
    assert not coalition & targets
    assert not hubs & targets
    assert targets == {"RUS", "BLR"}


def test_hubs_are_the_cited_routes_only():
    hubs = get_group("hubs")
    assert set(hubs.members) == {"ARM", "GEO", "KAZ", "KGZ", "UZB", "TJK", "AZE", "TUR", "ARE"}
    assert "MNG" not in hubs and "SRB" not in hubs
    assert "Eurasian roundabout" in hubs.source


def test_eaeu_members():
    assert set(get_group("eaeu").members) == {"ARM", "BLR", "KAZ", "KGZ", "RUS"}


def test_get_group_is_case_insensitive_and_contains_works():
    assert get_group(" Hubs ") is BUILTIN_GROUPS["hubs"]
    assert "kaz" in get_group("hubs")
    assert "DEU" not in get_group("hubs")


def test_unknown_group_lists_the_valid_names():
    with pytest.raises(ParameterError, match=r"Unknown country group 'allies'.*coalition, eaeu, eu27, hubs, targets"):
        get_group("allies")
