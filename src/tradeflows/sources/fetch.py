"""Fetching from the UN Comtrade API: each request's raw response kept under
``data/raw/comtrade/`` and never fetched twice; an answer cut short by the API's cap is
never kept as if whole.

The call is ``GET {base}/data/v1/get/C/{A|M}/HS?reporterCode=..&period=..&cmdCode=..
&maxRecords=..`` with the subscription key in the ``Ocp-Apim-Subscription-Key`` header
(from the environment, ``COMTRADE_API_KEY``). It is made with the standard library rather
than the official client ``comtradeapicall``: that client hard-codes the https host (tests
must run against a server on loopback), prints non-200 answers and returns None instead of
raising (so a 429 cannot be retried), and hands back a pandas frame rather than the raw
response the cache keeps. The request shape is the one ``comtradeapicall.getFinalData``
sends, ``maxRecords`` included (250,000 at most with a key).

Rules that hold whatever the user types:

- *Codes are validated* (reporter and partners are Comtrade numbers, commodity codes HS
  codes of 2, 4 or 6 digits, TOTAL or AG2/AG4/AG6, flows M X RM RX) and a cache file's name
  is a hash of the normalised request, never text from the command line: no name escapes
  the raw folder, ``8471,8703`` and ``8703,8471`` are one request and ``8471-8703`` none,
  and a request for all 50 CHPL codes has a short name.
- *The key goes to the API's host only*: a redirect to another host is refused, and the
  base URL must be https (plain http only on a loopback address, for tests and local mirrors).
- *A capped answer is split, not kept.* An answer holding ``maxRecords`` records, or fewer
  than the ``count`` it reports, may be cut short: the request is split (periods, then
  commodity codes, partners, flows) until every part is whole; a part that cannot be split
  further is an error, never a complete entry in the manifest.
- *No network fails fast*: a host name that does not resolve is one error at once, not
  retries; refused connections, timeouts, 429 and 5xx answers are retried with backoff.

What is kept, per request (``key`` = frequency, reporter, periods and a hash):
  ``<key>.json`` the raw response, as received;
  ``<key>.csv``  its ``data`` records under the API's column names, ready for
                 ``tradeflows ingest`` (the ``comtrade_plus`` reader);
  ``manifest.jsonl`` one line per request answered in full (status ``complete``: key, url
                 without the key, rows, sha256 of the raw response, fetched_at) or split
                 (status ``split``: fetched again as its parts). A complete request whose
                 raw file is present is not fetched again, so an interrupted run resumes
                 where it stopped.
"""

from __future__ import annotations

import csv
import hashlib
import ipaddress
import json
import os
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tradeflows.errors import FetchError, ParameterError
from tradeflows.reference.countries import country_table

if TYPE_CHECKING:
    import polars as pl

DEFAULT_BASE_URL = "https://comtradeapi.un.org"
DEFAULT_RAW_DIR = Path("data/raw/comtrade")
API_KEY_ENV = "COMTRADE_API_KEY"
BASE_URL_ENV = "TRADEFLOWS_COMTRADE_URL"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RECORDS = 250_000  # the most the API returns to one call with a subscription key
FLOWS = ("M", "X", "RM", "RX")
_CMD = re.compile(r"TOTAL|AG[246]|[0-9]{2}|[0-9]{4}|[0-9]{6}")


