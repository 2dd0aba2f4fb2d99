from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tradeflows.errors import ParameterError
from tradeflows.reference.groups import get_group
from tradeflows.schema import FLOW_COLUMNS, flows_schema, infer_hs_version
from tradeflows.synthetic import (
    SANCTIONED_BASKETS,
    WorldConfig,
    generate_world,
    write_baci_csv,
    write_comtrade_csv,
    write_parquet,
)
from tradeflows.synthetic.world import CARS, CHPL, COMPUTERS

SANCTIONED = sorted({c for codes in SANCTIONED_BASKETS.values() for c in codes})
COALITION = get_group("coalition").members
HUBS = get_group("hubs").members
BEFORE, AFTER = [2019, 2020, 2021], [2022, 2023, 2024]
GEORGIA_FILE = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "comtrade" / "vehicle_trade_georgia.csv"


@pytest.fixture(scope="module")
def world():
    return generate_world()


@pytest.fixture(scope="module")
def unplanted():
    return generate_world(WorldConfig(plant=False))


def ratio(flows: pl.DataFrame, after: list[int], before: list[int], *predicates: pl.Expr) -> float:
    """mean yearly value in ``after`` / mean yearly value in ``before``."""
    rows = flows.filter(*predicates)
    total = {y: rows.filter(pl.col("year") == y)["value_usd"].sum() for y in after + before}
    return (sum(total[y] for y in after) / len(after)) / (sum(total[y] for y in before) / len(before))


def cell_ratios(flows: pl.DataFrame, keys: list[str], *predicates: pl.Expr) -> pl.DataFrame:
    """Per group: mean 2022-2024 / mean 2019-2021 of value_usd."""
    return (
        flows.filter(*predicates)
        .group_by(keys)
        .agg(
            after=pl.col("value_usd").filter(pl.col("year").is_in(AFTER)).sum() / 3,
            before=pl.col("value_usd").filter(pl.col("year").is_in(BEFORE)).sum() / 3,
        )
        .with_columns(ratio=pl.col("after") / pl.col("before"))
    )


def test_same_seed_gives_identical_frames_and_another_seed_does_not():
    config = WorldConfig(target_rows=150_000, seed=11)
    first, second = generate_world(config), generate_world(config)
    assert_frame_equal(first.flows, second.flows)
    assert_frame_equal(first.planted, second.planted)
    assert_frame_equal(first.decoys, second.decoys)
    other = generate_world(WorldConfig(target_rows=150_000, seed=12))
    assert not first.flows["value_usd"].equals(other.flows["value_usd"])


def test_flows_have_exactly_the_canonical_schema(world):
    flows = world.flows
    assert flows.schema == pl.Schema(flows_schema())
    assert flows.columns == [c.name for c in FLOW_COLUMNS]
    assert flows["source"].unique().to_list() == ["synthetic"]
    assert flows["ingest_id"].unique().to_list() == [0]
    assert flows["line"].null_count() == flows.height
    assert flows["month"].null_count() == flows.height
    assert flows["hs_level"].unique().to_list() == [6]
    assert flows["mode"].unique().to_list() == ["TOTAL"]
    assert (flows["hs"].str.len_chars() == 6).all()
    assert (flows["value_usd"] > 0).all()
    assert set(flows["qty_unit"].unique()) == {"u", "kg"}
    versions = flows.select("year", "hs_version").unique()
    assert all(infer_hs_version(y) == v for y, v in versions.iter_rows())


def test_each_flow_is_reported_by_both_sides_with_a_cif_margin(world):
    flows = world.flows
    basis = flows.select("flow", "partner_basis").unique().sort("flow")
    assert basis.rows() == [("M", "origin"), ("X", "destination")]
    assert flows.filter(pl.col("flow") == "M")["fob_usd"].null_count() == flows.filter(pl.col("flow") == "M").height
    x = flows.filter(pl.col("flow") == "X").select("year", "hs", exporter="reporter", importer="partner", x="value_usd")
    m = flows.filter(pl.col("flow") == "M").select("year", "hs", exporter="partner", importer="reporter", m="value_usd")
    both = x.join(m, on=["year", "exporter", "importer", "hs"], how="full", coalesce=True)
    assert both["x"].null_count() == 0 and both["m"].null_count() == 0
    gap_cells = world.planted.filter(pl.col("kind") == "mirror_gap").select("exporter", "importer", "hs")
    ordinary = both.join(gap_cells, on=["exporter", "importer", "hs"], how="anti").with_columns(
        r=pl.col("m") / pl.col("x")
    )
    assert 1.04 < ordinary["r"].median() < 1.06
    assert ordinary["r"].min() > 0.9 and ordinary["r"].max() < 1.25


