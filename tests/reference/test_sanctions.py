"""Dated sanctions lists: the CHPL versions' dates, a user's CN8 list mapped to HS6 with its
partial coverage, and the real EU list (read from the shared data, never copied)."""

from __future__ import annotations

import pytest

from tests.conftest import SHARED_DATA
from tradeflows.errors import InputError
from tradeflows.reference.chpl import get_chpl
from tradeflows.reference.sanctions import chpl_dated, listed_month, load_dated_list

EU_LIST = SHARED_DATA / "reference" / "eu_export_sanctions_cn8.csv"


def test_chpl_codes_dated_by_the_first_version_holding_them():
    dated = chpl_dated()
    older = set(get_chpl("2023").codes)
    frame = dated.to_frame()
    assert len(frame) == 50 and frame.filter(frame["listed"] == "2023")["hs"].to_list() == [
        c for c in get_chpl("2024-02").codes if c in older]  # fmt: skip
    assert set(frame.filter(frame["listed"] == "2024-02-23")["hs"]) == {"845710", "845811", "845891", "845961",
                                                                        "846693"}  # tier 4B, added in 2024
    assert listed_month("2024-02-23") == 202402 and listed_month("2023") == 202301  # a bare year: January


def test_a_cn8_list_maps_to_hs6_and_states_partial_coverage(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("code,listed,product\n"
                    "85423190,2022-04,processors\n"     # 854231 named through one subdivision: partial
                    "8542.31.10,2022-06,memories\n"     # the same HS6 again: dated from its earliest
                    "84715000,,servers\n"               # ...00: the CN does not subdivide 847150: full
                    "880730,2023-02,aircraft parts\n")  # an HS6 code whole  # fmt: skip
    dated = load_dated_list(path, listed="2022-12")
    rows = {r["hs"]: r for r in dated.to_frame().iter_rows(named=True)}
    assert set(rows) == {"854231", "847150", "880730"}
    assert rows["854231"]["listed_month"] == 202204 and rows["854231"]["coverage"] == "partial"
    assert rows["854231"]["cn8"] == "85423110,85423190"
    assert rows["847150"]["listed"] == "2022-12" and rows["847150"]["coverage"] == "full"  # undated: --listed
    assert rows["880730"]["coverage"] == "full" and dated.partial == ["854231"]
    assert "4 codes read as 3" in dated.note and dated.basket().codes[0].code == "847150"


def test_a_bad_code_or_date_names_the_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("code,listed\n85423190,2022-04\n85X2,2022-04\n")
    with pytest.raises(InputError, match=r"line 3, column code: '85X2'"):
        load_dated_list(path)
    path.write_text("code,listed\n85423190,April 2022\n")
    with pytest.raises(InputError, match=r"line 2, column listed"):
        load_dated_list(path)


def test_the_real_eu_list():
    if not EU_LIST.exists():
        pytest.skip(f"shared data not found at {EU_LIST}")
    with EU_LIST.open(encoding="utf-8") as handle:
        codes = [line.split(",")[0].strip('"') for line in handle.read().splitlines()[1:]]
    dated = load_dated_list(EU_LIST, listed="2022-03")
    hs6 = {c[:6] for c in codes}
    assert len(codes) == 2223 and len(dated.codes) == len(hs6)  # every CN8 code under its HS6, once
    # an HS6 is whole only where the list names its ...00 subdivision (the CN does not split it)
    whole = {c[:6] for c in codes if c.endswith("00")}
    assert set(dated.partial) == hs6 - whole and f"{len(hs6 - whole)} HS6 code(s) listed only in part" in dated.note
    assert {c.listed for c in dated.codes} == {"2022-03"}  # the file states no dates: --listed dates them
