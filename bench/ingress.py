"""The ingress controller against going straight to the backend, same run, same client (wrk).

    .venv/bin/python bench/ingress.py [--rounds 2] [--duration 5] [--connections 32] [--threads 2]
                                      [--access-log | --no-access-log]

Starts its own etcd, apiserver and `python -m ingress_controller` (HTTP on a free
loopback port). A selector-less Service, a hand-written EndpointSlice naming an
HTTP/1.1 keep-alive backend on 127.0.0.2 (this script, --serve-backend) and an
Ingress for host bench.test route to it; then, alternating for `--rounds`,
`wrk --latency` runs directly against the backend and through the ingress
(`-H "Host: bench.test"`). wrk keeps its connections open, so this measures
keep-alive HTTP: request parsing, routing, and the relay over pooled upstream
connections. Target (issue 17): ingress >= 0.5x direct throughput.
Traffic goes only to loopback; every process is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.ingress_controller.support import IngressControllerProcess, wait_until  # noqa: E402
from tests.support.ports import free_port  # noqa: E402
from tests.support.processes import ApiServer, EtcdServer  # noqa: E402

BACKEND_HOST = "127.0.0.2"
HOST = "bench.test"
TARGET_THROUGHPUT_RATIO = 0.5
WRK_GRACE_SECONDS = 30.0
BODY = b"bench-backend\n"
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s" % (len(BODY), BODY)


def expose(api_url: str, *, port: int) -> None:
    with httpx.Client(base_url=api_url, timeout=10) as api:
        service = {"metadata": {"name": "bench"}, "spec": {"ports": [{"name": "http", "port": 80}]}}
        api.post("/api/v1/namespaces/default/services", json=service).raise_for_status()
        endpoint_slice = {
            "metadata": {"name": "bench-manual", "labels": {"kubernetes.io/service-name": "bench"}},
            "addressType": "IPv4",
            "ports": [{"name": "http", "port": port}],
            "endpoints": [{"addresses": [BACKEND_HOST], "conditions": {"ready": True}}],
        }
        api.post("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", json=endpoint_slice).raise_for_status()
        backend = {"service": {"name": "bench", "port": {"name": "http"}}}
        rule = {"host": HOST, "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}
        ingress = {"metadata": {"name": "bench"}, "spec": {"rules": [rule]}}
        api.post("/apis/networking.k8s.io/v1/namespaces/default/ingresses", json=ingress).raise_for_status()


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not match:
        raise ValueError(f"cannot read wrk latency {text!r}")
    return float(match[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match[2]]


def run_wrk(url: str, args: argparse.Namespace, *, headers: tuple[str, ...] = ()) -> WrkResult:
    argv = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency"]
    argv += [item for header in headers for item in ("-H", header)]
    output = subprocess.run(
        [*argv, url], capture_output=True, text=True, check=True, timeout=args.duration + WRK_GRACE_SECONDS
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)[1])
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)[1])
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return WrkResult(rate, p50, p99, errors + (int(non_2xx[1]) if non_2xx else 0))


class _KeepAliveHttp(asyncio.Protocol):
    """Answers every request head on the connection with the same small page (the backend)."""

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--access-log", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--serve-backend", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_backend:
        host, port = args.serve_backend.rsplit(":", 1)
        asyncio.run(serve_backend(host, int(port)))
        return 0
    cleanups = []
    with tempfile.TemporaryDirectory(prefix="bench-ingress-") as directory:
        work = Path(directory)
        try:
            etcd = EtcdServer(work / "etcd").start()
            cleanups.append(etcd.stop)
            api = ApiServer(etcd.url, work / "apiserver.log").start()
            cleanups.append(api.stop)
            controller = IngressControllerProcess(api.url, work / "ingress.log")
            if not args.access_log:
                controller.extra_args = ("--no-access-log",)
            controller.start()
            cleanups.append(controller.stop)
            port = free_port()
            backend = subprocess.Popen([sys.executable, __file__, "--serve-backend", f"{BACKEND_HOST}:{port}"])
            cleanups.append(lambda: (backend.terminate(), backend.wait(10)))
            expose(api.url, port=port)
            direct_url, ingress_url = f"http://{BACKEND_HOST}:{port}/", f"{controller.http_url}/"
            wait_until(
                lambda: httpx.get(ingress_url, headers={"Host": HOST}, timeout=1).status_code == 200,
                what="the ingress routing to the backend",
                timeout=30,
            )
            runs: dict[str, list[WrkResult]] = {"direct": [], "ingress": []}
            for _ in range(args.rounds):
                runs["direct"].append(run_wrk(direct_url, args))
                runs["ingress"].append(run_wrk(ingress_url, args, headers=(f"Host: {HOST}",)))
        finally:
            for cleanup in reversed(cleanups):
                cleanup()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency, {args.rounds} rounds alternating "
        f"direct/ingress, access log {'on' if args.access_log else 'off'}; {os.cpu_count()} CPUs, load {load}"
    )
    print(f"{'path':<8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    medians = {}
    for path, results in runs.items():
        medians[path] = statistics.median(r.requests_per_second for r in results)
        p50 = statistics.median(r.p50_ms for r in results)
        p99 = statistics.median(r.p99_ms for r in results)
        errors = sum(r.errors for r in results)
        print(f"{path:<8} {medians[path]:>9.0f} {p50:>8.2f} {p99:>8.2f} {errors:>7}")
    ratio = medians["ingress"] / medians["direct"]
    ok = ratio >= TARGET_THROUGHPUT_RATIO
    print(f"ingress/direct throughput {ratio:.2f}x (target >= {TARGET_THROUGHPUT_RATIO}x): {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
