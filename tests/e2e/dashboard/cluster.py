"""A cluster for the dashboard e2e test: every component its own process, pods in real Docker.

    etcd + apiserver (TLS, RBAC) ──► each component with its own identity (kubeconfig_for):
                     ──► scheduler, controller-manager (--no-leader-elect)
                     ──► kubelet (Docker; back-off 1 s..4 s, so a crash loop restarts within seconds)
                     ──► metrics-server (scrapes every second: the overview's "used")
                     ──► dashboard (python -m dashboard --kubeconfig <its own, bound to no role> --port <free>)
`stop()` runs whatever happened: components newest first, then every container of this run's node.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from kubemini.pki import cluster_pki
from tests.e2e.services.cluster import Component, node_containers
from tests.support.api_http import api_http
from tests.support.ports import free_port
from tests.support.processes import ApiServer, EtcdServer
from tests.support.service_account_tokens import service_account_token

START_DEADLINE_SECONDS = 60.0


@dataclass
class DashboardCluster:
    base: Path
    node: str = field(default_factory=lambda: f"dash-e2e-{uuid.uuid4().hex[:8]}")
    dashboard_port: int = field(default_factory=free_port)
    etcd: EtcdServer | None = None
    apiserver: ApiServer | None = None
    components: list[Component] = field(default_factory=list)

    @property
    def url(self) -> str:
        assert self.apiserver is not None
        return self.apiserver.url

    @property
    def dashboard_url(self) -> str:
        return f"http://127.0.0.1:{self.dashboard_port}"

    def _python(self, name: str, *args: str) -> Component:
        component = Component(name, [sys.executable, "-m", *args], self.base / f"{name}.log").start()
        self.components.append(component)
        return component

    def start(self) -> DashboardCluster:
        self.etcd = EtcdServer(self.base / "etcd").start()
        self.apiserver = ApiServer(self.etcd.url, self.base / "apiserver.log").start()

        # Each component with its own identity, so RBAC's default roles and the Node authorizer decide.
        def identity(which) -> tuple[str, str]:
            return ("--kubeconfig", str(self.apiserver.kubeconfig_for(which)))

        common = ("--port", "0")
        self._python("scheduler", "scheduler", *identity(cluster_pki.SCHEDULER), *common, "--no-leader-elect")
        self._python(
            "controller-manager",
            "controller_manager",
            *identity(cluster_pki.CONTROLLER_MANAGER),
            *common,
            "--no-leader-elect",
        )
        self._python(
            "kubelet",
            "kubelet",
            *identity(cluster_pki.kubelet_identity(self.node)),
            "--port",
            str(free_port()),
            "--node-name",
            self.node,
            "--heartbeat-seconds",
            "2",
            "--backoff-initial-seconds",
            "1",
            "--backoff-max-seconds",
            "4",
        )
        self._python(
            "metrics-server",
            "metrics_server",
            *identity(cluster_pki.METRICS_SERVER),
            *common,
            "--metric-resolution",
            "1",
        )
        self._python(
            "dashboard",
            "dashboard",
            *identity(cluster_pki.DASHBOARD),
            "--port",
            str(self.dashboard_port),
            "--metrics-interval-seconds",
            "1",
        )
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        with api_http(base_url=self.url, timeout=5) as http:
            while time.monotonic() < deadline:
                for component in self.components:
                    component.check_alive()
                if self._node_ready(http) and self._dashboard_healthy(http):
                    return
                time.sleep(0.2)
        raise AssertionError(f"cluster not ready within {START_DEADLINE_SECONDS}s:\n{self.logs()}")

    def _node_ready(self, http: httpx.Client) -> bool:
        response = http.get(f"/api/v1/nodes/{self.node}")
        conditions = response.json().get("status", {}).get("conditions") or [] if response.status_code == 200 else []
        return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)

    def _dashboard_healthy(self, http: httpx.Client) -> bool:
        try:
            return http.get(f"{self.dashboard_url}/healthz").status_code == 200
        except httpx.TransportError:
            return False

    def admin_token(self) -> str:
        """A ServiceAccount bound to cluster-admin, as an operator would log in with (`kubectl create token`)."""
        with api_http(base_url=self.url, timeout=10) as api:
            return service_account_token(api, "default", "dashboard-admin", cluster_role="cluster-admin",
                                         cluster_wide=True)  # fmt: skip

    def logs(self) -> str:
        return "\n".join(f"--- {c.name}\n{c.log_tail()}" for c in self.components)

    def stop(self) -> None:
        for component in reversed(self.components):
            component.stop()
        ids = node_containers(self.node)
        if ids:
            subprocess.run(["docker", "rm", "-f", *ids], capture_output=True, timeout=120)
        if self.apiserver is not None:
            self.apiserver.stop()
        if self.etcd is not None:
            self.etcd.stop()
