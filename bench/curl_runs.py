"""Many requests over a few kept-alive connections with curl's parallel mode, with or without TLS.

    curl_rate(requests, connections, tls=CurlTls(ca, cert, key) | None) ──► CurlResult(req/s, codes)
wrk cannot present a client certificate, curl can; both sides of a TLS-versus-plain comparison go
through this same runner so that only the transport and the credentials differ.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass

CURL_TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class CurlTls:
    ca_file: str
    certificate_file: str
    key_file: str


@dataclass(frozen=True)
class CurlRequest:
    url: str
    method: str = "GET"
    body: dict | None = None


@dataclass
class CurlResult:
    requests_per_second: float
    codes: Counter


def _quote(text: str) -> str:
    return json.dumps(text)  # curl config strings take the same escapes as JSON


def _config(requests: list[CurlRequest], tls: CurlTls | None) -> str:
    blocks = []
    for request in requests:
        lines = [f"url = {_quote(request.url)}", f"request = {_quote(request.method)}", 'output = "/dev/null"']
        lines.append('write-out = "%{http_code}\\n"')
        if request.body is not None:
            lines += ['header = "Content-Type: application/json"', f"data = {_quote(json.dumps(request.body))}"]
        if tls is not None:
            lines += [f"cacert = {_quote(tls.ca_file)}", f"cert = {_quote(tls.certificate_file)}"]
            lines += [f"key = {_quote(tls.key_file)}"]
        blocks.append("\n".join(lines))
    return "\nnext\n".join(blocks) + "\n"


def curl_rate(requests: list[CurlRequest], *, connections: int, tls: CurlTls | None = None) -> CurlResult:
    with tempfile.NamedTemporaryFile("w", suffix=".curl", delete=False) as handle:
        handle.write(_config(requests, tls))
    started = time.perf_counter()
    result = subprocess.run(
        ["curl", "--silent", "--parallel", "--parallel-max", str(connections), "-K", handle.name],
        capture_output=True, text=True, timeout=CURL_TIMEOUT_SECONDS, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    codes = Counter(line.strip() for line in result.stdout.splitlines() if line.strip())
    return CurlResult(len(requests) / elapsed, codes)
