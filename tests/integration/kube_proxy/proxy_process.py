"""A real `python -m kube_proxy` process for tests and the benchmark, and route checks.

Started against a given apiserver with a Service range of the test's choosing;
`/healthz` answering 200 means the first sync is done. `stop()` sends SIGTERM,
which is also how the route gets removed; `kill()` exists for the crash case.
"""

from __future__ import annotations

import ipaddress
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.ports import free_port

REPO_ROOT = Path(__file__).resolve().parents[3]
START_DEADLINE_SECONDS = 30.0
STOP_DEADLINE_SECONDS = 20.0  # a kernel-mode kube-proxy removes its rules on the way out


def local_routes() -> list[dict]:
    result = subprocess.run(
        ["ip", "-4", "-j", "route", "show", "table", "local"], capture_output=True, text=True, check=True, timeout=10
    )
    return json.loads(result.stdout or "[]")


def local_route_exists(cidr: str) -> bool:
    """`local <cidr> dev lo` is in the local table: packets to the range cannot leave the machine."""
    network = ipaddress.IPv4Network(cidr)
    for route in local_routes():
        destination = route.get("dst", "")
        if route.get("type") == "local" and route.get("dev") == "lo" and "/" in destination:
            if ipaddress.IPv4Network(destination) == network:
                return True
    return False


def assert_local_route(cidr: str) -> None:
    assert local_route_exists(cidr), f"no `local {cidr} dev lo` route: ClusterIP traffic could leave the machine"


def address_is_local(address: str) -> bool:
    """The address is loopback or inside a `local ... dev lo` route (so traffic to it stays here)."""
    ip = ipaddress.IPv4Address(address)
    if ip.is_loopback:
        return True
    for route in local_routes():
        destination = route.get("dst", "")
        if route.get("type") == "local" and route.get("dev") == "lo" and "/" in destination:
            if ip in ipaddress.IPv4Network(destination):
                return True
    return False


@dataclass
class KubeProxyProcess:
    server_url: str
    log_path: Path
    service_cidr: str
    cluster_dns: str = ""
    node_address: str = "127.0.0.1"
    health_port: int = field(default_factory=free_port)
    proxy_mode: str = "userspace"  # the tests' default; kernel-mode tests ask for iptables
    extra_args: tuple[str, ...] = ()
    process: subprocess.Popen | None = None

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.health_port}"

    def argv(self) -> list[str]:
        return [
            sys.executable, "-m", "kube_proxy",
            "--server", self.server_url,
            "--port", str(self.health_port),
            "--service-cluster-ip-range", self.service_cidr,
            "--cluster-dns", self.cluster_dns,
            "--node-address", self.node_address,
            "--log-level", "info",
            "--proxy-mode", self.proxy_mode,
            *self.extra_args,
        ]  # fmt: skip

    def start(self) -> KubeProxyProcess:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.argv(), stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT, env=env, start_new_session=True
            )
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"kube-proxy exited with {self.process.returncode}:\n{self.log_tail()}")
            if self.healthy():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"kube-proxy not healthy within {START_DEADLINE_SECONDS}s:\n{self.log_tail()}")

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.health_url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def metrics(self) -> str:
        return httpx.get(f"{self.health_url}/metrics", timeout=5).text

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else "(no log)"

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(STOP_DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()