def test_quantities_give_plausible_unit_values(world):
    flows = world.flows.filter(pl.col("flow") == "X")
    cars = flows.filter(pl.col("hs").is_in(CARS)).with_columns(uv=pl.col("value_usd") / pl.col("qty"))
    assert 8_000 < cars["uv"].median() < 60_000
    assert (cars["qty_unit"] == "u").all()
    kg = flows.filter(pl.col("qty_unit") == "kg")
    assert (kg["qty"] - kg["net_kg"]).abs().max() < 1e-6
    units = flows.filter(pl.col("qty_unit") == "u", pl.col("hs").is_in(CARS))
    assert 800 < (units["net_kg"] / units["qty"]).median() < 2_500


def test_kazakhstan_computer_imports_are_seven_times_2021(world):
    kaz = [pl.col("reporter") == "KAZ", pl.col("flow") == "M", pl.col("hs").is_in(COMPUTERS)]
    assert ratio(world.flows, [2022], [2021], *kaz) == pytest.approx(7.0, rel=0.01)
    assert ratio(world.flows, [2022], [2021], *kaz) > 5 * ratio(world.flows, [2021], [2020], *kaz)


def test_chinese_chpl_exports_to_kazakhstan_and_kyrgyzstan_up_64_percent(world):
    chn = [pl.col("reporter") == "CHN", pl.col("flow") == "X", pl.col("partner").is_in(["KAZ", "KGZ"])]
    assert ratio(world.flows, AFTER, BEFORE, *chn, pl.col("hs").is_in(CHPL)) == pytest.approx(1.64, rel=0.01)


def test_armenia_and_georgia_car_imports_as_in_comtrade(world):
    for hub, expected in (("ARM", 5.7), ("GEO", 1.8)):
        cars = [pl.col("reporter") == hub, pl.col("flow") == "M", pl.col("hs").is_in(CARS)]
        assert ratio(world.flows, [2022], [2021], *cars) == pytest.approx(expected, rel=0.01)


def test_direct_exports_collapse_and_hub_exports_to_russia_rise(world, unplanted):
    direct = [pl.col("reporter").is_in(COALITION), pl.col("flow") == "X", pl.col("partner") == "RUS"]
    sanctioned = pl.col("hs").is_in(SANCTIONED)
    assert 0.1 < ratio(world.flows, AFTER, BEFORE, *direct, sanctioned) < 0.3
    assert ratio(unplanted.flows, AFTER, BEFORE, *direct, sanctioned) > 0.9
    assert ratio(world.flows, AFTER, BEFORE, *direct, ~sanctioned) == pytest.approx(
        ratio(unplanted.flows, AFTER, BEFORE, *direct, ~sanctioned)
    )
    via_hubs = [pl.col("reporter").is_in(HUBS), pl.col("flow") == "X", pl.col("partner") == "RUS", sanctioned]
    assert ratio(world.flows, AFTER, BEFORE, *via_hubs) > 2 * ratio(unplanted.flows, AFTER, BEFORE, *via_hubs)


def test_without_plants_no_sanctioned_good_into_a_hub_grows_beyond_noise(world, unplanted):
    into_hubs = [pl.col("reporter").is_in(HUBS), pl.col("flow") == "M", pl.col("hs").is_in(SANCTIONED)]
    quiet = cell_ratios(unplanted.flows, ["reporter", "hs"], *into_hubs)
    assert quiet["ratio"].max() < 1.6
    assert cell_ratios(unplanted.flows, ["reporter", "partner", "hs"], *into_hubs)["ratio"].max() < 2.0
    assert cell_ratios(world.flows, ["reporter", "hs"], *into_hubs)["ratio"].max() > 3.0
    assert unplanted.planted.is_empty()


