"""`docker compose up` → the kubectl walkthrough → fail over the acting scheduler and
controller-manager → lose one etcd member → writes still land → `docker compose down -v`.

The compose project gets its own name, free ports and node names, so it never
collides with a developer's cluster; teardown runs `down -v` and removes the
pod containers its kubelets made, even when the test fails.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
from pathlib import Path

import docker
import httpx
import pytest

from tests.support.kubectl import Kubectl, write_kubeconfig
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
    "KUBEMINI_INGRESS_CONTROLLER_PORT",
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
        self.url = f"http://127.0.0.1:{self.env['KUBEMINI_API_PORT']}"
        self.kubectl = Kubectl(write_kubeconfig(tmp_path / "kubeconfig", self.url))

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
    except BaseException:
        print(cluster.logs())
        raise
    finally:
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
    wait_for(
        lambda: httpx.get(f"{cluster.url}/readyz", timeout=2).status_code == 200 if _up(cluster) else False,
        what="the apiserver to be ready",
    )
    wait_for(lambda: len(_ready_nodes(cluster)) == 2, what="both compose kubelets Ready")

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


def _up(cluster: ComposeCluster) -> bool:
    try:
        httpx.get(f"{cluster.url}/healthz", timeout=2)
        return True
    except httpx.HTTPError:
        return False
