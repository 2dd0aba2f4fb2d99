"""Canonical Parquet: export, and import with the same checks as any file."""

from __future__ import annotations

import polars as pl
import pytest

import tradeflows
from tests.conftest import comtrade_row
from tradeflows.store.parquet import canonical_columns, is_canonical


@pytest.fixture
def exported(store, write_comtrade, tmp_path):
    store.ingest([write_comtrade([comtrade_row(), comtrade_row(partner_code="398", trade_value_us="4")])])
    path = tmp_path / "flows.parquet"
    assert store.export_parquet(path) == 2
    return path


def test_export_has_the_canonical_columns_and_is_recognised(exported, tmp_path):
    assert pl.read_parquet(exported).columns == canonical_columns()
    assert is_canonical(exported)
    other = tmp_path / "other.parquet"
    pl.DataFrame({"t": [2022], "v": [1.0]}).write_parquet(other)
    assert not is_canonical(other)


def test_rows_breaking_the_schema_are_quarantined_with_their_row_number(exported, tmp_path):
    frame = pl.read_parquet(exported)
    bad = pl.concat(
        [
            frame,
            frame.head(1).with_columns(flow=pl.lit("Q")),  # row 3 = line 4 (as if there were a header)
            frame.head(1).with_columns(hs=pl.lit("870")),  # line 5: not 4 digits
            frame.head(1).with_columns(partner=pl.lit("XXX")),  # line 6
            frame.head(1).with_columns(value_usd=pl.lit(-1.0)),  # line 7
            frame.head(1).with_columns(reporter=pl.lit(None, pl.String)),  # line 8
        ]
    )
    path = tmp_path / "bad.parquet"
    bad.write_parquet(path)
    store = tradeflows.open(tmp_path / "new.duckdb")
    report = store.ingest([path])
    assert (report.rows_read, report.rows_kept, report.rows_quarantined) == (7, 2, 5)
    got = store.quarantine().select("line", "column", "value").rows()
    assert got == [
        (4, "flow", "Q"), (5, "hs", "870"), (6, "partner", "XXX"), (7, "value_usd", "-1.0"), (8, "reporter", None)
    ]  # fmt: skip
    reasons = store.quarantine()["reason"].to_list()
    assert reasons[0] == "flow: 'Q' is not a trade flow; expected one of X, M, RX, RM"
    assert reasons[1] == "hs: '870' is not a zero-padded HS code of 4 digits"
    assert reasons[4] == "reporter: missing value; reporter is required"
