"""A whole cluster for Service e2e tests: every component its own process, pods in real Docker.

    etcd + apiserver (Service range 10.98.0.0/24, used by no other test or cluster here)
    scheduler, controller-manager           --no-leader-elect
    kubelet (Docker runtime)                 a node name unique to this run
    kube-proxy                               route + DNS on 10.98.0.10, NodePorts on 127.0.0.1
    (Endpoints and EndpointSlices come from the controller-manager; kube-proxy reads the slices)

`stop()` runs whatever happened: components stopped newest first (kube-proxy
removes its route), then every container labelled with this run's node name removed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from kubemini.pki import cluster_pki
from tests.integration.kube_proxy.proxy_process import KubeProxyProcess, local_route_exists
from tests.support.api_http import api_http
from tests.support.ports import free_port
from tests.support.processes import REPO_ROOT, ApiServer, EtcdServer

SERVICE_CIDR = "10.98.0.0/24"
CLUSTER_DNS = "10.98.0.10"
NODE_LABEL = "io.kubemini.node"
START_DEADLINE_SECONDS = 60.0
STOP_DEADLINE_SECONDS = 15.0


def kubelet_dns_flags() -> list[str]:
    """`--cluster-dns <test DNS address>` once the kubelet has Kubernetes' flag of that name."""
    from kubelet.flags import build_parser

    known = {option for action in build_parser()._actions for option in action.option_strings}
    return ["--cluster-dns", CLUSTER_DNS] if "--cluster-dns" in known else []


@dataclass
class Component:
    name: str
    argv: list[str]
    log_path: Path
    process: subprocess.Popen | None = None

    def start(self) -> Component:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.argv, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT, env=env, start_new_session=True
            )
        return self

    def check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else "(no log)"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def node_containers(node: str) -> list[str]:
    argv = ["docker", "ps", "-a", "-q", "--no-trunc", "--filter", f"label={NODE_LABEL}={node}"]
    return subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stdout.split()


@dataclass
class ServiceCluster:
    base: Path
    node: str = field(default_factory=lambda: f"svc-e2e-{uuid.uuid4().hex[:8]}")
    etcd: EtcdServer | None = None
    apiserver: ApiServer | None = None
    proxy: KubeProxyProcess | None = None
    components: list[Component] = field(default_factory=list)
    route_was_there: bool = False
    proxy_mode: str = "userspace"

    @property
    def url(self) -> str:
        assert self.apiserver is not None
        return self.apiserver.url

    def _python(self, name: str, *args: str) -> Component:
        component = Component(name, [sys.executable, "-m", *args], self.base / f"{name}.log").start()
        self.components.append(component)
        return component

    def start(self) -> ServiceCluster:
        self.route_was_there = local_route_exists(SERVICE_CIDR)
        self.etcd = EtcdServer(self.base / "etcd").start()
        self.apiserver = ApiServer(
            self.etcd.url, self.base / "apiserver.log", extra_args=("--service-cluster-ip-range", SERVICE_CIDR)
        ).start()

        # Each component with its own identity, so RBAC's default roles and the Node authorizer decide.
        def identity(which) -> tuple[str, str]:
            return ("--kubeconfig", str(self.apiserver.kubeconfig_for(which)))

        common = ("--port", "0", "--no-leader-elect")
        self._python("scheduler", "scheduler", *identity(cluster_pki.SCHEDULER), *common)
        self._python("controller-manager", "controller_manager", *identity(cluster_pki.CONTROLLER_MANAGER), *common)
        self._python(
            "kubelet", "kubelet", *identity(cluster_pki.kubelet_identity(self.node)),
            "--port", str(free_port()), "--node-name", self.node,
            "--heartbeat-seconds", "2", *kubelet_dns_flags(),
        )  # fmt: skip
        self.proxy = KubeProxyProcess(
            self.url, self.base / "kube-proxy.log", service_cidr=SERVICE_CIDR, cluster_dns=CLUSTER_DNS,
            extra_args=("--proxy-mode", self.proxy_mode, "--hostname-override", self.node),
        ).start()  # fmt: skip
        self.wait_for_node_ready()
        return self

    def wait_for_node_ready(self) -> None:
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        with api_http(base_url=self.url, timeout=5) as api:
            while time.monotonic() < deadline:
                for component in self.components:
                    component.check_alive()
                response = api.get(f"/api/v1/nodes/{self.node}")
                if response.status_code == 200:
                    conditions = response.json().get("status", {}).get("conditions") or []
                    if any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions):
                        return
                time.sleep(0.2)
        raise AssertionError(f"node {self.node} not Ready within {START_DEADLINE_SECONDS}s:\n{self.logs()}")

    def logs(self) -> str:
        return "\n".join(f"--- {c.name}\n{c.log_tail()}" for c in self.components)

    def stop(self) -> None:
        if self.proxy is not None:
            self.proxy.stop()
        for component in reversed(self.components):
            component.stop()
        ids = node_containers(self.node)
        if ids:
            subprocess.run(["docker", "rm", "-f", *ids], capture_output=True, timeout=120)
        if self.apiserver is not None:
            self.apiserver.stop()
        if self.etcd is not None:
            self.etcd.stop()
        if not self.route_was_there and local_route_exists(SERVICE_CIDR):
            subprocess.run(["ip", "route", "del", "local", SERVICE_CIDR, "dev", "lo", "table", "local"], timeout=10)