@dataclass(frozen=True)
class ComtradeRequest:
    """One API call: a reporter's trade in some commodities with some partners (or all) over
    some periods (a year, or months), some flows (or all). Build it with ``plan_requests``,
    which validates and normalises every field."""

    reporter: int
    partners: tuple[int, ...] | None  # None: every partner
    cmd: tuple[str, ...]
    periods: tuple[str, ...]  # "2022", or "202201" ... for monthly requests
    freq: str = "A"  # A annual, M monthly
    flows: tuple[str, ...] | None = None  # None: every flow

    def params(self, max_records: int = MAX_RECORDS) -> dict[str, str]:
        params = {"reporterCode": str(self.reporter), "period": ",".join(self.periods),
                  "cmdCode": ",".join(self.cmd), "includeDesc": "true", "maxRecords": str(max_records)}  # fmt: skip
        if self.partners is not None:
            params["partnerCode"] = ",".join(map(str, self.partners))
        if self.flows is not None:
            params["flowCode"] = ",".join(self.flows)
        return params

    @property
    def key(self) -> str:
        """The cache name: readable where that is safe (numbers), and a hash of the whole request.

        >>> ComtradeRequest(398, None, ("8471",), ("2022",)).key  # doctest: +ELLIPSIS
        'A_398_2022_...'
        """
        identity = json.dumps({k: v for k, v in self.params().items() if k != "maxRecords"} | {"freq": self.freq},
                              sort_keys=True)  # fmt: skip
        digest = hashlib.sha256(identity.encode()).hexdigest()[:20]
        span = self.periods[0] if len(self.periods) == 1 else f"{self.periods[0]}-{self.periods[-1]}"
        return f"{self.freq}_{self.reporter}_{span}_{digest}"

    def url(self, base_url: str, max_records: int = MAX_RECORDS) -> str:
        query = urllib.parse.urlencode(self.params(max_records), safe=",")
        return f"{base_url.rstrip('/')}/data/v1/get/C/{self.freq}/HS?{query}"

    def split(self) -> list[ComtradeRequest]:
        """Two or more requests that together ask for exactly what this one does; [] when none
        can be made (one period, one code, and every partner and flow, or a single one)."""
        for field in ("periods", "cmd", "partners", "flows"):
            values = getattr(self, field)
            if values is not None and len(values) > 1:
                half = len(values) // 2
                return [replace(self, **{field: values[:half]}), replace(self, **{field: values[half:]})]
        return []

    def describe(self) -> str:
        partners = "every partner" if self.partners is None else f"partner(s) {','.join(map(str, self.partners))}"
        flows = "every flow" if self.flows is None else f"flow(s) {','.join(self.flows)}"
        return (f"reporter {self.reporter}, {partners}, {flows}, commodity {','.join(self.cmd)}, "
                f"period {','.join(self.periods)}")  # fmt: skip


def comtrade_area_code(country: str, *, option: str = "--reporter") -> int:
    """Comtrade's numeric code for an ISO3 code (KAZ -> 398, USA -> 842) or a number as given.

    >>> comtrade_area_code("KAZ"), comtrade_area_code("usa"), comtrade_area_code("699")
    (398, 842, 699)
    """
    import polars as pl

    text = country.strip()
    if text.isdigit() and len(text) <= 4:
        return int(text)
    table = country_table().filter(pl.col("iso3") == text.upper()).drop_nulls("comtrade_code")
    if table.is_empty():
        raise ParameterError(f"{option} {country!r}: not an ISO3 country code we know; expected e.g. KAZ, RUS, DEU")
    return int(table["comtrade_code"][0])


def commodity_codes(cmd: str | Iterable[str]) -> tuple[str, ...]:
    """Validated, de-duplicated, sorted commodity codes from ``8471,8703`` or a list.

    >>> commodity_codes(" 8703, 8471,8703")
    ('8471', '8703')
    """
    parts = [p.strip().upper() for p in (cmd.split(",") if isinstance(cmd, str) else cmd)]
    bad = [p for p in parts if not _CMD.fullmatch(p)]
    if bad or not parts:
        raise ParameterError(
            f"--cmd {','.join(parts)!r}: {bad[0] if bad else 'nothing'!r} is not a commodity code; expected HS codes of "
            "2, 4 or 6 digits separated by commas (8471,8703), TOTAL, or AG2/AG4/AG6 (every code at that level); "
            "a range such as 8471-8703 is not one: list the codes, or use --basket"
        )
    return tuple(sorted(set(parts)))


