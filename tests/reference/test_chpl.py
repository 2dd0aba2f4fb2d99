from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from tradeflows.errors import ParameterError
from tradeflows.reference.chpl import CHPL_LISTS, CURRENT_CHPL, get_chpl

SHARED_CHPL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "reference" / "chpl_hs6.csv"


def test_current_list_has_50_unique_six_digit_codes():
    chpl = get_chpl()
    assert chpl.version == CURRENT_CHPL == "2024-02"
    assert chpl.published == "2024-02-23"
    assert len(chpl.codes) == 50
    assert len(set(chpl.codes)) == 50
    assert all(len(c) == 6 and c.isdigit() for c in chpl.codes)


def test_current_tier_counts_match_the_published_list():
    counts = {tier: len(codes) for tier, codes in get_chpl().codes_by_tier.items()}
    assert counts == {"1": 4, "2": 5, "3A": 16, "3B": 9, "4A": 11, "4B": 5}


def test_earlier_list_has_45_codes_in_four_tiers():
    old, new = get_chpl("2023"), get_chpl("2024-02")
    assert len(old.codes) == len(set(old.codes)) == 45
    assert list(old.codes_by_tier) == ["1", "2", "3", "4"]
    assert set(old.codes) < set(new.codes)
    assert set(new.codes) - set(old.codes) == set(new.codes_by_tier["4B"])


def test_tier_of():
    chpl = get_chpl()
    assert chpl.tier_of("854231") == "1"
    assert chpl.tier_of("848210") == "3B"
    assert chpl.tier_of("845710") == "4B"
    assert chpl.tier_of("870323") is None
    assert get_chpl("2023").tier_of("848210") == "3"


def test_to_frame():
    frame = get_chpl().to_frame()
    assert frame.schema == pl.Schema({"hs6": pl.String, "tier": pl.String, "version": pl.String})
    assert frame.height == 50
    assert Counter(frame["tier"].to_list())["3A"] == 16


def test_unknown_version_lists_the_valid_ones():
    with pytest.raises(ParameterError, match=r"Unknown CHPL version '2022'.*2024-02, 2023"):
        get_chpl("2022")
    assert set(CHPL_LISTS) == {"2024-02", "2023"}


@pytest.mark.skipif(not SHARED_CHPL.exists(), reason="shared reference data not available")
def test_codes_and_tiers_agree_with_the_reference_file():
    reference = pl.read_csv(SHARED_CHPL, schema_overrides={"hs6": pl.String, "tier": pl.String})
    expected = dict(zip(reference["hs6"].str.zfill(6), reference["tier"], strict=True))
    ours = {code: tier for tier, codes in get_chpl().codes_by_tier.items() for code in codes}
    assert ours == expected
