"""The DiD with each product's own listing date on monthly data, against the annual design.

A hand-made monthly panel: three origins export eight HS6 products to two hubs and four other
destinations, 2021-01 to 2023-12. Four products are listed, each in its own month; from that
month their exports to the hubs are e^0.25 times what they would be (+28.4%). The monthly design
must read back 0.25; the annual design, which counts every product as sanctioned from 2022,
mixes unlisted months into its treated years and must find less.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tradeflows
from tradeflows.errors import ParameterError
from tradeflows.indicators import did
from tradeflows.indicators.testing import load_rows
from tradeflows.reference.sanctions import load_dated_list

LISTED = {"847150": (2022, 3), "854231": (2022, 9), "851762": (2023, 2), "901380": (2023, 6)}
OTHERS = ("080810", "271019", "610910", "940360")
HUBS, CONTROLS = ("ARM", "KAZ"), ("BRA", "IND", "MEX", "ZAF")
BETA = 0.25


@pytest.fixture(scope="module")
def panel(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dated")
    rng = np.random.default_rng(5)
    rows = []
    for o in ("DEU", "FRA", "ITA"):
        for d in HUBS + CONTROLS:
            for hs in (*LISTED, *OTHERS):
                a_odk = rng.normal(0, 0.5)
                for t in range(36):
                    year, month = 2021 + t // 12, t % 12 + 1
                    treated = hs in LISTED and (year, month) >= LISTED[hs] and d in HUBS
                    log_v = 10 + a_odk + 0.002 * t + BETA * treated + rng.normal(0, 0.01)
                    rows.append(dict(year=year, month=month, reporter=o, partner=d, hs=hs, value_usd=math.exp(log_v)))
    store = tradeflows.open(folder / "s.duckdb")
    load_rows(store, rows)
    listing = folder / "list.csv"
    listing.write_text("code,listed\n" + "".join(f"{hs},{y}-{m:02d}\n" for hs, (y, m) in LISTED.items()))
    return store, load_dated_list(listing)


def test_each_product_from_its_own_month(panel):
    store, dated = panel
    out = did(store, basket=dated.basket(), origin="DEU,FRA,ITA", treated="ARM,KAZ", baseline=2021,
              after=(2022, 2023), dated=dated)  # fmt: skip
    r = out.filter(out["group"] == "ARM+KAZ").row(0, named=True)
    assert r["status"] == "ok" and r["beta"] == pytest.approx(BETA, abs=0.01)
    assert r["pct_increase"] == pytest.approx(100 * math.expm1(BETA), abs=1.5)
    # 3 origins x 6 destinations x 8 products x 36 months, one cluster per origin-destination pair
    assert r["n_obs"] == 3 * 6 * 8 * 36 and r["n_clusters"] == 18
    assert "each product sanctioned from its listing month" in r["reason"] and "2022-03 to 2023-06" in r["after"]
    annual = did(store, basket=dated.basket(), origin="DEU,FRA,ITA", treated="ARM,KAZ", baseline=2021,
                 after=(2022, 2023))  # fmt: skip
    a = annual.filter(annual["group"] == "ARM+KAZ").row(0, named=True)
    assert a["status"] == "ok" and a["beta"] < BETA - 0.05  # the annual design dilutes the effect


def test_a_basket_product_the_list_does_not_date_is_left_out(panel, tmp_path):
    store, _ = panel
    listing = tmp_path / "some.csv"
    listing.write_text("code,listed\n847150,2022-03\n854231,2022-09\n")
    out = did(store, basket=["847150", "854231", "851762"], origin="DEU,FRA,ITA", treated="ARM,KAZ", baseline=2021,
              after=(2022, 2023), dated=listing)  # fmt: skip
    r = out.filter(out["group"] == "ARM+KAZ").row(0, named=True)
    assert "1 basket product(s) the list does not date left out" in r["reason"]
    assert r["n_obs"] == 3 * 6 * 6 * 36  # 851762 in neither group; 901380 now a comparison product
    undated = tmp_path / "undated.csv"
    undated.write_text("code\n847150\n")
    with pytest.raises(ParameterError, match="dates none of its codes"):
        did(store, basket="847150", origin="DEU", baseline=2021, after=(2022, 2023), dated=undated)


def test_the_command_line_runs_the_monthly_design(panel, tmp_path):
    from typer.testing import CliRunner

    from tradeflows.cli import app

    store, _ = panel
    listing = tmp_path / "list.csv"
    listing.write_text("code,listed\n" + "".join(f"{hs},{y}-{m:02d}\n" for hs, (y, m) in LISTED.items()))
    result = CliRunner().invoke(app, [
        "indicators", "did", "--basket", ",".join(LISTED), "--reporter", "DEU,FRA,ITA", "--treated", "ARM,KAZ",
        "--baseline", "2021", "--after", "2022-2023", "--dated", str(listing), "--db", str(store.path),
        "--format", "csv"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "from each product's listing month (2022-03 to 2023-06)" in result.output


def test_a_cn8_list_states_its_partial_coverage_in_the_reason(panel, tmp_path):
    store, _ = panel
    listing = tmp_path / "cn8.csv"
    listing.write_text("code,listed\n84715000,2022-03\n85423190,2022-09\n")  # 854231 only in part
    out = did(store, basket=["847150", "854231"], origin="DEU,FRA,ITA", treated="ARM,KAZ", baseline=2021,
              after=(2022, 2023), dated=listing)  # fmt: skip
    assert "1 HS6 code(s) listed only in part" in out["reason"][0]
