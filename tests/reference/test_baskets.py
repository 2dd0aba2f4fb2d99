"""Baskets as data: built-ins with sources, user files in TOML, YAML and CSV, resolution against a store."""

from __future__ import annotations

import polars as pl
import pytest

from tradeflows.errors import InputError, NoDataError, ParameterError
from tradeflows.reference.baskets import (
    BUILTIN_BASKETS,
    as_basket,
    get_basket,
    load_baskets,
    resolve_basket,
)
from tradeflows.reference.groups import load_groups


def held(*entries):
    return pl.DataFrame(entries, schema={"hs_version": pl.Int16, "hs_level": pl.Int8, "hs": pl.String}, orient="row")


def test_builtins_have_sources_and_dates():
    for basket in BUILTIN_BASKETS.values():
        assert basket.source and basket.date and basket.description
    assert {"cars", "computers", "smartphones", "uavs", "chpl", "chpl-2023"} <= set(BUILTIN_BASKETS)
    assert len(get_basket("chpl").codes) == 50 and len(get_basket("chpl-2023").codes) == 45
    assert {c.tier for c in get_basket("chpl-2023").codes} == {"1", "2", "3", "4"}


def test_uavs_follow_the_hs2022_split():
    codes = {(c.code, c.hs_version) for c in get_basket("uavs").codes}
    assert ("880622", 2022) in codes and ("880220", 2017) in codes
    assert not any(code == "880260" for code, _ in codes)  # HS2017 880260 is spacecraft


def test_resolution_uses_each_revisions_own_codes():
    store = held((2017, 6, "851712"), (2022, 6, "851713"), (2022, 6, "851714"))
    resolved = resolve_basket(get_basket("smartphones"), store)
    assert resolved.select("hs_version", "code").rows() == [(2017, "851712"), (2022, "851713")]
    assert resolved["note"].to_list() == ["", ""]


def test_resolution_falls_back_to_codes_held_under_another_revision():
    # a store already converted to HS2022: 8806 codes under 2017 rows
    store = held((2017, 6, "880622"), (2022, 6, "880622"))
    resolved = resolve_basket(get_basket("uavs"), store)
    assert resolved.filter(pl.col("hs_version") == 2017)["code"].to_list() == ["880622"]
    assert "HS2022" in resolved.filter(pl.col("hs_version") == 2017)["note"][0]


def test_hs2_and_nested_codes_resolve_once():
    store = held((2022, 6, "847130"), (2022, 6, "847150"), (2022, 4, "8471"))
    resolved = resolve_basket(as_basket("84,8471,847150"), store)
    assert resolved["code"].to_list() == ["84"] and resolved["code_level"].to_list() == [2]


def test_a_basket_matching_nothing_says_what_the_store_holds():
    with pytest.raises(NoDataError, match="matches no HS code the store holds; it holds 8703"):
        resolve_basket(get_basket("computers"), held((2022, 4, "8703")))


def test_bad_names_and_codes_list_the_valid_ones():
    with pytest.raises(ParameterError, match="built-in baskets are: cars"):
        get_basket("drones")
    with pytest.raises(ParameterError, match="tiers 1, 2, 3A"):
        get_basket("chpl:9")
    with pytest.raises(ParameterError, match="2, 4 or 6 digits"):
        as_basket(["87031"])


@pytest.mark.parametrize("name, text", [
    ("mine.toml", '[baskets.drones]\ndescription = "UAVs and cameras"\n'
                  'codes = ["8806", {code = "852580", hs_version = 2017, tier = "x"}]\n'
                  '[groups.gulf]\nmembers = ["ARE", "OMN"]\n'),
    ("mine.yaml", "baskets:\n  drones:\n    description: UAVs and cameras\n    codes:\n      - '8806'\n"
                  "      - {code: '852580', hs_version: 2017, tier: x}\ngroups:\n  gulf:\n    members: [ARE, OMN]\n"),
])  # fmt: skip
def test_user_baskets_and_groups_from_toml_and_yaml(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    drones = load_baskets(path)["drones"]
    assert [(c.code, c.hs_version, c.tier) for c in drones.codes] == [("8806", None, None), ("852580", 2017, "x")]
    assert load_groups(path)["gulf"].members == ("ARE", "OMN")


def test_user_baskets_from_csv_name_the_bad_line(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("basket,code,hs_version\nphones,851713,2022\nphones,851712,2017\n")
    assert [c.code for c in load_baskets(path)["phones"].codes] == ["851713", "851712"]
    path.write_text("basket,code,hs_version\nphones,851713,22x\n")
    with pytest.raises(InputError, match="line 2, column hs_version"):
        load_baskets(path)
    path.write_text("name,code\nphones,851713\n")
    with pytest.raises(InputError, match="missing column"):
        load_baskets(path)


def test_user_groups_from_csv_may_name_groups(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("group,iso3\nwide,hubs\nwide,MNG\n")
    members = load_groups(path)["wide"].members
    assert "KAZ" in members and members[-1] == "MNG"


def test_hs2022_only_chpl_codes_get_an_hs2017_baseline_through_the_concordance():
    # UNSD: HS2022 854141, 854142, 854143 and 854149 all became HS2017 854140; the CHPL names
    # 854149 alone of the four, so it takes 1/4 of 854140 (equal split). HS2022 880730 is
    # HS2017 880330 whole (one code into one).
    store = held((2017, 6, "854140"), (2017, 6, "880330"), (2022, 6, "854149"), (2022, 6, "880730"))
    resolved = resolve_basket(get_basket("chpl"), store).filter(pl.col("hs_version") == 2017)
    weights = dict(zip(resolved["code"], resolved["weight"], strict=True))
    assert weights == {"854140": 0.25, "880330": 1.0}
    assert all("UNSD concordance" in n and "equal split" in n for n in resolved["note"])


def test_a_basket_naming_codes_per_revision_is_not_converted():
    store = held((2017, 6, "851712"), (2022, 6, "851713"), (2022, 6, "851714"))
    assert resolve_basket(get_basket("smartphones"), store)["weight"].to_list() == [1.0, 1.0]