def plan_requests(
    reporters: Iterable[str], *, partner: str | Iterable[str] = "all", cmd: str | Iterable[str] = "TOTAL",
    years: tuple[int, int], freq: str = "A", flow: str | Iterable[str] | None = None,
) -> list[ComtradeRequest]:
    """The requests that fetch ``reporters`` x years, one per reporter and year.

    ``partner``: ISO3 codes (``KAZ,KGZ`` or a list), ``all`` or ``world``; ``cmd``: HS codes
    (see ``commodity_codes``); ``flow``: M, X, RM, RX (one or several), None for all.
    """
    if freq not in ("A", "M"):
        raise ParameterError(f"freq {freq!r}: expected 'A' (annual) or 'M' (monthly)")
    names = [p.strip() for p in (partner.split(",") if isinstance(partner, str) else partner) if p.strip()]
    if [n.lower() for n in names] == ["all"]:
        partners = None
    else:
        partners = tuple(sorted({0 if n.lower() == "world" else comtrade_area_code(n, option="--partner")
                                 for n in names}))  # fmt: skip
    flows = None
    if flow is not None:
        given = [f.strip().upper() for f in (flow.split(",") if isinstance(flow, str) else flow) if f.strip()]
        if not given or any(f not in FLOWS for f in given):
            raise ParameterError(f"--flow {flow!r}: expected one or more of {', '.join(FLOWS)} (X exports, M imports)")
        flows = tuple(sorted(set(given)))
    codes = commodity_codes(cmd)
    reporter_codes = sorted({comtrade_area_code(r) for r in reporters})
    if years[0] > years[1]:
        raise ParameterError(f"years {years[0]}-{years[1]}: the first year comes after the last")

    def periods(year: int) -> tuple[str, ...]:
        return (str(year),) if freq == "A" else tuple(f"{year}{m:02d}" for m in range(1, 13))

    return [ComtradeRequest(code, partners, codes, periods(year), freq, flows)
            for code in reporter_codes for year in range(years[0], years[1] + 1)]  # fmt: skip


MANIFEST = "manifest.jsonl"  # not .csv: `tradeflows ingest DIR` must not take it for data


def _manifest_schema() -> dict[str, pl.DataType]:
    # A function, not a constant: polars loads only when a manifest is read.
    import polars as pl

    return {"key": pl.String, "status": pl.String, "url": pl.String, "rows": pl.Int64, "sha256": pl.String,
            "fetched_at": pl.String}  # fmt: skip


def read_manifest(raw_dir: Path) -> pl.DataFrame:
    """What has been fetched into ``raw_dir`` (empty when nothing); a line without a status
    (written before splitting existed) is a complete request."""
    import polars as pl

    path = raw_dir / MANIFEST
    if not path.exists():
        return pl.DataFrame(schema=_manifest_schema())
    frame = pl.read_ndjson(path, schema=_manifest_schema())
    return frame.with_columns(pl.col("status").fill_null("complete"))


def check_base_url(base_url: str) -> str:
    """``base_url`` if the key may be sent there: https, or http on a loopback address.

    >>> check_base_url("http://127.0.0.1:8080")
    'http://127.0.0.1:8080'
    """
    parts = urllib.parse.urlsplit(base_url)
    if parts.scheme == "https" and parts.hostname:
        return base_url
    if parts.scheme == "http" and _loopback(parts.hostname):
        return base_url
    raise ParameterError(
        f"Comtrade base URL {base_url!r} ({BASE_URL_ENV}): expected an https URL, e.g. {DEFAULT_BASE_URL}; "
        "the subscription key is sent with every request (plain http only to a loopback address, for tests)"
    )


