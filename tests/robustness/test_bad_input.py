"""Bad input, case by case: each file either loads correctly or fails with an error naming
the file (and line, column, value where there is one) and what was expected. Every
rejected row is in the quarantine table, and no row is lost or invented:
rows read = rows kept + rows quarantined, checked after every ingest.

The expected values are worked out by hand in each test from the rows it writes.
"""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pytest

import tradeflows
from tests.conftest import COMTRADE_HEADER, comtrade_row

HEADER = ",".join(COMTRADE_HEADER)


def line(**values: str) -> str:
    """One comma-delimited Comtrade line; a value holding a comma is quoted."""
    return ",".join(f'"{v}"' if "," in v else v for v in comtrade_row(**values).values())


def accounted(store: tradeflows.Store) -> tuple[int, int, int]:
    """(read, kept, quarantined) over all runs, after checking the log against the tables."""
    got = store.sql(
        "SELECT i.ingest_id, i.rows_read, i.rows_kept, i.rows_quarantined, "
        "(SELECT count(*) FROM flows f WHERE f.ingest_id = i.ingest_id) AS in_flows, "
        "(SELECT count(*) FROM quarantine q WHERE q.ingest_id = i.ingest_id) AS in_quarantine FROM ingests i"
    )
    for run in got.iter_rows(named=True):
        assert run["rows_read"] == run["rows_kept"] + run["rows_quarantined"], run
        assert (run["in_flows"], run["in_quarantine"]) == (run["rows_kept"], run["rows_quarantined"]), run
    return tuple(int(got[c].sum()) for c in ("rows_read", "rows_kept", "rows_quarantined"))  # type: ignore[return-value]


def quarantined(store: tradeflows.Store) -> list[tuple]:
    return store.quarantine().select("line", "column", "value", "reason").rows()


