"""Fetching from the Comtrade API, against a server on loopback serving answers of the real shape."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tradeflows
from tradeflows.cli import app
from tradeflows.sources.fetch import fetch_comtrade, plan_requests, read_manifest

KEY = "test-key-not-a-secret"


def _record(year: int, partner: tuple[int, str], value: float) -> dict[str, object]:
    """One record as https://comtradeapi.un.org/data/v1/get/C/A/HS returns it (hand-written)."""
    return {
        "typeCode": "C", "freqCode": "A", "refPeriodId": int(f"{year}0101"), "refYear": year, "refMonth": 52,
        "period": str(year), "reporterCode": 398, "reporterISO": "KAZ", "reporterDesc": "Kazakhstan",
        "flowCode": "M", "flowDesc": "Import", "partnerCode": partner[0], "partnerISO": partner[1],
        "partnerDesc": partner[1], "partner2Code": 0, "partner2ISO": "W00", "partner2Desc": "World",
        "classificationCode": "H5" if year < 2022 else "H6", "classificationSearchCode": "HS",
        "isOriginalClassification": True, "cmdCode": "8471", "cmdDesc": "Automatic data-processing machines",
        "aggrLevel": 4, "isLeaf": False, "customsCode": "C00", "customsDesc": "TOTAL CPC", "mosCode": "0",
        "motCode": 0, "motDesc": "TOTAL MOT", "qtyUnitCode": 5, "qtyUnitAbbr": "u", "qty": 10.0,
        "isQtyEstimated": False, "altQtyUnitCode": -1, "altQtyUnitAbbr": "N/A", "altQty": None,
        "isAltQtyEstimated": False, "netWgt": 250.0, "isNetWgtEstimated": False, "grossWgt": None,
        "isGrossWgtEstimated": False, "cifvalue": value, "fobvalue": None, "primaryValue": value,
        "legacyEstimationFlag": 0, "isReported": True, "isAggregate": False,
    }