def _loopback(host: str | None) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def fetch_comtrade(
    requests: list[ComtradeRequest],
    *,
    raw_dir: Path = DEFAULT_RAW_DIR,
    api_key: str | None = None,
    base_url: str | None = None,
    max_records: int = MAX_RECORDS,
    retries: int = 5,
    backoff: float = 2.0,
    timeout: float = 120.0,
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[str, int, int], None] | None = None,
) -> pl.DataFrame:
    """Fetch each request not already complete in the manifest; returns one row per request
    answered (a capped one by its parts): key, status (fetched or cached), rows, file (the CSV
    to ingest, if any rows).

    Retries 429 and 5xx answers and lost connections ``retries`` times, waiting
    ``backoff * 2**attempt`` seconds (or the server's Retry-After) in between.
    """
    import polars as pl

    api_key = api_key or os.environ.get(API_KEY_ENV)
    if not api_key:
        raise FetchError(
            f"No Comtrade API key: set {API_KEY_ENV} to your subscription key "
            "(free at https://comtradedeveloper.un.org)"
        )
    base_url = check_base_url(base_url or os.environ.get(BASE_URL_ENV, DEFAULT_BASE_URL))
    if not 1 <= max_records <= MAX_RECORDS:
        raise ParameterError(f"max_records={max_records}: expected 1 to {MAX_RECORDS:,}")
    raw_dir.mkdir(parents=True, exist_ok=True)
    manifest = {row["key"]: row for row in read_manifest(raw_dir).iter_rows(named=True)}
    results: list[tuple[str, str, int, str | None]] = []
    pending = list(reversed(requests))
    done = 0
    while pending:
        request = pending.pop()
        if progress:
            progress(request.key, done, done + len(pending) + 1)
        raw, table = raw_dir / f"{request.key}.json", raw_dir / f"{request.key}.csv"
        entry = manifest.get(request.key)
        if entry and entry["status"] == "split":
            pending.extend(reversed(request.split()))
            continue
        if entry and raw.exists():
            rows = int(entry["rows"])
            results.append((request.key, "cached", rows, str(table) if rows else None))
            done += 1
            continue
        url = request.url(base_url, max_records)
        body = _get(url, api_key, retries=retries, backoff=backoff, timeout=timeout, sleep=sleep)
        records, reported = _records(body, url)
        if len(records) >= max_records or (reported is not None and reported > len(records)):
            parts = request.split()
            if not parts:
                raise FetchError(
                    f"Comtrade capped its answer for {request.describe()} at {len(records):,} record(s)"
                    f"{f' of {reported:,}' if reported else ''} (maxRecords {max_records:,}) and the request cannot "
                    "be split further; nothing of it was kept. Ask for fewer partners (--partner), one flow (--flow) "
                    "or fewer codes."
                )
            _append_manifest(raw_dir, {"key": request.key, "status": "split", "url": url, "rows": len(records)})
            pending.extend(reversed(parts))
            continue
        raw.write_bytes(body)
        if records:
            _write_csv(records, table)
        _append_manifest(raw_dir, {"key": request.key, "status": "complete", "url": url, "rows": len(records),
                                   "sha256": hashlib.sha256(body).hexdigest()})  # fmt: skip
        results.append((request.key, "fetched", len(records), str(table) if records else None))
        done += 1
    if progress:
        progress("", done, done)
    return pl.DataFrame(
        results, schema={"key": pl.String, "status": pl.String, "rows": pl.Int64, "file": pl.String}, orient="row"
    )


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to the host the key was meant for (urllib would send the key
    header to any host a server names)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        old, new = urllib.parse.urlsplit(req.full_url), urllib.parse.urlsplit(newurl)
        if (new.scheme, new.hostname, new.port) != (old.scheme, old.hostname, old.port):
            raise FetchError(
                f"Comtrade redirected {req.full_url} to another host or scheme "
                f"({new.scheme}://{new.hostname}); refused, so the subscription key is not sent there"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_SameHostRedirects)


def _get(url: str, api_key: str, *, retries: int, backoff: float, timeout: float, sleep: Callable[[float], None]) -> bytes:
    request = urllib.request.Request(url, headers={KEY_HEADER: api_key, "Accept": "application/json"})
    for attempt in range(retries + 1):
        wait = backoff * 2**attempt
        try:
            with _OPENER.open(request, timeout=timeout) as response:
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
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, socket.gaierror):  # no such host, or no network at all: retrying cannot help
                host = urllib.parse.urlsplit(url).hostname
                raise FetchError(
                    f"Cannot resolve the host {host!r} ({reason.strerror or reason}): no network, or no DNS. "
                    "Check the connection and run again to resume"
                ) from None
            problem = str(reason)
        if attempt < retries:
            sleep(wait)
    raise FetchError(f"Comtrade did not answer {url} after {retries + 1} tries (last: {problem}); run again to resume")


def _records(body: bytes, url: str) -> tuple[list[dict[str, object]], int | None]:
    """The answer's records, and the count it reports (None when it reports none)."""
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as exc:
        raise FetchError(f"Comtrade's answer to {url} is not JSON ({exc}): {body[:200]!r}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("data", []), list):
        raise FetchError(f"Comtrade's answer to {url} has no 'data' list: {body[:200]!r}")
    if payload.get("error"):
        raise FetchError(f"Comtrade reported an error for {url}: {payload['error']}")
    count = payload.get("count")
    return payload.get("data") or [], count if isinstance(count, int) and not isinstance(count, bool) else None


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


def _append_manifest(raw_dir: Path, entry: dict[str, object]) -> None:
    entry = entry | {"fetched_at": datetime.now(UTC).isoformat(timespec="seconds")}
    with (raw_dir / MANIFEST).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")
