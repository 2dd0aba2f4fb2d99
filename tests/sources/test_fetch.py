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
    raw = json.loads((tmp_path / "A_HS_398_all_8471_2019.json").read_text())
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
