"""`docker compose up` → the API is HTTPS only (a request without a client certificate is refused,
the apiserver listens on no other port), a kubelet's own identity reaches its own Lease only →
the kubectl walkthrough with the admin kubeconfig the `pki` service wrote → fail over the acting
scheduler and controller-manager → lose one etcd member → writes still land → `docker compose down -v`.

The compose project gets its own name, free ports and node names, so it never
collides with a developer's cluster; teardown runs `down -v` and removes the
pod containers its kubelets made, even when the test fails.
"""

from __future__ import annotations

import json
import os
import secrets
import ssl
import subprocess
import time
from pathlib import Path

import docker
import httpx
import pytest

from kubemini.client.credentials import ClientConfig
from kubemini.client.kubeconfig import resolve_config
from tests.support.kubectl import Kubectl
from tests.support.ports import free_port

REPO_ROOT = Path(__file__).resolve().parents[3]
BUILD_IMAGE = REPO_ROOT / "deploy" / "images" / "build_control_plane_image.sh"
COMPOSE_TIMEOUT_SECONDS = 300
READY_DEADLINE_SECONDS = 120
PORT_VARIABLES = (
    "KUBEMINI_API_PORT",
    "KUBEMINI_ETCD_PORT_1", "KUBEMINI_ETCD_PEER_PORT_1",
    "KUBEMINI_ETCD_PORT_2", "KUBEMINI_ETCD_PEER_PORT_2",
    "KUBEMINI_ETCD_PORT_3", "KUBEMINI_ETCD_PEER_PORT_3",
    "KUBEMINI_SCHEDULER_PORT_1", "KUBEMINI_SCHEDULER_PORT_2",
    "KUBEMINI_CONTROLLER_MANAGER_PORT_1", "KUBEMINI_CONTROLLER_MANAGER_PORT_2",
    "KUBEMINI_KUBELET_PORT_1", "KUBEMINI_KUBELET_PORT_2", "KUBEMINI_KUBE_PROXY_PORT",
    "KUBEMINI_INGRESS_CONTROLLER_PORT", "KUBEMINI_DASHBOARD_PORT",
)  # fmt: skip


def wait_for(condition, *, what: str, deadline_seconds: float = READY_DEADLINE_SECONDS, interval: float = 1.0):
    deadline = time.monotonic() + deadline_seconds
    last = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {deadline_seconds}s waiting for {what}; last seen: {last!r}")


