"""The ingress controller against going straight to the backend, same run, same client (wrk).

    .venv/bin/python bench/ingress.py [--backends keepalive,pod] [--rounds 2] [--duration 5]
                                      [--connections 32] [--threads 2] [--access-log | --no-access-log]

Starts its own etcd, apiserver and `python -m ingress_controller` (HTTP on a free
loopback port). Per backend, a selector-less Service, a hand-written EndpointSlice
naming the backend and an Ingress for host <backend>.bench.test; then, alternating
for `--rounds`, `wrk --latency` runs directly against the backend and through the
ingress (`-H "Host: <backend>.bench.test"`):

    keepalive  an HTTP/1.1 keep-alive server on 127.0.0.2 (this script, --serve-backend) that
               answers without parsing: wrk and the ingress both reuse connections, so this
               measures the ingress's own cost per request (the issue's target: >= 0.5x direct)
    pod        busybox httpd in a container on a Docker network this script creates (the
               tests' pod image); it closes after each answer, so the ingress dials per request
               while wrk keeps its connections to the ingress; skipped without Docker

Traffic goes only to loopback and the script's own container; processes, container
and network are removed at the end, even on failure.
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
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.wrk_runs import WrkResult, run_wrk, serve_backend  # noqa: E402
from tests.integration.ingress_controller.support import IngressControllerProcess, wait_until  # noqa: E402
from tests.support.api_http import api_http  # noqa: E402
from tests.support.ports import free_port  # noqa: E402
from tests.support.processes import ApiServer, EtcdServer  # noqa: E402

BACKEND_HOST = "127.0.0.2"
HOST = "bench.test"
NETWORK = "kubemini-bench-ingress"
POD_IMAGE = "kubemini/busybox:1.35"
POD_PORT = 8080
LABEL = "io.kubemini.bench=ingress"
TARGET_THROUGHPUT_RATIO = 0.5


def expose(api_url: str, name: str, *, address: str, port: int) -> str:
    """Service + hand-written EndpointSlice naming the backend + Ingress for <name>.bench.test; the host."""
    host = f"{name}.{HOST}"
    with api_http(base_url=api_url, timeout=10) as api:
        service = {"metadata": {"name": name}, "spec": {"ports": [{"name": "http", "port": 80}]}}
        api.post("/api/v1/namespaces/default/services", json=service).raise_for_status()
        endpoint_slice = {
            "metadata": {"name": f"{name}-manual", "labels": {"kubernetes.io/service-name": name}},
            "addressType": "IPv4",
            "ports": [{"name": "http", "port": port}],
            "endpoints": [{"addresses": [address], "conditions": {"ready": True}}],
        }
        api.post("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", json=endpoint_slice).raise_for_status()
        backend = {"service": {"name": name, "port": {"name": "http"}}}
        rule = {"host": host, "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}
        ingress = {"metadata": {"name": name}, "spec": {"rules": [rule]}}
        api.post("/apis/networking.k8s.io/v1/namespaces/default/ingresses", json=ingress).raise_for_status()
    return host


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc): a figure the machine's load does not skew."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def docker(*args: str, check: bool = True) -> str:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check, timeout=120).stdout.strip()


def docker_usable() -> bool:
    return (
        shutil.which("docker") is not None and subprocess.run(["docker", "info"], capture_output=True).returncode == 0
    )


def wrk_options(args: argparse.Namespace) -> dict:
    return {"threads": args.threads, "connections": args.connections, "duration": args.duration}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--access-log", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--backends", default="keepalive,pod", help="keepalive is always measured; pod needs Docker")
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
            targets = []
            port = free_port()
            backend = subprocess.Popen([sys.executable, __file__, "--serve-backend", f"{BACKEND_HOST}:{port}"])
            cleanups.append(lambda: (backend.terminate(), backend.wait(10)))
            host = expose(api.url, "keepalive", address=BACKEND_HOST, port=port)
            targets.append(("keepalive", f"http://{BACKEND_HOST}:{port}/", host))
            if "pod" in args.backends.split(","):
                if docker_usable():
                    docker("network", "create", "--label", LABEL, NETWORK)
                    cleanups.append(lambda: docker("network", "rm", NETWORK, check=False))
                    script = f"mkdir -p /www && echo bench > /www/index.html && exec httpd -f -p {POD_PORT} -h /www"
                    container = docker(
                        "run", "-d", "--network", NETWORK, "--label", LABEL, POD_IMAGE, "sh", "-c", script
                    )
                    cleanups.append(lambda: docker("rm", "-f", container, check=False))
                    address = docker(
                        "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container
                    )
                    host = expose(api.url, "pod", address=address, port=POD_PORT)
                    targets.append(("pod", f"http://{address}:{POD_PORT}/", host))
                else:
                    print("pod backend skipped: Docker is not usable here", file=sys.stderr)
            for name, direct_url, host in targets:
                wait_until(
                    lambda direct_url=direct_url: httpx.get(direct_url, timeout=1).status_code == 200,
                    what=f"{name} backend",
                    timeout=30,
                )
                wait_until(
                    lambda host=host: (
                        httpx.get(controller.http_url, headers={"Host": host}, timeout=1).status_code == 200
                    ),
                    what=f"the ingress routing to {name}",
                    timeout=30,
                )
            runs: dict[tuple[str, str], list[WrkResult]] = {}
            for _ in range(args.rounds):
                for name, direct_url, host in targets:
                    runs.setdefault((name, "direct"), []).append(run_wrk(direct_url, **wrk_options(args)))
                    cpu_before = process_cpu_seconds(controller.process.pid)
                    result = run_wrk(f"{controller.http_url}/", **wrk_options(args), headers=(f"Host: {host}",))
                    handled = result.requests_per_second * args.duration
                    cpu = process_cpu_seconds(controller.process.pid) - cpu_before
                    result.cpu_us_per_request = 1e6 * cpu / handled if handled else None
                    runs.setdefault((name, "ingress"), []).append(result)
        finally:
            for cleanup in reversed(cleanups):
                cleanup()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency, {args.rounds} rounds alternating "
        f"direct/ingress, access log {'on' if args.access_log else 'off'}; {os.cpu_count()} CPUs, load {load}"
    )
    print(
        f"{'backend':<10} {'path':<8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'ingress CPU us/req':>19}"
    )
    medians = {}
    for (name, path), results in runs.items():
        medians[(name, path)] = statistics.median(r.requests_per_second for r in results)
        p50 = statistics.median(r.p50_ms for r in results)
        p99 = statistics.median(r.p99_ms for r in results)
        errors = sum(r.errors for r in results)
        costs = [r.cpu_us_per_request for r in results if r.cpu_us_per_request is not None]
        cost = f"{statistics.median(costs):.0f}" if costs else "-"
        print(f"{name:<10} {path:<8} {medians[(name, path)]:>9.0f} {p50:>8.2f} {p99:>8.2f} {errors:>7} {cost:>19}")
    for (name, path), results in runs.items():
        for detail in {r.error_detail for r in results if r.error_detail}:
            print(f"  {name} {path}: {detail}")
    verdicts = []
    for name in dict.fromkeys(name for name, _ in runs):
        verdicts.append(f"{name} {medians[(name, 'ingress')] / medians[(name, 'direct')]:.2f}x")
    ratio = medians[("keepalive", "ingress")] / medians[("keepalive", "direct")]
    ok = ratio >= TARGET_THROUGHPUT_RATIO
    print(
        f"ingress/direct throughput: {', '.join(verdicts)} "
        f"(target on keepalive >= {TARGET_THROUGHPUT_RATIO}x: {'met' if ok else 'MISSED'})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
