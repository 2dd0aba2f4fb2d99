"""UN Comtrade under the legacy column names (sources/comtrade.py)."""

from __future__ import annotations

import csv

from tests.conftest import COMTRADE_HEADER, comtrade_row


def test_without_aggregate_level_the_code_length_gives_the_level(store, tmp_path):
    """Hand-made extracts drop aggregate_level: 8703 is a heading (4), 870323 a subheading (6),
    and 10121 a subheading that lost its leading zero."""
    path = tmp_path / "no_level.csv"
    header = [c for c in COMTRADE_HEADER if c != "aggregate_level"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerow(comtrade_row(commodity_code="8703"))
        writer.writerow(comtrade_row(commodity_code="870323"))
        writer.writerow(comtrade_row(commodity_code="10121"))
    (run,) = store.ingest([path]).files
    assert (run.source, run.rows_kept) == ("comtrade", 3)
    got = store.sql("SELECT hs_level, hs FROM flows ORDER BY line").rows()
    assert got == [(4, "8703"), (6, "870323"), (6, "010121")]
