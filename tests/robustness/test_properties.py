"""Properties over generated files (hypothesis): Comtrade-layout files mixing valid rows
with broken ones — bad numbers, negatives, unknown codes, impossible months and HS codes,
short rows, long rows, quoted fields, non-UTF-8 bytes, a BOM, other delimiters, repeated
rows, a last line without its line break.

The test models each row independently of the code under test (which line must be kept,
which quarantined, and the value of each kept row) and checks:
- rows read = kept + quarantined, and exactly the modelled lines are quarantined;
- the kept rows' totals by partner equal the totals of the modelled rows;
- ingesting the same file again changes nothing, and --replace reloads it identically;
- exporting the flows to Parquet and importing that file into a new store gives the
  same rows.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import tradeflows
from tests.conftest import COMTRADE_HEADER, comtrade_row
from tests.robustness.support import fresh_store

PARTNERS = {"0": "WLD", "31": "AZE", "156": "CHN", "251": "FRA", "398": "KAZ", "490": "S19", "643": "RUS",
            "842": "USA", "899": "_X"}  # fmt: skip
MODES = {"0": "TOTAL MOT", "2100": "Road", "2200": "Rail", "1000": "Air"}
# (raw field -> raw text) defects, each makes the row unloadable.
DEFECTS = {
    "not a number": {"trade_value_us": "12a"},
    "decimal comma": {"trade_value_us": "12,5"},
    "negative": {"trade_value_us": "-3"},
    "absurd": {"trade_value_us": "7e15"},
    "missing value": {"trade_value_us": "NA"},
    "unknown partner": {"partner_code": "9999"},
    "unknown reporter": {"reporter_code": "77777"},
    "month 13": {"month": "13"},
    "year 3000": {"year": "3000"},
    "hs wrong length": {"commodity_code": "87031", "aggregate_level": "4"},
    "hs not digits": {"commodity_code": "87A3"},
    "bad flow": {"trade_code": "Q"},
}


@dataclass(frozen=True)
class Row:
    fields: dict[str, str]
    kind: str  # valid, defect, short, long
    key: tuple | None = None  # the canonical figure a valid row stands for


@st.composite
def valid_row(draw) -> Row:
    partner = draw(st.sampled_from(sorted(PARTNERS)))
    mode = draw(st.sampled_from(sorted(MODES)))
    level = draw(st.sampled_from(["4", "6"]))
    code = draw(st.integers(1, 9999 if level == "4" else 999999))
    hs_text = draw(st.sampled_from([str(code), str(code).zfill(int(level))]))  # leading zero lost or kept
    hs_text = hs_text if len(hs_text) >= int(level) - 1 else str(code).zfill(int(level))
    value = draw(st.integers(0, 4 * 10**9)) / 4  # quarters add up exactly in floating point
    month = draw(st.integers(1, 12))
    year = draw(st.integers(2015, 2023))
    flow = draw(st.sampled_from(["X", "M"]))
    commodity = draw(st.sampled_from(["Motor cars", "Cars, used", 'Cars "new"', "Voitures \u00e0 moteur"]))
    fields = comtrade_row(
        year=str(year), month=str(month), trade_code=flow, partner_code=partner, aggregate_level=level,
        commodity_code=hs_text, commodity=commodity, mot_code=mode, mot_desc=MODES[mode],
        trade_value_us=repr(value), netweight_kg="NA", Qty="NA", cifvalue="NA", fobvalue="NA",
    )  # fmt: skip
    key = (year, month, PARTNERS[partner], flow, level, str(code).zfill(int(level)), mode, value)
    return Row(fields, "valid", key)


@st.composite
def bad_row(draw) -> Row:
    base = draw(valid_row())
    kind = draw(st.sampled_from([*DEFECTS, "short", "long"]))
    if kind in DEFECTS:
        return Row(base.fields | DEFECTS[kind], "defect")
    return Row(base.fields, kind)


@st.composite
def files(draw) -> tuple[bytes, list[Row], bool]:
    rows = draw(st.lists(st.one_of(valid_row(), valid_row(), bad_row()), min_size=0, max_size=25))
    # Repeat some earlier rows verbatim.
    for _ in range(draw(st.integers(0, 3))):
        if rows:
            rows.insert(draw(st.integers(0, len(rows))), rows[draw(st.integers(0, len(rows) - 1))])
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    bom, crlf, cut = draw(st.booleans()), draw(st.booleans()), draw(st.booleans())
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(COMTRADE_HEADER)
    for row in rows:
        values = list(row.fields.values())
        if row.kind == "short":
            values = values[: draw(st.integers(1, 20))]  # trade_value_us (field 24) is gone
        elif row.kind == "long":
            values = [*values, "surplus"]
        writer.writerow(values)
    text = out.getvalue()
    if cut and rows:
        text = text.rstrip("\r\n")
    # Non-UTF-8 bytes: some files are written in Windows-1252 throughout.
    data = text.encode("cp1252" if draw(st.booleans()) else "utf-8")
    return (b"\xef\xbb\xbf" if bom else b"") + data, rows, cut and bool(rows)


def model(rows: list[Row], cut: bool) -> tuple[set[int], dict[str, tuple[int, float]]]:
    """The lines that must be quarantined, and per partner the (count, value) of kept rows."""
    bad, seen, totals = set(), set(), defaultdict(lambda: [0, 0.0])
    for number, row in enumerate(rows, start=2):
        last = number == len(rows) + 1
        if row.kind != "valid" or (cut and last) or row.key in seen:
            bad.add(number)
            continue
        seen.add(row.key)
        totals[row.key[2]][0] += 1
        totals[row.key[2]][1] += row.key[-1]
    return bad, {p: (n, v) for p, (n, v) in totals.items()}


def ingest_generated(folder: Path, data: bytes) -> tuple[tradeflows.Store, Path]:
    path = folder / "generated.csv"
    path.write_bytes(data)
    store = fresh_store(folder / "store.duckdb")
    store.ingest([path])
    return store, path


# Modest example counts keep the suite fast; each example is a whole file through a new store.
SETTINGS = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings(SETTINGS, max_examples=20)
@given(files())
def test_every_row_is_kept_or_quarantined_as_modelled_and_totals_match(generated):
    data, rows, cut = generated
    expected_bad, expected_totals = model(rows, cut)
    with tempfile.TemporaryDirectory() as tmp:
        store, _ = ingest_generated(Path(tmp), data)
        log = store.sql("SELECT rows_read, rows_kept, rows_quarantined FROM ingests").row(0)
        assert log == (len(rows), len(rows) - len(expected_bad), len(expected_bad))
        assert set(store.quarantine()["line"].to_list()) == expected_bad
        assert store.sql("SELECT count(*) AS n FROM quarantine")["n"][0] == len(expected_bad)
        totals = store.sql("SELECT partner, count(*) AS n, sum(value_usd) AS v FROM flows GROUP BY partner")
        assert {p: (n, v) for p, n, v in totals.rows()} == expected_totals


def canonical(store: tradeflows.Store, table: str = "flows") -> pl.DataFrame:
    return store.sql(f"SELECT * EXCLUDE (ingest_id) FROM {table} ORDER BY ALL")


@SETTINGS
@given(files())
def test_ingesting_again_changes_nothing_and_replace_reloads_the_same_rows(generated):
    data, _, _ = generated
    with tempfile.TemporaryDirectory() as tmp:
        store, path = ingest_generated(Path(tmp), data)
        flows, quarantine = canonical(store), canonical(store, "quarantine")
        again = store.ingest([path])
        assert [f.status for f in again.files] == ["skipped"]
        assert_frame_equal(canonical(store), flows)
        assert_frame_equal(canonical(store, "quarantine"), quarantine)
        replaced = store.ingest([path], replace=True)
        assert [f.status for f in replaced.files] == ["replaced"]
        assert_frame_equal(canonical(store), flows)
        assert_frame_equal(canonical(store, "quarantine"), quarantine)
        assert store.sql("SELECT count(*) AS n FROM ingests")["n"][0] == 1


@SETTINGS
@given(files())
def test_parquet_export_then_import_gives_the_same_rows(generated):
    data, _, _ = generated
    with tempfile.TemporaryDirectory() as tmp:
        store, _ = ingest_generated(Path(tmp), data)
        exported = store.export_parquet(Path(tmp) / "flows.parquet")
        other = fresh_store(Path(tmp) / "other.duckdb")
        report = other.ingest([Path(tmp) / "flows.parquet"])
        assert (report.rows_read, report.rows_kept, report.rows_quarantined) == (exported, exported, 0)
        assert_frame_equal(canonical(other), canonical(store))