def test_plants_touch_only_the_listed_cells(world, unplanted):
    keys = ["year", "reporter", "partner", "hs"]
    cells = world.planted.select("exporter", "importer", "hs").unique()
    x = pl.col("flow") == "X"
    planted = world.flows.filter(x).join(
        cells, left_on=["reporter", "partner", "hs"], right_on=["exporter", "importer", "hs"], how="anti"
    )
    plain = unplanted.flows.filter(x).join(
        cells, left_on=["reporter", "partner", "hs"], right_on=["exporter", "importer", "hs"], how="anti"
    )
    assert_frame_equal(planted.sort(keys), plain.sort(keys))


def test_new_flows_are_absent_before_2022_and_present_after(world):
    new = world.planted.filter(pl.col("kind") == "new_flow")
    assert new.height == 6
    exports = world.flows.filter(pl.col("flow") == "X")
    rows = exports.join(new, left_on=["reporter", "partner", "hs"], right_on=["exporter", "importer", "hs"])
    assert rows.filter(pl.col("year") < 2022).is_empty()
    assert rows.filter(pl.col("year") >= 2022).select("reporter", "partner", "hs").n_unique() == 6


def test_unit_value_anomalies_and_mirror_gaps_show(world):
    uv = world.planted.filter(pl.col("kind") == "unit_value")
    assert set(uv["factor"]) == {0.4, 3.0}
    flows = world.flows.filter(pl.col("flow") == "X").with_columns(uv=pl.col("value_usd") / pl.col("qty"))
    for exporter, importer, hs, factor in uv.select("exporter", "importer", "hs", "factor").iter_rows():
        cell = flows.filter(reporter=exporter, partner=importer, hs=hs)
        change = cell.filter(pl.col("year") >= 2022)["uv"].mean() / cell.filter(pl.col("year") < 2022)["uv"].mean()
        assert change == pytest.approx(factor, rel=0.25)
    gaps = world.planted.filter(pl.col("kind") == "mirror_gap").select("exporter", "importer", "hs").unique()
    assert set(gaps["importer"]) == {"KGZ", "UZB"}
    x = world.flows.filter(pl.col("flow") == "X").join(
        gaps, left_on=["reporter", "partner", "hs"], right_on=["exporter", "importer", "hs"]
    )
    m = world.flows.filter(pl.col("flow") == "M").join(
        gaps, left_on=["partner", "reporter", "hs"], right_on=["exporter", "importer", "hs"]
    )
    for years, low, high in (([2022, 2023, 2024], 0.3, 0.6), ([2019, 2020, 2021], 1.0, 1.1)):
        share = (
            m.filter(pl.col("year").is_in(years))["value_usd"].sum()
            / x.filter(pl.col("year").is_in(years))["value_usd"].sum()
        )
        assert low < share < high


def test_decoys_are_ordinary_goods_into_ordinary_destinations_and_show(world):
    decoys = world.decoys
    assert decoys.height == 40 and set(decoys["kind"]) == {"ordinary_shock"}
    assert not decoys["hs"].is_in(SANCTIONED).any()
    assert not decoys["importer"].is_in(list(HUBS) + ["RUS", "BLR"]).any()
    x = world.flows.filter(pl.col("flow") == "X")
    for exporter, importer, hs, start, factor in decoys.select(
        "exporter", "importer", "hs", "start_year", "factor"
    ).iter_rows():
        cell = x.filter(reporter=exporter, partner=importer, hs=hs)
        after, before = cell.filter(pl.col("year") >= start), cell.filter(pl.col("year") < start)
        change = after["value_usd"].mean() / before["value_usd"].mean()
        assert factor * 0.6 < change < factor * 1.7


def test_target_rows_and_monthly_data():
    # the planted cells always trade, so about 1.9M monthly rows is the smallest default world
    monthly = generate_world(WorldConfig(target_rows=2_500_000, monthly=True, seed=3))
    assert monthly.flows.height == pytest.approx(2_500_000, rel=0.05)
    per_cell = monthly.flows.group_by("year", "reporter", "partner", "flow", "hs").agg(pl.col("month").sort())
    assert per_cell["month"].list.len().unique().to_list() == [12]
    kaz = [pl.col("reporter") == "KAZ", pl.col("flow") == "M", pl.col("hs").is_in(COMPUTERS)]
    assert ratio(monthly.flows, [2022], [2021], *kaz) == pytest.approx(7.0, rel=0.01)
    annual = generate_world(WorldConfig(target_rows=400_000, seed=3))
    assert annual.flows.height == pytest.approx(400_000, rel=0.05)