class ComposeCluster:
    def __init__(self, tmp_path: Path):
        self.project = f"kubemini-test-{secrets.token_hex(3)}"
        self.node_prefix = f"{self.project}-node-"
        self.env = {**os.environ, "KUBEMINI_COMPOSE_NODE_PREFIX": self.node_prefix}
        for variable in PORT_VARIABLES:
            self.env[variable] = str(free_port())
        self.pki_dir = tmp_path / "pki"  # the `pki` service writes here (as root, mode 0600)
        self.env["KUBEMINI_COMPOSE_PKI_DIR"] = str(self.pki_dir)
        self.api_port = int(self.env["KUBEMINI_API_PORT"])
        self.url = f"https://127.0.0.1:{self.api_port}"
        self.admin_kubeconfig = self.pki_dir / "admin.conf"
        self.kubectl = Kubectl(self.admin_kubeconfig)

    def component_kubeconfig(self, component: str) -> Path:
        return self.pki_dir / "kubeconfigs" / f"{component}.conf"

    def get(self, path: str, *, kubeconfig: Path | None = None, anonymous: bool = False) -> httpx.Response:
        """GET over TLS trusting the cluster CA, with the kubeconfig's client certificate (the admin's
        by default), or with none."""
        config: ClientConfig = resolve_config(kubeconfig=kubeconfig or self.admin_kubeconfig, environ={})
        verify = ssl.create_default_context(cadata=config.ca_pem.decode()) if anonymous else config.ssl_context()
        return httpx.get(f"{self.url}{path}", verify=verify, timeout=5)

    def compose(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            ["docker", "compose", "-p", self.project, "-f", str(REPO_ROOT / "docker-compose.yml"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMPOSE_TIMEOUT_SECONDS,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"docker compose {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def container(self, service: str) -> str:
        return f"{self.project}-{service}-1"

    def logs(self) -> str:
        return self.compose("logs", "--no-color", "--tail", "40", check=False).stdout[-20000:]

    def pod_containers(self) -> list[str]:
        engine = docker.from_env()
        return [
            container.name
            for container in engine.containers.list(all=True, filters={"label": "io.kubemini.managed=true"})
            if container.labels.get("io.kubemini.node", "").startswith(self.node_prefix)
        ]

    def remove_pod_containers(self) -> None:
        engine = docker.from_env()
        for container in engine.containers.list(all=True, filters={"label": "io.kubemini.managed=true"}):
            if container.labels.get("io.kubemini.node", "").startswith(self.node_prefix):
                container.remove(force=True)


@pytest.fixture
def compose_cluster(tmp_path):
    build = subprocess.run([str(BUILD_IMAGE)], capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, f"image build failed:\n{build.stdout}\n{build.stderr}"
    cluster = ComposeCluster(tmp_path)
    try:
        cluster.compose("up", "-d")
        yield cluster
    finally:
        print(cluster.logs())  # pytest shows it only when the test failed
        cluster.compose("down", "-v", "--timeout", "5", check=False)
        cluster.remove_pod_containers()


def _lease_holder(cluster: ComposeCluster, name: str) -> str:
    result = cluster.kubectl.run("get", "lease", "-n", "kube-system", name, "-o", "json", check=False)
    if result.returncode != 0:
        return ""
    return json.loads(result.stdout)["spec"].get("holderIdentity") or ""


def _ready_nodes(cluster: ComposeCluster) -> list[str]:
    result = cluster.kubectl.run("get", "nodes", "-o", "json", check=False)
    if result.returncode != 0:
        return []
    ready = []
    for node in json.loads(result.stdout)["items"]:
        conditions = {c["type"]: c["status"] for c in node["status"].get("conditions", [])}
        if conditions.get("Ready") == "True" and node["metadata"]["name"].startswith(cluster.node_prefix):
            ready.append(node["metadata"]["name"])
    return ready


def _deploy_web(cluster: ComposeCluster, name: str, tmp_path: Path) -> int:
    """Apply the walkthrough's web app under `name` with a free NodePort; returns that port."""
    node_port = 30000 + secrets.randbelow(2700)
    manifest = (REPO_ROOT / "examples" / "web.yaml").read_text()
    manifest = manifest.replace("name: web", f"name: {name}").replace("app: web", f"app: {name}")
    manifest = manifest.replace("nodePort: 30080", f"nodePort: {node_port}")
    (tmp_path / f"{name}.yaml").write_text(manifest)
    cluster.kubectl.run("apply", "-f", str(tmp_path / f"{name}.yaml"))
    cluster.kubectl.run("rollout", "status", f"deployment/{name}", "--timeout=180s")
    return node_port


def _answers(node_port: int, requests: int) -> set[str]:
    seen = set()
    with httpx.Client(timeout=5) as client:
        for _ in range(requests):
            response = client.get(f"http://127.0.0.1:{node_port}/")
            assert response.status_code == 200
            seen.add(response.text.strip())
    return seen


def test_compose_walkthrough_failover_and_etcd_member_loss(compose_cluster, tmp_path):
    cluster = compose_cluster
    wait_for(lambda: _ready(cluster), what="the apiserver to be ready over TLS with the admin certificate")
    assert cluster.get("/api/v1/namespaces", anonymous=True).status_code in (401, 403)
    assert _listening_ports(cluster.container("apiserver")) == {cluster.api_port}, "no plain-HTTP port"
    wait_for(lambda: len(_ready_nodes(cluster)) == 2, what="both compose kubelets Ready")
    # Each kubelet is system:node:<its node>: the Node authorizer lets it at its own Lease only.
    kubelet_1 = cluster.component_kubeconfig(f"kubelet-{cluster.node_prefix}1")
    # The kubelet posts its Ready status before its first Lease, so the Lease may be a moment behind.
    wait_for(
        lambda: cluster.get(_node_lease(cluster, 1), kubeconfig=kubelet_1).status_code == 200,
        what="kubelet 1 reading its own Lease",
        deadline_seconds=30,
    )
    assert cluster.get(_node_lease(cluster, 2), kubeconfig=kubelet_1).status_code == 403

    node_port = _deploy_web(cluster, "web", tmp_path)
    assert len(_answers(node_port, 30)) == 3, "every replica must answer through the NodePort"

    scheduler = wait_for(lambda: _lease_holder(cluster, "kube-scheduler"), what="a scheduler leader")
    manager = wait_for(lambda: _lease_holder(cluster, "kube-controller-manager"), what="a controller-manager leader")
    acting_scheduler = "scheduler-1" if "scheduler-1" in scheduler else "scheduler-2"
    acting_manager = "controller-manager-1" if "controller-manager-1" in manager else "controller-manager-2"
    cluster.compose("stop", "--timeout", "5", acting_scheduler, acting_manager)
    second_port = _deploy_web(cluster, "web-after-failover", tmp_path)
    assert len(_answers(second_port, 30)) == 3
    assert acting_scheduler not in _lease_holder(cluster, "kube-scheduler")

    cluster.compose("stop", "--timeout", "5", "etcd-1")
    for index in range(5):
        cluster.kubectl.run("create", "configmap", f"after-etcd-loss-{index}", "--from-literal=a=b")
    names = cluster.kubectl.run("get", "configmaps", "-o", "name").stdout
    assert all(f"configmap/after-etcd-loss-{i}" in names for i in range(5))

    assert cluster.pod_containers(), "the web pods run in containers of this project's nodes"
    cluster.compose("down", "-v", "--timeout", "30")
    assert cluster.pod_containers() == [], "compose down must take the pods' containers with it"


def _node_lease(cluster: ComposeCluster, node: int) -> str:
    return f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{cluster.node_prefix}{node}"


def _ready(cluster: ComposeCluster) -> bool:
    if not cluster.admin_kubeconfig.exists():
        return False
    try:
        return cluster.get("/readyz").status_code == 200
    except httpx.HTTPError:
        return False


def _listening_ports(container: str) -> set[int]:
    """The TCP ports a container's main process listens on: its socket inodes matched against the
    (host network namespace's) LISTEN entries of /proc/net/tcp and tcp6."""
    pid = docker.from_env().containers.get(container).attrs["State"]["Pid"]
    links = (os.readlink(entry) for entry in Path(f"/proc/{pid}/fd").iterdir())
    inodes = {link[len("socket:[") : -1] for link in links if link.startswith("socket:[")}
    ports = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: TCP_LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports
