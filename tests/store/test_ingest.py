"""Ingest on small hand-written files: each case's answer is worked out in the test."""

from __future__ import annotations

import gzip

import polars as pl
import pytest

import tradeflows
from tests.conftest import comtrade_row


def test_rows_read_equal_kept_plus_quarantined_with_reasons(store, write_comtrade):
    path = write_comtrade(
        [
            comtrade_row(),
            comtrade_row(partner_code="999", partner_iso="XXX"),  # line 3: unknown code
            comtrade_row(trade_value_us="12,5x"),  # line 4: not a number
            comtrade_row(trade_value_us="-5"),  # line 5: negative
            comtrade_row(month="13"),  # line 6: no such month
        ]
    )
    report = store.ingest([path])
    assert (report.rows_read, report.rows_kept, report.rows_quarantined) == (5, 1, 4)
    q = store.sql("SELECT line, column_name, value, reason FROM quarantine ORDER BY line")
    assert q["line"].to_list() == [3, 4, 5, 6]
    assert q["column_name"].to_list() == ["partner_code", "trade_value_us", "trade_value_us", "month"]
    assert q["value"].to_list() == ["999", "12,5x", "-5", "13"]
    assert "unknown UN Comtrade area code" in q["reason"][0]
    assert "not a number" in q["reason"][1]
    assert "negative" in q["reason"][2]
    raw = store.sql("SELECT raw FROM quarantine WHERE line = 3")["raw"][0]
    assert ",999,XXX," in raw


def test_comtrade_codes_map_to_iso3(store, write_comtrade):
    rows = [
        comtrade_row(partner_code=code, trade_value_us=str(i + 1))
        for i, code in enumerate(["842", "251", "699", "757", "490", "0", "899", "643"])
    ]
    store.ingest([write_comtrade(rows)])
    got = store.sql("SELECT partner, value_usd FROM flows ORDER BY value_usd")
    assert got["partner"].to_list() == ["USA", "FRA", "IND", "CHE", "S19", "WLD", "_X", "RUS"]


def test_same_file_twice_is_skipped_and_replace_reloads(store, write_comtrade):
    path = write_comtrade([comtrade_row(), comtrade_row(partner_code="398")])
    first = store.ingest([path])
    second = store.ingest([path])
    assert [f.status for f in first.files] == ["loaded"]
    assert [f.status for f in second.files] == ["skipped"]
    assert store.sql("SELECT count(*) AS n FROM flows")["n"][0] == 2
    third = store.ingest([path], replace=True)
    assert [f.status for f in third.files] == ["replaced"]
    counts = store.sql("SELECT (SELECT count(*) FROM flows) AS f, (SELECT count(*) FROM ingests) AS i")
    assert counts.row(0) == (2, 1)


def test_hs_codes_keep_or_regain_their_leading_zero(store, write_comtrade):
    rows = [
        comtrade_row(commodity_code="10121", aggregate_level="6"),  # lost its zero
        comtrade_row(commodity_code="010129", aggregate_level="6", partner_code="398"),
        comtrade_row(commodity_code="0101", aggregate_level="4", partner_code="417"),
        comtrade_row(commodity_code="1234567", aggregate_level="6", partner_code="051"),  # too long
    ]
    report = store.ingest([write_comtrade(rows)])
    assert report.rows_kept == 3
    got = store.sql("SELECT hs, hs_level FROM flows ORDER BY hs")
    assert got.rows() == [("0101", 4), ("010121", 6), ("010129", 6)]
    reason = store.sql("SELECT reason FROM quarantine")["reason"][0]
    assert "'1234567' is not an HS code" in reason


def test_semicolon_delimited_file_with_bom(store, write_comtrade, tmp_path):
    path = write_comtrade([comtrade_row(), comtrade_row(partner_code="398")], delimiter=";")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    report = store.ingest([path])
    assert report.rows_kept == 2
    assert store.sql("SELECT delimiter FROM ingests")["delimiter"][0] == ";"


def test_non_utf8_bytes_in_a_used_column_are_decoded_as_cp1252(store, write_comtrade):
    french = "Voitures \u00e0 moteur"
    path = write_comtrade([comtrade_row(commodity=french), comtrade_row(commodity=french, partner_code="398")])
    path.write_bytes(path.read_bytes().replace("\u00e0".encode(), b"\xe0"))
    report = store.ingest([path])
    assert report.rows_kept == 2
    assert store.sql("SELECT encoding FROM ingests")["encoding"][0] == "utf-8 except 2 line(s) decoded as cp1252"
    assert store.sql("SELECT description FROM products")["description"][0] == "Voitures \u00e0 moteur"


def test_gzip_file_is_read(store, write_comtrade, tmp_path):
    path = write_comtrade([comtrade_row(), comtrade_row(partner_code="398")])
    gz = tmp_path / "comtrade.csv.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert store.ingest([gz]).rows_kept == 2


def test_missing_required_column_names_it(store, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("trade_value_us,reporter_code,partner_code,commodity_code\n1,268,643,8703\n")
    with pytest.raises(tradeflows.SchemaError, match=r"missing required column\(s\) \['trade_code', 'year'\]"):
        store.ingest([path])
    assert store.sql("SELECT count(*) AS n FROM ingests")["n"][0] == 0


def test_unrecognised_header_says_what_was_expected(store, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(tradeflows.SchemaError, match="cannot tell the source from the header"):
        store.ingest([path])


def test_zero_quantity_with_a_value_is_unknown_not_zero(store, write_comtrade):
    store.ingest([write_comtrade([comtrade_row(Qty="0", netweight_kg="0")])])
    got = store.sql("SELECT qty, net_kg, qty_flag FROM flows")
    assert got.rows() == [(None, None, "zero_as_missing")]


def test_flows_filter_without_sql(store, write_comtrade):
    store.ingest(
        [
            write_comtrade(
                [
                    comtrade_row(year="2021", trade_value_us="10"),
                    comtrade_row(year="2022", trade_value_us="20"),
                    comtrade_row(year="2022", month="2", trade_value_us="5"),
                    comtrade_row(year="2022", trade_code="M", trade_value_us="7"),
                ]
            )
        ]
    )
    got = store.flows(reporter="GEO", flow="X", hs="8703", years=2022)
    assert got.select("year", "partner", "value_usd", "months").rows() == [(2022, "RUS", 25.0, 2)]
    with pytest.raises(tradeflows.ParameterError, match="expected one of X, M, RX, RM"):
        store.flows(flow="export")
    assert isinstance(got, pl.DataFrame)


def test_a_mode_without_its_description_is_a_breakdown_not_the_total(store, write_comtrade):
    store.ingest(
        [
            write_comtrade(
                [
                    comtrade_row(mot_code="0", mot_desc="TOTAL MOT", trade_value_us="100"),
                    comtrade_row(mot_code="3200", mot_desc="", trade_value_us="60"),
                ]
            )
        ]
    )
    assert store.sql("SELECT mode FROM flows ORDER BY value_usd")["mode"].to_list() == ["3200", "TOTAL"]
    assert store.sql("SELECT sum(value_usd) AS v FROM figures")["v"][0] == 100  # the total alone


def test_both_comtrade_layouts_quarantine_an_implausible_value(store, write_comtrade, tmp_path):
    legacy = write_comtrade([comtrade_row(trade_value_us="6e12")])
    plus = tmp_path / "plus.csv"
    plus.write_text(
        "refYear,refMonth,reporterCode,partnerCode,flowCode,classificationCode,cmdCode,primaryValue\n"
        "2022,1,398,276,M,H6,847130,6000000000000\n"
    )
    report = store.ingest([legacy, plus])
    assert [(f.source, f.rows_quarantined) for f in report.files] == [("comtrade", 1), ("comtrade_plus", 1)]
    reasons = store.sql("SELECT reason FROM quarantine ORDER BY ingest_id")["reason"].to_list()
    assert all("implausibly large" in r for r in reasons)