class _Api(BaseHTTPRequestHandler):
    hits: list[str]
    fail_first: dict[str, int]  # period -> how many 429s to answer before succeeding

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.hits.append(self.path)
        url = urllib.parse.urlparse(self.path)
        params = dict(urllib.parse.parse_qsl(url.query))
        if self.headers.get("Ocp-Apim-Subscription-Key") != KEY:
            return self._send(401, {"statusCode": 401, "message": "Access denied due to invalid subscription key."})
        if url.path != "/data/v1/get/C/A/HS" or params.get("reporterCode") != "398":
            return self._send(404, {"error": "not found"})
        period = params["period"]
        if self.fail_first.get(period, 0) > 0:
            self.fail_first[period] -= 1
            return self._send(429, {"statusCode": 429, "message": "Rate limit is exceeded."}, retry_after="0")
        year = int(period)
        data = [] if year == 2020 else [_record(year, (156, "CHN"), 1000.0 * year), _record(year, (643, "RUS"), 5.0)]
        self._send(200, {"elapsedTime": "0.01 secs", "count": len(data), "data": data, "error": ""})

    def _send(self, status: int, payload: dict, retry_after: str | None = None) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if retry_after is not None:
            self.send_header("Retry-After", retry_after)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def api() -> Iterator[tuple[str, type[_Api]]]:
    handler = type("Api", (_Api,), {"hits": [], "fail_first": {"2021": 1}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


def test_retry_cache_and_resume(api, tmp_path: Path) -> None:
    base, handler = api
    requests = plan_requests(["KAZ"], partner="all", cmd="8471", years=(2019, 2022))
    waits: list[float] = []
    first = fetch_comtrade(requests, raw_dir=tmp_path, api_key=KEY, base_url=base, sleep=waits.append)
    assert first["status"].to_list() == ["fetched"] * 4
    assert first["rows"].to_list() == [2, 0, 2, 2]  # 2020: an empty answer
    assert len(handler.hits) == 5 and waits == [0.0]  # 2021 answered 429 once (Retry-After: 0), then 200
    assert all("reporterCode=398" in h and "cmdCode=8471" in h and "partnerCode" not in h for h in handler.hits)
    # Raw responses kept as received, and a manifest without the key.
    raw = json.loads((tmp_path / f"{requests[0].key}.json").read_text())
    assert raw["count"] == 2 and raw["data"][0]["primaryValue"] == 2_019_000.0
    manifest = read_manifest(tmp_path)
    assert manifest["key"].to_list() == [r.key for r in requests]
    assert KEY not in (tmp_path / "manifest.jsonl").read_text()

    again = fetch_comtrade(requests, raw_dir=tmp_path, api_key=KEY, base_url=base, sleep=waits.append)
    assert again["status"].to_list() == ["cached"] * 4 and len(handler.hits) == 5  # nothing fetched twice

    store = tradeflows.open(tmp_path / "store.duckdb")
    report = store.ingest([tmp_path])
    assert {f.source for f in report.files} == {"comtrade_plus"}
    assert (report.rows_read, report.rows_kept) == (6, 6)
    totals = dict(store.sql("SELECT year, sum(value_usd) FROM flows WHERE partner = 'CHN' GROUP BY year").rows())
    assert totals == {2019: 2_019_000.0, 2021: 2_021_000.0, 2022: 2_022_000.0}
    versions = dict(store.sql("SELECT DISTINCT year, hs_version FROM flows").rows())
    assert versions == {2019: 2017, 2021: 2017, 2022: 2022}


def test_gives_up_after_retries_and_names_the_fix(api, tmp_path: Path) -> None:
    base, handler = api
    handler.fail_first = {"2023": 100}
    waits: list[float] = []
    with pytest.raises(tradeflows.FetchError, match="after 3 tries.*run again to resume"):
        fetch_comtrade(plan_requests(["KAZ"], years=(2023, 2023)), raw_dir=tmp_path, api_key=KEY, base_url=base,
                       retries=2, sleep=waits.append)
    assert len(waits) == 2
    assert not (tmp_path / "manifest.jsonl").exists()
    with pytest.raises(tradeflows.FetchError, match="401.*COMTRADE_API_KEY"):
        fetch_comtrade(plan_requests(["KAZ"], years=(2019, 2019)), raw_dir=tmp_path, api_key="wrong", base_url=base)


def test_backoff_doubles_without_retry_after(tmp_path: Path) -> None:
    # Nothing listens on this loopback port: connection refused, every time.
    waits: list[float] = []
    with pytest.raises(tradeflows.FetchError, match="after 4 tries"):
        fetch_comtrade(plan_requests(["KAZ"], years=(2019, 2019)), raw_dir=tmp_path, api_key=KEY,
                       base_url="http://127.0.0.1:9", retries=3, backoff=0.5, sleep=waits.append, timeout=2)
    assert waits == [0.5, 1.0, 2.0]


def test_cli(api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base, handler = api
    monkeypatch.setenv("TRADEFLOWS_COMTRADE_URL", base)
    monkeypatch.setenv("COMTRADE_API_KEY", KEY)
    args = ["fetch", "comtrade", "--reporter", "KAZ", "--partner", "all", "--cmd", "8471", "--years", "2022-2022",
            "--raw-dir", str(tmp_path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # rich wraps lines at the terminal's width
    assert "1 request(s) fetched, 0 already" in said and "2 record(s)" in said
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "0 request(s) fetched, 1 already" in " ".join(result.output.split())

    monkeypatch.delenv("COMTRADE_API_KEY")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "Error: No Comtrade API key: set COMTRADE_API_KEY" in " ".join(result.output.split())
    result = CliRunner().invoke(app, [*args[:3], "XXX", *args[4:]])
    assert result.exit_code == 1 and "--reporter 'XXX'" in result.output


# -- what the user types cannot steer files, keys or completeness -------------------------------


class _Data(BaseHTTPRequestHandler):
    """An API over a small dataset: one record per (period, partner, flow, code), valued at the
    code's last two digits, filtered by the
    request's parameters, capped at ``maxRecords`` (and the server's own ``cap``), with the
    matching records' number as ``count``. ``redirect`` answers every call with a 302 there."""

    hits: list[tuple[str, dict[str, str], str | None]]
    partners: tuple[tuple[int, str], ...] = ((156, "CHN"), (398, "KAZ"), (417, "KGZ"), (643, "RUS"))
    cap: int = 10**9
    redirect: str | None = None

    def do_GET(self) -> None:  # noqa: N802
        url = urllib.parse.urlparse(self.path)
        params = dict(urllib.parse.parse_qsl(url.query))
        self.hits.append((url.path, params, self.headers.get("Ocp-Apim-Subscription-Key")))
        if self.redirect:
            self.send_response(302)
            self.send_header("Location", self.redirect + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        freq = url.path.split("/")[-2]
        wanted = {int(p) for p in params["partnerCode"].split(",")} if "partnerCode" in params else None
        flows = params.get("flowCode", "M,X").split(",")
        data = [
            {**_record(int(period[:4]), partner, float(cmd[-2:])), "freqCode": freq, "period": period,
             "refMonth": int(period[4:]) if freq == "M" else 52, "flowCode": flow, "cmdCode": cmd,
             "reporterCode": int(params["reporterCode"]), "aggrLevel": len(cmd)}
            for period in params["period"].split(",") for partner in self.partners
            if wanted is None or partner[0] in wanted for flow in flows for cmd in params["cmdCode"].split(",")
        ]  # fmt: skip
        shown = data[: min(int(params.get("maxRecords", 10**9)), self.cap)]
        body = json.dumps({"elapsedTime": "0.01 secs", "count": len(data), "data": shown, "error": ""}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _serve(**attributes: object) -> tuple[str, type[_Data], ThreadingHTTPServer]:
    handler = type("Data", (_Data,), {"hits": [], **attributes})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", handler, server


@pytest.fixture
def data_api() -> Iterator[tuple[str, type[_Data]]]:
    base, handler, server = _serve()
    yield base, handler
    server.shutdown()
    server.server_close()


def test_codes_are_validated_and_file_names_never_come_from_the_command_line(data_api, tmp_path, monkeypatch):
    base, handler = data_api
    monkeypatch.setenv("TRADEFLOWS_COMTRADE_URL", base)
    monkeypatch.setenv("COMTRADE_API_KEY", KEY)
    raw = tmp_path / "raw" / "comtrade"
    for cmd in ("x/../../../escaped", "8471-8703", "8471;DROP", ""):
        result = CliRunner().invoke(app, ["fetch", "comtrade", "-r", "KAZ", "-y", "2022", "--cmd", cmd,
                                          "--raw-dir", str(raw)])  # fmt: skip
        assert result.exit_code == 1 and "is not a commodity code" in result.output, result.output
    assert not handler.hits and not list(tmp_path.rglob("*escaped*"))
    # one request whatever the order or repetition of its codes; another request, another key
    same = [plan_requests(["KAZ"], cmd=c, years=(2022, 2022))[0].key for c in ("8471,8703", " 8703,8471,8703")]
    other = plan_requests(["KAZ"], cmd="8471", years=(2022, 2022))[0].key
    assert same[0] == same[1] != other
    assert all(ch.isalnum() or ch in "_-" for ch in same[0])


def test_a_whole_basket_is_one_request_with_a_short_name(data_api, tmp_path, monkeypatch):
    """The CLI form issue 14 documents: several partners, one flow, a basket, monthly."""
    from tradeflows.reference.baskets import get_basket

    base, handler = data_api
    monkeypatch.setenv("TRADEFLOWS_COMTRADE_URL", base)
    monkeypatch.setenv("COMTRADE_API_KEY", KEY)
    raw = tmp_path / "raw"
    result = CliRunner().invoke(app, ["fetch", "comtrade", "--reporter", "CHN", "--partner", "KAZ,KGZ", "--flow", "X",
                                      "--basket", "chpl", "--years", "2023", "--freq", "M", "--raw-dir", str(raw)])  # fmt: skip
    assert result.exit_code == 0, result.output
    ((path, params, key),) = handler.hits
    chpl = sorted({c.code for c in get_basket("chpl").codes})
    assert path == "/data/v1/get/C/M/HS" and key == KEY
    assert params["cmdCode"].split(",") == chpl and len(chpl) == 50
    assert (params["reporterCode"], params["partnerCode"], params["flowCode"]) == ("156", "398,417", "X")
    assert params["period"] == ",".join(f"2023{m:02d}" for m in range(1, 13))
    assert params["maxRecords"] == "250000"
    (json_file,) = raw.glob("*.json")
    assert len(json_file.name) < 60
    # 12 months x 2 partners x 1 flow x 50 codes
    assert read_manifest(raw)["rows"].to_list() == [12 * 2 * 50]


def test_a_capped_answer_is_split_until_every_part_is_whole(data_api, tmp_path):
    base, handler = data_api
    requests = plan_requests(["KAZ"], partner="CHN,RUS", cmd="8471,8703", years=(2022, 2022), freq="M")
    # 12 months x 2 partners x 2 flows x 2 codes = 96 records; at most 7 an answer
    got = fetch_comtrade(requests, raw_dir=tmp_path, api_key=KEY, base_url=base, max_records=7)
    assert got["rows"].sum() == 96 and (got["rows"] < 7).all()
    manifest = read_manifest(tmp_path)
    complete = manifest.filter(status="complete")
    assert complete["rows"].sum() == 96 and requests[0].key not in complete["key"].to_list()
    assert requests[0].key in manifest.filter(status="split")["key"].to_list()
    hits = len(handler.hits)
    again = fetch_comtrade(requests, raw_dir=tmp_path, api_key=KEY, base_url=base, max_records=7)
    assert set(again["status"]) == {"cached"} and len(handler.hits) == hits  # resumed from the parts
    store = tradeflows.open(tmp_path / "s.duckdb")
    report = store.ingest([tmp_path])
    assert (report.rows_read, report.rows_kept) == (96, 96)
    # every (month, partner, flow, code) once; the server values a record at its code's last two digits
    assert store.sql("SELECT sum(value_usd) AS v FROM flows")["v"][0] == 48 * 71.0 + 48 * 3.0


def test_a_count_above_the_records_received_is_a_capped_answer(tmp_path):
    base, handler, server = _serve(cap=3)  # the server returns 3 records whatever maxRecords says
    try:
        requests = plan_requests(["KAZ"], partner="all", cmd="8471", years=(2022, 2022))
        with pytest.raises(tradeflows.FetchError, match=r"capped its answer .* at 3 record\(s\) of 8 .*cannot be split"):
            fetch_comtrade(requests, raw_dir=tmp_path, api_key=KEY, base_url=base)
        assert read_manifest(tmp_path).filter(status="complete").is_empty()
        assert not list(tmp_path.glob("*.json"))
        got = fetch_comtrade(plan_requests(["KAZ"], partner="CHN", cmd="8471", years=(2022, 2022), flow="M,X"),
                             raw_dir=tmp_path, api_key=KEY, base_url=base)  # fmt: skip
        assert got["rows"].to_list() == [2]  # whole: 2 of 2
    finally:
        server.shutdown()
        server.server_close()


def test_the_key_never_follows_a_redirect_to_another_host(tmp_path):
    elsewhere, thief, other = _serve()
    base, handler, server = _serve(redirect=elsewhere)
    try:
        with pytest.raises(tradeflows.FetchError, match="redirected .* to another host"):
            fetch_comtrade(plan_requests(["KAZ"], years=(2022, 2022)), raw_dir=tmp_path, api_key=KEY, base_url=base)
        assert len(handler.hits) == 1 and not thief.hits
    finally:
        for s in (server, other):
            s.shutdown()
            s.server_close()


@pytest.mark.parametrize("url", ["http://comtradeapi.un.org", "ftp://127.0.0.1", "file:///etc/passwd", "https://"])
def test_only_https_base_urls_take_the_key(tmp_path, url):
    with pytest.raises(tradeflows.ParameterError, match="expected an https URL"):
        fetch_comtrade(plan_requests(["KAZ"], years=(2022, 2022)), raw_dir=tmp_path, api_key=KEY, base_url=url)


def test_a_host_that_does_not_resolve_fails_at_once(tmp_path):
    waits: list[float] = []
    with pytest.raises(tradeflows.FetchError, match=r"Cannot resolve the host 'comtrade\.invalid'"):
        fetch_comtrade(plan_requests(["KAZ"], years=(2022, 2022)), raw_dir=tmp_path, api_key=KEY,
                       base_url="https://comtrade.invalid", sleep=waits.append)  # fmt: skip
    assert waits == []  # no retries
