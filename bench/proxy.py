"""kube-proxy's two modes against going straight to the backend, same run, same client (wrk).

    .venv/bin/python bench/proxy.py [--modes userspace,iptables] [--backends keepalive,pod] [--rounds 2]
                                    [--duration 5] [--connections 32] [--threads 2] [--event-loop auto]

Starts its own etcd and apiserver (Service range 10.97.0.0/24, no DNS), then one kube-proxy per
mode in turn. Per backend, a NodePort Service without selector gets a hand-written EndpointSlice
naming it, then, alternating for `--rounds`, `wrk -t2 -c32 -d5s --latency` runs against the
backend directly and against http://127.0.0.1:<nodePort>/:

    keepalive  an HTTP/1.1 keep-alive server on 127.0.0.2 (this script, --serve-backend):
               wrk reuses its 32 connections, so this measures the proxy's byte relay
    pod        busybox httpd in a container on a Docker network this script creates
               (`kubemini-bench`), the tests' pod image: a new connection per request,
               so this measures accept + dial + relay; skipped with a note without Docker

Targets, judged on the keepalive backend: userspace >= 0.5x direct throughput and < 2 ms added
p99 (issue 7); iptables >= 0.9x and < 0.5 ms (issue 17). Traffic goes only to loopback and to the
script's own container; processes, rules, container and network are removed at the end, even on
failure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.wrk_runs import WrkResult, run_wrk, serve_backend  # noqa: E402
from tests.integration.kube_proxy.proxy_process import KubeProxyProcess  # noqa: E402
from tests.support.api_http import api_http  # noqa: E402
from tests.support.ports import free_port  # noqa: E402
from tests.support.processes import ApiServer, EtcdServer  # noqa: E402

SERVICE_CIDR = "10.97.0.0/24"
KEEPALIVE_HOST = "127.0.0.2"
NETWORK = "kubemini-bench"
POD_IMAGE = "kubemini/busybox:1.35"
POD_PORT = 8080
LABEL = "io.kubemini.bench=proxy"
READY_DEADLINE_SECONDS = 30.0
TARGETS = {"userspace": (0.5, 2.0), "iptables": (0.9, 0.5)}  # (throughput ratio, added p99 ms)


def wait_for(url: str) -> None:
    deadline = time.monotonic() + READY_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {READY_DEADLINE_SECONDS}s")


def expose(api_url: str, name: str, *, address: str, port: int) -> int:
    """A NodePort Service whose EndpointSlice names the backend; its nodePort."""
    with api_http(base_url=api_url, timeout=10) as api:
        spec = {"type": "NodePort", "ports": [{"name": "http", "port": 80}]}
        service = api.post("/api/v1/namespaces/default/services", json={"metadata": {"name": name}, "spec": spec})
        service.raise_for_status()
        endpoint_slice = {
            "metadata": {"name": name, "labels": {"kubernetes.io/service-name": name}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [address], "conditions": {"ready": True}}],
            "ports": [{"name": "http", "port": port, "protocol": "TCP"}],
        }
        api.post("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", json=endpoint_slice).raise_for_status()
        return service.json()["spec"]["ports"][0]["nodePort"]


def docker(*args: str, check: bool = True) -> str:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check, timeout=120).stdout.strip()


def docker_usable() -> bool:
    return (
        shutil.which("docker") is not None and subprocess.run(["docker", "info"], capture_output=True).returncode == 0
    )


# -- the run -------------------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace, work: Path):
        self.args = args
        self.work = work
        self.cleanups: list = []
        self.targets: dict[str, tuple[str, str]] = {}  # backend -> (direct URL, proxied URL)
        self.results: dict[str, dict[str, list[WrkResult]]] = {}

    def measure(self, backend: str, mode: str) -> None:
        direct_url, proxied_url = self.targets[backend]
        wait_for(direct_url)
        wait_for(proxied_url)
        runs = self.results.setdefault(backend, {"direct": []})
        runs.setdefault(mode, [])
        for _ in range(self.args.rounds):
            for path, url in (("direct", direct_url), (mode, proxied_url)):
                result = run_wrk(
                    url, threads=self.args.threads, connections=self.args.connections, duration=self.args.duration
                )
                runs[path].append(result)

    def keepalive(self, api_url: str) -> None:
        port = free_port()
        server = subprocess.Popen([sys.executable, __file__, "--serve-backend", f"{KEEPALIVE_HOST}:{port}"])
        self.cleanups.append(lambda: (server.terminate(), server.wait(10)))
        node_port = expose(api_url, "bench-keepalive", address=KEEPALIVE_HOST, port=port)
        self.targets["keepalive"] = (f"http://{KEEPALIVE_HOST}:{port}/", f"http://127.0.0.1:{node_port}/")

    def pod(self, api_url: str) -> None:
        if not docker_usable():
            print("pod backend skipped: Docker is not usable here", file=sys.stderr)
            return
        if not docker("network", "ls", "-q", "--filter", f"name=^{NETWORK}$"):
            docker("network", "create", "--label", LABEL, NETWORK)
            self.cleanups.append(lambda: docker("network", "rm", NETWORK, check=False))
        script = f"mkdir -p /www && echo bench-backend > /www/index.html && exec httpd -f -p {POD_PORT} -h /www"
        container = docker("run", "-d", "--network", NETWORK, "--label", LABEL, POD_IMAGE, "sh", "-c", script)
        self.cleanups.append(lambda: docker("rm", "-f", container, check=False))
        address = docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container)
        node_port = expose(api_url, "bench-pod", address=address, port=POD_PORT)
        self.targets["pod"] = (f"http://{address}:{POD_PORT}/", f"http://127.0.0.1:{node_port}/")

    def report(self) -> bool:
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(
            f"wrk -t{self.args.threads} -c{self.args.connections} -d{self.args.duration}s --latency, "
            f"{self.args.rounds} rounds alternating direct/proxied per mode; {os.cpu_count()} CPUs, load average {load}"
        )
        print(f"{'backend':<10} {'path':<10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
        verdicts, ok = [], True
        for backend, runs in self.results.items():
            for path, results in runs.items():
                for r in results:
                    print(
                        f"{backend:<10} {path:<10} {r.requests_per_second:>9.0f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} "
                        f"{r.errors:>7}"
                    )
            direct = runs["direct"]
            for mode in (m for m in runs if m != "direct"):
                proxied = runs[mode]
                ratio = statistics.median(r.requests_per_second for r in proxied) / statistics.median(
                    r.requests_per_second for r in direct
                )
                added = statistics.median(r.p99_ms for r in proxied) - statistics.median(r.p99_ms for r in direct)
                errors = sum(r.errors for r in proxied)
                met = ""
                if backend == "keepalive":
                    ratio_target, p99_target = TARGETS[mode]
                    passed = ratio >= ratio_target and added < p99_target and errors == 0
                    ok = ok and passed
                    met = f" (target >= {ratio_target}x, < {p99_target} ms: {'PASS' if passed else 'MISS'})"
                verdicts.append(f"{backend} {mode}: {ratio:.2f}x throughput, p99 {added:+.2f} ms, {errors} errors{met}")
        print("summary: proxied vs direct, " + "; ".join(verdicts))
        return ok

    def close(self) -> None:
        for cleanup in reversed(self.cleanups):
            try:
                cleanup()
            except Exception as error:  # noqa: BLE001 - go on removing the rest
                print(f"cleanup failed: {error}", file=sys.stderr)


def run_mode(bench: Bench, apiserver_url: str, mode: str) -> None:
    proxy = KubeProxyProcess(
        apiserver_url,
        bench.work / f"kube-proxy-{mode}.log",
        service_cidr=SERVICE_CIDR,
        extra_args=("--event-loop", bench.args.event_loop, "--proxy-mode", mode),
    )
    proxy.start()
    try:
        for backend in bench.targets:
            bench.measure(backend, mode)
        errors = [line for line in proxy.metrics().splitlines() if line.startswith("kubeproxy_errors_total")]
        if errors:
            print(f"kube-proxy ({mode}) errors:\n  " + "\n  ".join(errors), file=sys.stderr)
    finally:
        proxy.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modes", default="userspace,iptables", help="comma-separated: userspace, iptables")
    parser.add_argument("--backends", default="keepalive,pod", help="comma-separated: keepalive, pod")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--event-loop", default="auto", help="kube-proxy's --event-loop: auto, uvloop, asyncio")
    parser.add_argument("--serve-backend", metavar="HOST:PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_backend:
        host, _, port = args.serve_backend.rpartition(":")
        asyncio.run(serve_backend(host, int(port)))
        return 0
    modes = [m.strip() for m in args.modes.split(",")]
    if unknown := [m for m in modes if m not in TARGETS]:
        parser.error(f"unknown modes {unknown}; known: {', '.join(TARGETS)}")
    bench = Bench(args, Path(tempfile.mkdtemp(prefix="bench-proxy-")))
    try:
        etcd = EtcdServer(bench.work / "etcd").start()
        bench.cleanups.append(etcd.stop)
        apiserver = ApiServer(
            etcd.url, bench.work / "apiserver.log", extra_args=("--service-cluster-ip-range", SERVICE_CIDR)
        )
        bench.cleanups.append(apiserver.stop)
        apiserver.start()
        for backend in (name.strip() for name in args.backends.split(",")):
            if backend not in ("keepalive", "pod"):
                parser.error(f"unknown backend {backend!r}; known: keepalive, pod")
            getattr(bench, backend)(apiserver.url)
        for mode in modes:
            run_mode(bench, apiserver.url, mode)
        return 0 if bench.report() else 1
    finally:
        bench.close()


if __name__ == "__main__":
    sys.exit(main())
