"""What encryption at rest and the audit log cost, as ratios to the same apiserver without them.

    .venv/bin/python bench/security_overhead.py [--seconds 3] [--creates 300] [--rounds 3]

One etcd and one apiserver per mode: plain (the baseline), Secrets encrypted with aesgcm, the
audit log at Metadata for every request, and at RequestResponse; the modes take turns for
`--rounds` rounds. Reads are driven by `wrk` (GET of one Secret and one ConfigMap by name,
16 connections); writes by 16 concurrent httpx clients creating Secrets. The figure is the
apiserver's own CPU time per request (/proc/<pid>/stat, the best round), which a loaded machine
skews far less than throughput. Targets: encryption leaves ConfigMaps within noise (<= 1.05x)
and Secrets <= 1.2x; the audit log at Metadata <= 1.3x.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.wrk_runs import run_wrk  # noqa: E402
from kubemini.cli.encryption import write_initial_encryption_config  # noqa: E402
from tests.support.api_http import api_http, async_api_http  # noqa: E402
from tests.support.processes import ApiServer, EtcdServer  # noqa: E402

NS = "/api/v1/namespaces/default"
CONCURRENCY = 16
POLICY = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: {level}\n"


def mode_args(mode: str, work: Path) -> tuple[str, ...]:
    if mode == "encryption":
        config = work / "encryption.yaml"
        write_initial_encryption_config(config)
        return ("--encryption-provider-config", str(config))
    if mode.startswith("audit"):
        level = mode.split("-", 1)[1]
        policy = work / f"policy-{level}.yaml"
        policy.write_text(POLICY.format(level=level))
        return ("--audit-policy-file", str(policy), "--audit-log-path", str(work / f"audit-{level}.log"))
    return ()


def secret(name: str) -> dict:
    return {"metadata": {"name": name}, "data": {"k": base64.b64encode(os.urandom(900)).decode()}}


async def create_secrets(url: str, prefix: str, count: int) -> float:
    """Secrets created per second by CONCURRENCY clients."""
    names = iter(range(count))

    async def client() -> None:
        async with async_api_http(base_url=url, timeout=30) as api:
            for index in names:
                response = await api.post(f"{NS}/secrets", json=secret(f"{prefix}-{index}"))
                response.raise_for_status()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
    return count / (time.perf_counter() - started)


def prepare(server: ApiServer, mode: str) -> None:
    with api_http(base_url=server.url) as api:
        api.post(f"{NS}/secrets", json=secret(f"read-{mode.lower()}")).raise_for_status()
        configmap = {"metadata": {"name": f"read-{mode.lower()}"}, "data": {"k": "v" * 1200}}
        api.post(f"{NS}/configmaps", json=configmap).raise_for_status()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc): a figure the machine's load does not skew."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(server: ApiServer, mode: str, *, seconds: int, creates: int, round_index: int) -> dict[str, float]:
    """The apiserver's CPU microseconds per request of each kind."""
    costs = {}
    name = mode.lower()
    pid = server.process.pid
    for label, path in (("get secret", f"secrets/read-{name}"), ("get configmap", f"configmaps/read-{name}")):
        before = cpu_seconds(pid)
        result = run_wrk(f"{server.url}{NS}/{path}", threads=2, connections=CONCURRENCY, duration=seconds)
        assert result.errors == 0, result.error_detail
        costs[label] = 1e6 * (cpu_seconds(pid) - before) / (result.requests_per_second * seconds)
    before = cpu_seconds(pid)
    asyncio.run(create_secrets(server.url, f"{name}-{round_index}", creates))
    costs["create secret"] = 1e6 * (cpu_seconds(pid) - before) / creates
    return costs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--creates", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    modes = ("plain", "encryption", "audit-Metadata", "audit-RequestResponse")
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        etcd = EtcdServer(work / "etcd").start()
        servers: dict[str, ApiServer] = {}
        try:
            for mode in modes:
                servers[mode] = ApiServer(etcd.url, work / f"{mode}.log", extra_args=mode_args(mode, work)).start()
                prepare(servers[mode], mode)
            # Modes take turns, best of the rounds: a busy machine slows one turn, not one mode.
            for round_index in range(args.rounds):
                for mode in modes:
                    rates = measure(
                        servers[mode], mode, seconds=args.seconds, creates=args.creates, round_index=round_index
                    )
                    best = results.setdefault(mode, rates)
                    for label, rate in rates.items():
                        best[label] = max(best[label], rate)
        finally:
            for server in servers.values():
                server.stop()
            etcd.stop()
    base = results["plain"]
    print("apiserver CPU per request (best of rounds), and its ratio to the plain server's")
    print(f"{'mode':<24}" + "".join(f"{name:>24}" for name in base))
    for mode in modes:
        cells = "".join(f"{cost:>12.0f} us ({cost / base[name]:.2f}x)" for name, cost in results[mode].items())
        print(f"{mode:<24}{cells}")
    enc, meta = results["encryption"], results["audit-Metadata"]
    print(
        f"summary: encryption costs {enc['get secret'] / base['get secret']:.2f}x CPU per Secret read, "
        f"{enc['get configmap'] / base['get configmap']:.2f}x per ConfigMap read, "
        f"{enc['create secret'] / base['create secret']:.2f}x per Secret create; the audit log at Metadata "
        f"{meta['get configmap'] / base['get configmap']:.2f}x per read, "
        f"{meta['create secret'] / base['create secret']:.2f}x per create"
    )


if __name__ == "__main__":
    main()
