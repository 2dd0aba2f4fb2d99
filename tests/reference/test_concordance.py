"""HS revisions: converting flows between HS2022 and HS2017 with stated weights."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from tests.conftest import SHARED_DATA

import tradeflows
from tradeflows.reference.concordance import BUILTIN_2022_2017, convert_flows, convert_hs, load_concordance

CORRELATION = SHARED_DATA / "reference" / "hs_concordance_2022_2017.csv"
FIXTURES = Path(__file__).parents[1] / "fixtures"


def _rows(*rows: tuple[int, int, str, float]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"hs_version": pl.Int16, "hs_level": pl.Int8, "hs": pl.String, "value_usd": pl.Float64},
                        orient="row")


def test_backwards_to_hs2017_merges_and_keeps() -> None:
    flows = _rows((2022, 6, "851713", 100.0), (2022, 6, "851714", 30.0), (2022, 6, "847130", 50.0),
                  (2022, 6, "010121", 7.0), (2017, 6, "851712", 5.0), (2022, 4, "8517", 130.0))
    out = convert_flows(flows, 2017).sort("hs_from")
    by_code = {r["hs_from"] + "/" + str(r["hs_version_from"]): r for r in out.iter_rows(named=True)}
    # Smartphones and other phones were one HS2017 code: both land on 851712, whole.
    assert (by_code["851713/2022"]["hs"], by_code["851713/2022"]["value_usd"]) == ("851712", 100.0)
    assert by_code["851713/2022"]["split_rule"] == "n:1" and by_code["851714/2022"]["hs"] == "851712"
    assert (by_code["847130/2022"]["hs"], by_code["847130/2022"]["split_rule"]) == ("847130", "1:1")
    assert by_code["010121/2022"]["hs_version"] == 2022 and "kept as HS2022" in by_code["010121/2022"]["split_rule"]
    assert by_code["851712/2017"]["split_rule"] == "HS2017 as reported"
    assert by_code["8517/2022"]["split_rule"] == "HS4 8517: not converted"
    assert out["value_usd"].sum() == pytest.approx(flows["value_usd"].sum())


def test_forwards_splits_equally_by_default_and_says_so() -> None:
    out = convert_flows(_rows((2017, 6, "851712", 1000.0)), 2022)
    # UNSD sends ten HS2022 codes back to 851712: 851713, 851714, six 8524 codes, 854151, 854159.
    assert out.height == 10
    assert out["value_usd"].to_list() == pytest.approx([100.0] * 10)
    assert set(out["split_rule"]) == {"1:n equal split over 10 codes"}
    assert set(out["hs_version"]) == {2022}


def test_trade_weighted_and_user_weights() -> None:
    flows = _rows((2017, 6, "851712", 1000.0), (2022, 6, "851713", 900.0), (2022, 6, "851714", 100.0))
    out = convert_flows(flows, 2022, split="trade").filter(pl.col("hs_version_from") == 2017)
    shares = dict(zip(out["hs"], out["value_usd"], strict=True))
    assert shares["851713"] == pytest.approx(900.0) and shares["851714"] == pytest.approx(100.0)  # 90% / 10%
    assert sum(shares.values()) == pytest.approx(1000.0)
    assert set(out["split_rule"]) == {"1:n trade-weighted by the store's HS2022 trade"}

    weights = pl.DataFrame({"from_hs": ["851712"], "to_hs": ["851713"], "weight": [0.5]})
    given = convert_flows(_rows((2017, 6, "851712", 1000.0)), 2022, weights=weights)
    row = given.filter(pl.col("hs") == "851713").row(0, named=True)
    assert row["value_usd"] == 500.0 and row["split_rule"] == "1:n weight given by the user"


def test_no_concordance_for_hs2012_is_stated() -> None:
    out = convert_flows(_rows((2012, 6, "847130", 3.0)), 2017)
    assert out.row(0, named=True)["split_rule"] == "no HS2012-HS2017 concordance loaded: kept as HS2012"
    with pytest.raises(tradeflows.ParameterError, match="split='share'"):
        convert_flows(_rows((2012, 6, "847130", 3.0)), 2017, split="share")  # type: ignore[arg-type]


def test_load_the_full_unsd_correlation() -> None:
    if not CORRELATION.exists():
        pytest.skip(f"shared data not found at {CORRELATION}")
    concordance = load_concordance(CORRELATION)
    assert (concordance.from_version, concordance.to_version) == (2022, 2017)
    with CORRELATION.open(newline="") as handle:
        links = {(r["hs2022"], r["hs2017"]) for r in csv.DictReader(handle)}
    assert concordance.links.height == len(links)
    drones = sorted(b for a, b in links if a == "880621")
    assert list(concordance.targets("880621")) == drones  # 852580, 880211, 880220
    out = convert_flows(_rows((2022, 6, "880621", 300.0)), 2017, concordances=(concordance,))
    assert out["value_usd"].to_list() == pytest.approx([100.0] * len(drones))
    assert set(out["split_rule"]) == {f"n:n equal split over {len(drones)} codes"}


def test_load_errors(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("a,b\n010121,010121\n")
    with pytest.raises(tradeflows.SchemaError, match="two columns named for HS revisions"):
        load_concordance(path)
    concordance = load_concordance(path, from_version=2017, to_version=2012)
    assert concordance.targets("010121") == ("010121",)
    path.write_text("hs22,hs17\n8517,851712\n")
    with pytest.raises(tradeflows.SchemaError, match="not HS6"):
        load_concordance(path)


def test_convert_a_store_mixing_revisions(store: tradeflows.Store) -> None:
    store.ingest([FIXTURES / "baci" / "BACI_HS17_Y2022_V202401.csv", FIXTURES / "comtrade_plus" / "kaz_8471_2022.csv"])
    before = store.sql("SELECT sum(value_usd) AS v FROM annual WHERE hs_level = 6")["v"][0]
    out = convert_hs(store, 2017, where="hs_level = ?", params=[6])
    assert out["value_usd"].sum() == pytest.approx(before)
    assert set(out["hs_version"]) == {2017}  # every code here is in the built-in excerpt or already HS2017
    comtrade = out.filter((pl.col("source") == "comtrade_plus") & (pl.col("year") == 2022))
    assert set(comtrade["split_rule"]) == {"1:1"}  # 847130 is the same code in both revisions


def test_chained_through_the_revision_between(tmp_path: Path) -> None:
    # A user's HS2012 -> HS2017 table (hand-written): 847130 unchanged.
    path = tmp_path / "hs12_hs17.csv"
    path.write_text("hs2012,hs2017\n847130,847130\n851712,851712\n")
    hs12 = load_concordance(path)
    out = convert_flows(_rows((2012, 6, "847130", 8.0), (2012, 6, "851712", 10.0)), 2022,
                        concordances=(hs12, BUILTIN_2022_2017))
    laptops = out.filter(pl.col("hs_from") == "847130")
    assert laptops.select("hs", "value_usd", "split_rule").rows() == [("847130", 8.0, "1:1")]
    phones = out.filter(pl.col("hs_from") == "851712")
    assert phones.height == 10 and phones["value_usd"].sum() == pytest.approx(10.0)  # HS2017 851712 fans out