def write(tmp_path: Path, text: str | bytes, name: str = "comtrade.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


# -- layout: delimiter, BOM, encoding, columns ------------------------------------------


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_other_delimiters_are_found_in_the_header(store, tmp_path, delimiter):
    text = "\n".join([HEADER, line(), line(partner_code="398")]) + "\n"
    store.ingest([write(tmp_path, text.replace(",", delimiter))])
    assert accounted(store) == (2, 2, 0)
    assert store.sql("SELECT delimiter FROM ingests")["delimiter"][0] == delimiter


def test_header_and_rows_with_different_delimiters_is_refused_naming_both(store, tmp_path):
    path = write(tmp_path, HEADER + "\n" + line().replace(",", ";") + "\n")
    with pytest.raises(tradeflows.SchemaError, match=r"comtrade.csv: the header is delimited by ',' but line 2 by ';'"):
        store.ingest([path])
    assert accounted(store) == (0, 0, 0)


def test_a_delimiter_we_do_not_know_is_refused(store, tmp_path):
    path = write(tmp_path, (HEADER + "\n" + line() + "\n").replace(",", " "))
    with pytest.raises(tradeflows.SchemaError, match="found one column .* expected a file delimited by one of"):
        store.ingest([path])


def test_byte_order_mark_is_not_part_of_the_first_column(store, tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf" + (HEADER + "\n" + line(year="2021") + "\n").encode())
    store.ingest([path])
    assert accounted(store) == (1, 1, 0)
    assert store.sql("SELECT year FROM flows")["year"].to_list() == [2021]  # "year" was found despite the BOM


def test_non_utf8_bytes_are_decoded_and_a_bad_row_keeps_its_text(store, tmp_path):
    ivory = "C\xf4te d'Ivoire"
    rows = [line(partner=ivory, partner_code="384"), line(partner=ivory, partner_code="385", commodity="Voitures \xe0")]
    text = "\n".join([HEADER, *rows]) + "\n"
    store.ingest([write(tmp_path, text.encode("cp1252"))])
    assert accounted(store) == (2, 1, 1)
    assert store.sql("SELECT partner FROM flows")["partner"].to_list() == ["CIV"]
    assert quarantined(store) == [(3, "partner_code", "385", "partner_code: '385' is an unknown UN Comtrade area code")]
    assert "C\xf4te d'Ivoire" in store.quarantine()["raw"][0]


def test_missing_required_column_names_the_file_and_column(store, tmp_path):
    header = HEADER.replace("trade_code", "flow_code")
    path = write(tmp_path, header + "\n" + line() + "\n")
    with pytest.raises(tradeflows.SchemaError, match=r"comtrade.csv: missing required column\(s\) \['trade_code'\]"):
        store.ingest([path])
    assert accounted(store) == (0, 0, 0)


def test_extra_columns_are_ignored(store, tmp_path):
    path = write(tmp_path, HEADER + ",remark\n" + line() + ",checked\n")
    store.ingest([path])
    assert accounted(store) == (1, 1, 0)


def test_a_row_with_more_fields_than_the_header_is_quarantined_and_later_lines_keep_their_numbers(store, tmp_path):
    text = "\n".join([HEADER, line(), line(partner_code="398") + ",extra", line(partner_code="417")]) + "\n"
    store.ingest([write(tmp_path, text)])
    assert accounted(store) == (3, 2, 1)
    (bad,) = quarantined(store)
    assert bad[0] == 3 and "malformed line" in bad[3] and "Expected Number of Columns: 28 Found: 29" in bad[3]
    assert store.sql("SELECT line, partner FROM flows ORDER BY line").rows() == [(2, "RUS"), (4, "KGZ")]


def test_a_short_row_is_quarantined_naming_the_first_missing_column(store, tmp_path):
    store.ingest([write(tmp_path, "\n".join([HEADER, line(), "2022,1,2022-01-01"]) + "\n")])
    assert accounted(store) == (2, 1, 1)
    (bad,) = quarantined(store)
    assert bad[:3] == (3, "reporter_code", None)  # the first required field the row lacks, in the reader's order
    assert "reporter_code: missing value; required for reporter" in bad[3]
    assert "aggregate_level: missing value" in bad[3]


# -- values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "column", "value", "reason"),
    [
        ({"trade_value_us": "12,5"}, "trade_value_us", "12,5", "'12,5' is not a number"),
        ({"trade_value_us": "abc"}, "trade_value_us", "abc", "'abc' is not a number"),
        ({"trade_value_us": "-5"}, "trade_value_us", "-5", "'-5' is negative; expected a value >= 0"),
        ({"netweight_kg": "-1"}, "netweight_kg", "-1", "'-1' is negative"),
        ({"trade_value_us": "1e15"}, "trade_value_us", "1e15", "'1e15' is implausibly large (over 5e+12)"),
        ({"trade_value_us": "inf"}, "trade_value_us", "inf", "'inf' is not a finite number"),
        ({"year": "20222"}, "year", "20222", "'20222' is not a year 1950-2100"),
        ({"month": "13"}, "month", "13", "'13' is not a month 1-12"),
        ({"trade_code": "Z"}, "trade_code", "Z", "'Z' is not a trade flow"),
        ({"partner_code": "9999"}, "partner_code", "9999", "'9999' is an unknown UN Comtrade area code"),
        ({"reporter_code": "ABC"}, "reporter_code", "ABC", "'ABC' is an unknown UN Comtrade area code"),
        ({"commodity_code": "87031"}, "commodity_code", "87031", "'87031' is not an HS code of 2, 4 or 6 digits"),
        ({"commodity_code": "8703X"}, "commodity_code", "8703X", "is not an HS code"),
        ({"commodity_code": "1234567", "aggregate_level": "6"}, "commodity_code", "1234567", "is not an HS code"),
        ({"trade_value_us": "NA"}, "trade_value_us", None, "trade_value_us: missing value; required for value_usd"),
    ],
)
def test_a_bad_value_is_quarantined_with_column_value_and_what_was_expected(
    store, tmp_path, values, column, value, reason
):
    store.ingest([write(tmp_path, "\n".join([HEADER, line(), line(**{"month": "2"} | values)]) + "\n")])
    assert accounted(store) == (2, 1, 1)
    (bad,) = quarantined(store)
    assert bad[:3] == (3, column, value)
    assert reason in bad[3]
    assert store.quarantine()["file"][0] == str(tmp_path / "comtrade.csv")
    assert store.sql("SELECT sum(value_usd) AS v FROM flows")["v"][0] == 100000.5  # the good row only


def test_a_value_just_under_the_plausibility_bound_is_kept(store, tmp_path):
    store.ingest([write(tmp_path, HEADER + "\n" + line(trade_value_us="4.9e12") + "\n")])
    assert accounted(store) == (1, 1, 0)


@pytest.mark.parametrize(
    ("code", "level", "stored"),
    [
        ("10121", "6", "010121"), ("101", "4", "0101"), ("1", "2", "01"), ("010121", "6", "010121"),
        ("TOTAL", "0", "TOTAL"),
    ],  # fmt: skip
)
def test_hs_codes_that_lost_their_leading_zero_regain_it(store, tmp_path, code, level, stored):
    store.ingest([write(tmp_path, HEADER + "\n" + line(commodity_code=code, aggregate_level=level) + "\n")])
    assert accounted(store) == (1, 1, 0)
    assert store.sql("SELECT hs FROM flows")["hs"].to_list() == [stored]


# -- repeated rows ------------------------------------------------------------------------


def test_a_repeated_row_is_quarantined_as_a_duplicate_of_the_first(store, tmp_path):
    text = "\n".join([HEADER, line(), line(partner_code="398"), line(), line()]) + "\n"
    store.ingest([write(tmp_path, text)])
    assert accounted(store) == (4, 2, 2)
    assert quarantined(store) == [
        (4, None, None, "duplicate of line 2: the same figure, every canonical column equal"),
        (5, None, None, "duplicate of line 2: the same figure, every canonical column equal"),
    ]
    assert store.sql("SELECT sum(value_usd) AS v FROM flows")["v"][0] == 2 * 100000.5


def test_rows_that_differ_only_by_mode_of_transport_or_value_are_all_kept(store, tmp_path):
    text = "\n".join(
        [
            HEADER,
            line(mot_code="2100", mot_desc="Road", trade_value_us="10"),
            line(mot_code="2200", mot_desc="Rail", trade_value_us="10"),  # same value, other mode
            line(mot_code="2100", mot_desc="Road", trade_value_us="11"),  # same identity, other value
        ]
    ) + "\n"
    store.ingest([write(tmp_path, text)])
    assert accounted(store) == (3, 3, 0)
    assert store.sql("SELECT sum(value_usd) AS v FROM flows")["v"][0] == 31


def test_the_same_row_in_two_files_is_kept_in_both(store, tmp_path):
    first = write(tmp_path, HEADER + "\n" + line() + "\n", "a.csv")
    second = write(tmp_path, HEADER + "\n" + line() + "\n" + line(partner_code="398") + "\n", "b.csv")
    store.ingest([first, second])
    assert accounted(store) == (3, 3, 0)


# -- the file's ends: empty, header only, cut off ---------------------------------------------


@pytest.mark.parametrize("text", ["", "\n\n", "\ufeff"])
def test_an_empty_file_is_a_clear_error(store, tmp_path, text):
    path = write(tmp_path, text)
    with pytest.raises(tradeflows.SchemaError, match=r"comtrade.csv: the file is empty; expected a header line"):
        store.ingest([path])
    assert accounted(store) == (0, 0, 0)


@pytest.mark.parametrize("ending", ["\n", ""])
def test_a_header_only_file_loads_nothing_and_is_logged(store, tmp_path, ending):
    report = store.ingest([write(tmp_path, HEADER + ending)])
    assert [(f.status, f.rows_read) for f in report.files] == [("loaded", 0)]
    assert accounted(store) == (0, 0, 0)
    assert store.sql("SELECT count(*) AS n FROM ingests")["n"][0] == 1


def test_a_last_line_cut_off_is_quarantined_not_kept_with_a_cut_number(store, tmp_path):
    whole = "\n".join([HEADER, line(), line(partner_code="398", trade_value_us="5000")]) + "\n"
    store.ingest([write(tmp_path, whole[: whole.rindex("5000") + 2])])  # "...,50" : the download stopped
    assert accounted(store) == (2, 1, 1)
    (bad,) = quarantined(store)
    assert bad[:3] == (3, "trade_value_us", "50")
    assert bad[3].startswith("file ends mid-line")
    assert store.sql("SELECT partner FROM flows")["partner"].to_list() == ["RUS"]


def test_a_last_line_cut_inside_quotes_is_quarantined(store, tmp_path):
    text = HEADER + "\n" + line() + "\n" + line(partner_code="398").replace("Motor cars", '"Motor c')
    store.ingest([write(tmp_path, text)])
    assert accounted(store) == (2, 1, 1)
    assert quarantined(store)[0][0] == 3


def test_a_last_line_that_is_blank_space_is_not_a_row(store, tmp_path):
    store.ingest([write(tmp_path, HEADER + "\n" + line() + "\n  ")])
    assert accounted(store)[1] == 1


# -- compressed files, long fields, files that go away ----------------------------------------


def test_gzip_and_zip_files_load_like_the_plain_file(store, tmp_path):
    plain = "\n".join([HEADER, line(), line(partner_code="398")]) + "\n"
    gz = write(tmp_path, gzip.compress(plain.encode()), "a.csv.gz")
    archive = tmp_path / "b.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("inner.csv", plain.replace("100000.5", "7"))
    store.ingest([gz, archive])
    assert accounted(store) == (4, 4, 0)
    assert store.sql("SELECT sum(value_usd) AS v FROM flows")["v"][0] == 2 * 100000.5 + 2 * 7


def test_a_bad_row_in_a_gzip_file_keeps_its_text(store, tmp_path):
    plain = "\n".join([HEADER, line(), line(partner_code="9999")]) + "\n"
    store.ingest([write(tmp_path, gzip.compress(plain.encode()), "a.csv.gz")])
    assert accounted(store) == (2, 1, 1)
    assert store.quarantine().select("line", "raw").rows() == [(3, line(partner_code="9999"))]


def test_a_gzip_file_cut_off_is_a_clear_error_and_loads_nothing(store, tmp_path):
    rows = [line(trade_value_us=str(i)) for i in range(20000)]
    data = gzip.compress(("\n".join([HEADER, *rows]) + "\n").encode())
    path = write(tmp_path, data[: len(data) // 2], "cut.csv.gz")
    with pytest.raises(tradeflows.InputError, match=r"cut.csv.gz: .*(end of GZIP stream|ended before)"):
        store.ingest([path])
    assert accounted(store) == (0, 0, 0)


def test_a_file_that_is_not_gzip_or_a_zip_of_two_files_is_a_clear_error(store, tmp_path):
    with pytest.raises(tradeflows.InputError, match=r"fake.csv.gz: cannot read the file"):
        store.ingest([write(tmp_path, "year,month\n", "fake.csv.gz")])
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.csv", HEADER + "\n")
        z.writestr("b.csv", HEADER + "\n")
    with pytest.raises(tradeflows.InputError, match=r"two.zip: expected a zip archive holding one data file"):
        store.ingest([archive])


def test_a_long_field_loads_and_a_line_over_the_size_limit_is_quarantined(store, tmp_path):
    long_name = "x" * 100_000  # a long description is odd but fine
    huge = "y" * 3_000_000  # over DuckDB's 2 MB line limit
    text = "\n".join([HEADER, line(commodity=long_name), line(partner_code="398", commodity=huge)]) + "\n"
    store.ingest([write(tmp_path, text)])
    assert accounted(store) == (2, 1, 1)
    (bad,) = quarantined(store)
    assert bad[0] == 3 and "Maximum line size" in bad[3]
    assert store.sql("SELECT length(description) AS n FROM products")["n"].to_list() == [100_000]


def test_a_file_that_disappears_mid_run_names_it_and_the_rerun_completes(store, tmp_path):
    first = write(tmp_path, HEADER + "\n" + line() + "\n", "a.csv")
    second = write(tmp_path, HEADER + "\n" + line(partner_code="398") + "\n", "b.csv")
    text = second.read_text()

    def delete_b(name: str, done: int, total: int) -> None:
        if name == "b.csv":
            second.unlink()

    with pytest.raises(tradeflows.InputError, match=r"b.csv: cannot read the file"):
        store.ingest([first, second], progress=delete_b)
    assert accounted(store) == (1, 1, 0)  # a.csv was committed before b.csv went away
    second.write_text(text)
    report = store.ingest([first, second])
    assert [f.status for f in report.files] == ["skipped", "loaded"]
    assert accounted(store) == (2, 2, 0)


def test_a_path_that_does_not_exist_is_a_clear_error(store, tmp_path):
    with pytest.raises(tradeflows.InputError, match=r"nothere.csv: no such file or folder"):
        store.ingest([tmp_path / "nothere.csv"])
