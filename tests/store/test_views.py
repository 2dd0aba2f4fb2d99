"""The views pick one level of each breakdown, so that a plain sum never double-counts."""

from __future__ import annotations

from tests.conftest import comtrade_row


def test_mode_total_is_used_instead_of_its_breakdown(store, write_comtrade):
    store.ingest(
        [
            write_comtrade(
                [
                    comtrade_row(mot_code="0", mot_desc="TOTAL MOT", trade_value_us="100"),
                    comtrade_row(mot_code="3200", mot_desc="Road", trade_value_us="60"),
                    comtrade_row(mot_code="1000", mot_desc="Air", trade_value_us="40"),
                    # Another partner has only the breakdown: both modes count.
                    comtrade_row(partner_code="398", mot_code="3200", mot_desc="Road", trade_value_us="7"),
                    comtrade_row(partner_code="398", mot_code="9300", mot_desc="Self propelled goods", trade_value_us="3"),
                ]
            )
        ]
    )
    assert store.sql("SELECT sum(value_usd) AS v FROM flows")["v"][0] == 210  # as reported, all rows kept
    got = store.sql("SELECT partner, sum(value_usd) AS v FROM figures GROUP BY partner ORDER BY partner")
    assert got.rows() == [("KAZ", 10.0), ("RUS", 100.0)]


def test_world_rows_stay_out_of_partner_sums(store, write_comtrade):
    store.ingest(
        [
            write_comtrade(
                [
                    comtrade_row(partner_code="643", trade_value_us="30"),
                    comtrade_row(partner_code="398", trade_value_us="20"),
                    comtrade_row(partner_code="899", trade_value_us="5"),  # areas nes: real trade
                    comtrade_row(partner_code="0", trade_value_us="55"),  # world
                ]
            )
        ]
    )
    assert store.sql("SELECT sum(value_usd) AS v FROM annual")["v"][0] == 55
    assert store.sql("SELECT value_usd FROM world_totals")["value_usd"].to_list() == [55]


def test_annual_hs4_uses_the_heading_or_rolls_up_its_detail(store, write_comtrade):
    store.ingest(
        [
            write_comtrade(
                [
                    # Russia: heading reported and detailed -> the heading alone.
                    comtrade_row(commodity_code="8703", aggregate_level="4", trade_value_us="100"),
                    comtrade_row(commodity_code="870323", aggregate_level="6", trade_value_us="70"),
                    comtrade_row(commodity_code="870324", aggregate_level="6", trade_value_us="30"),
                    # Kazakhstan: only the detail -> rolled up.
                    comtrade_row(partner_code="398", commodity_code="870323", aggregate_level="6", trade_value_us="8"),
                    comtrade_row(partner_code="398", commodity_code="870340", aggregate_level="6", trade_value_us="4"),
                ]
            )
        ]
    )
    got = store.sql("SELECT partner, hs, value_usd, hs_basis FROM annual_hs4 ORDER BY partner")
    assert got.rows() == [("KAZ", "8703", 12.0, "rolled up from HS6"), ("RUS", "8703", 100.0, "reported")]


def test_annual_rolls_months_up_and_counts_them(store, write_comtrade):
    store.ingest(
        [
            write_comtrade(
                [
                    comtrade_row(month="1", trade_value_us="1.25", cifvalue="NA"),
                    comtrade_row(month="2", trade_value_us="2.50", cifvalue="NA"),
                    comtrade_row(month="3", trade_value_us="4.00", cifvalue="NA"),
                ]
            )
        ]
    )
    got = store.sql("SELECT value_usd, cif_usd, months, rows FROM annual")
    assert got.rows() == [(7.75, None, 3, 3)]  # CIF missing in every month: no partial sum


def test_coverage_shows_missing_months(store, write_comtrade):
    store.ingest([write_comtrade([comtrade_row(month=m) for m in ("1", "2", "4")])])
    got = store.sql("SELECT months_present, n_months FROM coverage")
    assert got.rows() == [([1, 2, 4], 3)]
