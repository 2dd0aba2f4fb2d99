"""Fetching from the UN Comtrade API: one request per reporter and year, each raw
response kept under ``data/raw/comtrade/`` and never fetched twice.

The call is ``GET {base}/data/v1/get/C/{A|M}/HS?reporterCode=..&period=..&cmdCode=..``
with the subscription key in the ``Ocp-Apim-Subscription-Key`` header (from the
environment, ``COMTRADE_API_KEY``). It is made with the standard library rather
than the official client ``comtradeapicall``: that client hard-codes the https
host (tests must run against a server on loopback), prints non-200 answers and
returns None instead of raising (so a 429 cannot be retried), and hands back a
pandas frame rather than the raw response the cache keeps. The request shape is
the one ``comtradeapicall.getFinalData`` sends.

What is kept, per request key (``A_HS_398_all_8471_2022``):
  ``<key>.json`` the raw response, as received;
  ``<key>.csv``  its ``data`` records under the API's column names, ready for
                 ``tradeflows ingest`` (the ``comtrade_plus`` reader);
  ``manifest.jsonl`` one line per completed request: key, url (without the key),
                 rows, sha256 of the raw response, fetched_at. A request in the
                 manifest whose raw file is present is not fetched again, so an
                 interrupted run resumes where it stopped.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from tradeflows.errors import FetchError, ParameterError
from tradeflows.reference.countries import country_table

DEFAULT_BASE_URL = "https://comtradeapi.un.org"
DEFAULT_RAW_DIR = Path("data/raw/comtrade")
API_KEY_ENV = "COMTRADE_API_KEY"
BASE_URL_ENV = "TRADEFLOWS_COMTRADE_URL"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class ComtradeRequest:
    """One API call: a reporter's trade in some commodities with a partner (or all) in one year."""

    reporter: int
    partner: int | None  # None: every partner
    cmd: str
    year: int
    freq: str = "A"  # A annual, M monthly (all months of the year)
    flow: str | None = None  # None: every flow

    @property
    def key(self) -> str:
        partner = "all" if self.partner is None else str(self.partner)
        flow = "" if self.flow is None else f"_{self.flow}"
        return f"{self.freq}_HS_{self.reporter}_{partner}_{self.cmd.replace(',', '-')}_{self.year}{flow}"

    def url(self, base_url: str) -> str:
        period = str(self.year) if self.freq == "A" else ",".join(f"{self.year}{m:02d}" for m in range(1, 13))
        params = {"reporterCode": self.reporter, "period": period, "cmdCode": self.cmd, "includeDesc": "true"}
        if self.partner is not None:
            params["partnerCode"] = self.partner
        if self.flow is not None:
            params["flowCode"] = self.flow
        return f"{base_url.rstrip('/')}/data/v1/get/C/{self.freq}/HS?{urllib.parse.urlencode(params)}"


def comtrade_area_code(country: str, *, option: str = "--reporter") -> int:
    """Comtrade's numeric code for an ISO3 code (KAZ -> 398, USA -> 842) or a number as given.

    >>> comtrade_area_code("KAZ"), comtrade_area_code("usa"), comtrade_area_code("699")
    (398, 842, 699)
    """
    if country.isdigit():
        return int(country)
    table = country_table().filter(pl.col("iso3") == country.upper()).drop_nulls("comtrade_code")
    if table.is_empty():
        raise ParameterError(f"{option} {country!r}: not an ISO3 country code we know; expected e.g. KAZ, RUS, DEU")
    return int(table["comtrade_code"][0])


def plan_requests(
    reporters: Iterable[str], *, partner: str = "all", cmd: str = "TOTAL", years: tuple[int, int],
    freq: str = "A", flow: str | None = None,
) -> list[ComtradeRequest]:
    """The requests that fetch ``reporters`` x years; ``partner`` is ISO3, ``all`` or ``world``."""
    if freq not in ("A", "M"):
        raise ParameterError(f"freq {freq!r}: expected 'A' (annual) or 'M' (monthly)")
    if partner.lower() == "all":
        partner_code = None
    elif partner.lower() == "world":
        partner_code = 0
    else:
        partner_code = comtrade_area_code(partner, option="--partner")
    codes = [comtrade_area_code(r) for r in reporters]
    return [
        ComtradeRequest(code, partner_code, cmd, year, freq, flow)
        for code in codes
        for year in range(years[0], years[1] + 1)
    ]


MANIFEST = "manifest.jsonl"  # not .csv: `tradeflows ingest DIR` must not take it for data


def read_manifest(raw_dir: Path) -> pl.DataFrame:
    """What has been fetched into ``raw_dir`` (empty when nothing)."""
    path = raw_dir / MANIFEST
    schema = {"key": pl.String, "url": pl.String, "rows": pl.Int64, "sha256": pl.String, "fetched_at": pl.String}
    if not path.exists():
        return pl.DataFrame(schema=schema)
    return pl.read_ndjson(path, schema=schema)


def fetch_comtrade(
    requests: list[ComtradeRequest],
    *,
    raw_dir: Path = DEFAULT_RAW_DIR,
    api_key: str | None = None,
    base_url: str | None = None,
    retries: int = 5,
    backoff: float = 2.0,
    timeout: float = 120.0,
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[str, int, int], None] | None = None,
) -> pl.DataFrame:
    """Fetch each request not already in the manifest; returns one row per request:
    key, status (fetched or cached), rows, file (the CSV to ingest, if any rows).

    Retries 429 and 5xx answers and network errors ``retries`` times, waiting
    ``backoff * 2**attempt`` seconds (or the server's Retry-After) in between.
    """
    api_key = api_key or os.environ.get(API_KEY_ENV)
    if not api_key:
        raise FetchError(
            f"No Comtrade API key: set {API_KEY_ENV} to your subscription key "
            "(free at https://comtradedeveloper.un.org)"
        )
    base_url = base_url or os.environ.get(BASE_URL_ENV, DEFAULT_BASE_URL)
    raw_dir.mkdir(parents=True, exist_ok=True)
    done = {row["key"]: row for row in read_manifest(raw_dir).iter_rows(named=True)}
    results = []
    for i, request in enumerate(requests):
        if progress:
            progress(request.key, i, len(requests))
        raw = raw_dir / f"{request.key}.json"
        table = raw_dir / f"{request.key}.csv"
        if request.key in done and raw.exists():
            rows = int(done[request.key]["rows"])
            results.append((request.key, "cached", rows, str(table) if rows else None))
            continue
        url = request.url(base_url)
        body = _get(url, api_key, retries=retries, backoff=backoff, timeout=timeout, sleep=sleep)
        records = _records(body, url)
        raw.write_bytes(body)
        if records:
            _write_csv(records, table)
        _append_manifest(raw_dir, request.key, url, len(records), hashlib.sha256(body).hexdigest())
        results.append((request.key, "fetched", len(records), str(table) if records else None))
    if progress:
        progress("", len(requests), len(requests))
    return pl.DataFrame(
        results, schema={"key": pl.String, "status": pl.String, "rows": pl.Int64, "file": pl.String}, orient="row"
    )


def _get(url: str, api_key: str, *, retries: int, backoff: float, timeout: float, sleep: Callable[[float], None]) -> bytes:
    request = urllib.request.Request(url, headers={"Ocp-Apim-Subscription-Key": api_key, "Accept": "application/json"})
    for attempt in range(retries + 1):
        wait = backoff * 2**attempt
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            if exc.code not in RETRY_STATUSES:
                hint = f" Check {API_KEY_ENV}." if exc.code in (401, 403) else ""
                raise FetchError(f"Comtrade answered {exc.code} {exc.reason} for {url}.{hint}") from None
            problem = f"{exc.code} {exc.reason}"
            retry_after = exc.headers.get("Retry-After") if exc.headers else None
            if retry_after and retry_after.isdigit():
                wait = float(retry_after)
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            problem = str(getattr(exc, "reason", exc))
        if attempt < retries:
            sleep(wait)
    raise FetchError(f"Comtrade did not answer {url} after {retries + 1} tries (last: {problem}); run again to resume")


def _records(body: bytes, url: str) -> list[dict[str, object]]:
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as exc:
        raise FetchError(f"Comtrade's answer to {url} is not JSON ({exc}): {body[:200]!r}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("data", []), list):
        raise FetchError(f"Comtrade's answer to {url} has no 'data' list: {body[:200]!r}")
    if payload.get("error"):
        raise FetchError(f"Comtrade reported an error for {url}: {payload['error']}")
    return payload.get("data") or []


def _write_csv(records: list[dict[str, object]], path: Path) -> None:
    columns = list(dict.fromkeys(k for record in records for k in record))
    partial = path.with_suffix(".csv.part")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for record in records:
            writer.writerow({k: "" if v is None else _text(v) for k, v in record.items()})
    partial.replace(path)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append_manifest(raw_dir: Path, key: str, url: str, rows: int, sha256: str) -> None:
    entry = {"key": key, "url": url, "rows": rows, "sha256": sha256,
             "fetched_at": datetime.now(UTC).isoformat(timespec="seconds")}
    with (raw_dir / MANIFEST).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")
