"""What the HTTP benchmarks share: wrk runs read into numbers, and a keep-alive loopback backend.

    run_wrk(url, threads, connections, duration, headers) ──► WrkResult(req/s, p50, p99, errors)
    serve_backend(host, port) ──► answers every request head (pipelined ones too) with one small page,
                                  so the backend is never what a benchmark measures
Used by bench/proxy.py (kube-proxy) and bench/ingress.py (the ingress controller).
"""

from __future__ import annotations

import asyncio
import re
import subprocess
from dataclasses import dataclass

WRK_GRACE_SECONDS = 30.0
BODY = b"bench-backend\n"
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s" % (len(BODY), BODY)
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_us_per_request: float | None = None  # the component's CPU time per request, when measured
    error_detail: str = ""


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not match:
        raise ValueError(f"cannot read wrk latency {text!r}")
    return float(match[1]) * _UNITS_MS[match[2]]


def run_wrk(url: str, *, threads: int, connections: int, duration: int, headers: tuple[str, ...] = ()) -> WrkResult:
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    argv += [item for header in headers for item in ("-H", header)]
    output = subprocess.run(
        [*argv, url], capture_output=True, text=True, check=True, timeout=duration + WRK_GRACE_SECONDS
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)[1])
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)[1])
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    detail = " ".join(line.strip() for line in output.splitlines() if "Socket errors" in line or "Non-2xx" in line)
    return WrkResult(rate, p50, p99, errors + (int(non_2xx[1]) if non_2xx else 0), error_detail=detail)


class _KeepAliveHttp(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.pending = b""

    def data_received(self, data: bytes) -> None:
        self.pending += data
        heads = self.pending.count(b"\r\n\r\n")
        if heads:
            self.pending = self.pending[self.pending.rfind(b"\r\n\r\n") + 4 :]
            self.transport.write(RESPONSE * heads)  # type: ignore[attr-defined]


async def serve_backend(host: str, port: int) -> None:
    server = await asyncio.get_running_loop().create_server(_KeepAliveHttp, host, port, backlog=1024)
    await server.serve_forever()