def test_bigger_targets_add_countries_and_filler_products():
    big = generate_world(WorldConfig(target_rows=3_000_000, plant=False))
    assert big.flows.height == pytest.approx(3_000_000, rel=0.05)
    assert len(big.countries) > 30
    assert big.products["filler"].any()
    assert (big.products.filter("filler")["hs"].str.len_chars() == 6).all()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (WorldConfig(countries=("USA", "XXX")), "unknown or repeated: \\['XXX'\\]"),
        (WorldConfig(products=("8471",)), "6-digit HS codes"),
        (WorldConfig(target_rows=60_000_000), "between 1 and 50,000,000"),
        (WorldConfig(sanction_year=2030), "sanction_year 2030"),
    ],
)
def test_bad_configs_are_refused(config, message):
    with pytest.raises(ParameterError, match=message):
        generate_world(config)


def test_baci_file_reads_back_to_the_export_side(tmp_path, world):
    path = write_baci_csv(world.flows, tmp_path / "baci.csv")
    baci = pl.read_csv(path)
    assert baci.columns == ["t", "i", "j", "k", "v", "q"]
    assert baci.schema["k"] == pl.Int64
    exports = world.flows.filter(pl.col("flow") == "X")
    assert baci.height == exports.height
    by_year = baci.group_by("t").agg((pl.col("v") * 1000).sum()).sort("t")
    expected = exports.group_by("year").agg(pl.col("value_usd").sum()).sort("year")
    for (_, got), (_, want) in zip(by_year.iter_rows(), expected.iter_rows(), strict=True):
        assert got == pytest.approx(want, rel=1e-6)
    assert 80810 in baci["k"].to_list()  # 080810 loses its leading zero, as in real BACI files
    assert {840, 398, 643} <= set(baci["i"])  # M49: USA, KAZ, RUS
    assert (baci["q"] * 1000).sum() == pytest.approx(exports["net_kg"].sum(), rel=1e-6)


def test_baci_file_sums_months_and_streams_from_iter_flows(tmp_path):
    world = generate_world(WorldConfig(products=("847130", "080810"), years=(2021, 2022), monthly=True))
    baci = pl.read_csv(write_baci_csv(world.iter_flows(), tmp_path / "baci.csv"))
    exports = world.flows.filter(pl.col("flow") == "X")
    assert baci.height == exports.height // 12
    assert (baci["v"] * 1000).sum() == pytest.approx(exports["value_usd"].sum(), rel=1e-6)


def test_comtrade_file_has_the_legacy_columns(tmp_path, world):
    flows = world.flows.filter(pl.col("year") == 2022)
    path = write_comtrade_csv(flows, tmp_path / "comtrade.csv")
    header = path.read_text().splitlines()[0].split(",")
    if GEORGIA_FILE.exists():
        assert header == GEORGIA_FILE.read_text().splitlines()[0].split(",")
    data = pl.read_csv(path, null_values="NA", schema_overrides={"commodity_code": pl.String})
    assert data.height == flows.height
    assert data["trade_value_us"].sum() == pytest.approx(flows["value_usd"].sum(), rel=1e-9)
    usa = data.filter(pl.col("partner_iso") == "USA")
    assert set(usa["partner_code"]) == {842}
    assert set(data["trade_flow"]) == {"Export", "Import"}
    assert (
        data.filter(pl.col("trade_code") == "M")["fobvalue"].null_count()
        == data.filter(pl.col("trade_code") == "M").height
    )
    assert "080810" in data["commodity_code"].to_list()


def test_parquet_round_trip(tmp_path):
    world = generate_world(WorldConfig(products=("847130", "080810"), years=(2021, 2022)))
    assert_frame_equal(pl.read_parquet(write_parquet(world.flows, tmp_path / "a.parquet")), world.flows)
    streamed = pl.read_parquet(write_parquet(world.iter_flows(), tmp_path / "b.parquet"))
    assert_frame_equal(streamed, world.flows)
