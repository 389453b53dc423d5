"""`kubemini up` → real kubectl → `status` → `down --purge`, as a user runs them.

The CLI runs as the installed console script in a subprocess, with its data
dir and HOME in a temporary directory and every port picked free, so the test
never touches a developer's cluster or ~/.kube/config. The fixture runs
`down --purge` whatever happens, so a failed test leaves no process behind.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import docker
import httpx
import pytest

from kubemini.cli.pidfiles import ProcessRecord, is_running, read_pid_file
from kubemini.cli.probing import port_accepts_connections

REPO_ROOT = Path(__file__).resolve().parents[2]
KUBEMINI = REPO_ROOT / ".venv" / "bin" / "kubemini"
KUBECTL = Path(os.environ.get("KUBEMINI_KUBECTL") or REPO_ROOT / ".cache" / "bin" / "kubectl")
COMMAND_TIMEOUT_SECONDS = 120
NAMESPACES_DEADLINE_SECONDS = 15.0
WEB_NODE_PORT = 30080  # examples/web.yaml


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports; all held open together so none repeats."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class LocalCluster:
    home: Path
    user_home: Path
    env: dict[str, str]
    apiserver_port: int
    etcd_port: int
    etcd_peer_port: int
    node_name: str

    @property
    def ports(self) -> list[int]:
        return [self.apiserver_port, self.etcd_port, self.etcd_peer_port]

    def kubemini(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(KUBEMINI), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            stdin=subprocess.DEVNULL,
        )

    def kubectl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(KUBECTL), "--kubeconfig", str(self.home / "kubeconfig"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            stdin=subprocess.DEVNULL,
        )

    def pid_records(self) -> dict[str, ProcessRecord]:
        records = {}
        for path in (self.home / "run").glob("*.pid"):
            record = read_pid_file(path)
            if record is not None:
                records[path.stem] = record
        return records


def explain(result: subprocess.CompletedProcess[str]) -> str:
    return f"{result.args} exited {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


@pytest.fixture
def cluster(tmp_path):
    assert KUBEMINI.exists(), f"{KUBEMINI} missing: run deploy/setup_host.sh"
    assert KUBECTL.exists(), f"{KUBECTL} missing: run deploy/setup_host.sh"
    user_home = tmp_path / "user-home"
    user_home.mkdir()
    env = dict(os.environ)
    env.pop("KUBECONFIG", None)
    node_name = f"cli-{os.getpid()}"
    env.update(KUBEMINI_HOME=str(tmp_path / "kubemini-home"), HOME=str(user_home), KUBEMINI_NODE_NAME=node_name)
    apiserver_port, etcd_port, etcd_peer_port = free_ports(3)
    local = LocalCluster(
        tmp_path / "kubemini-home", user_home, env, apiserver_port, etcd_port, etcd_peer_port, node_name
    )
    try:
        yield local
    finally:
        local.kubemini("down", "--purge")


def wait_until(check, *, what: str, deadline_seconds: float = 120.0):
    deadline = time.monotonic() + deadline_seconds
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(1.0)
    raise AssertionError(f"timed out waiting for {what}; last seen: {last!r}")


def walk_through_the_web_example(cluster: LocalCluster) -> None:
    """README's walkthrough: a Ready node, examples/web.yaml rolled out, every replica answering the NodePort."""
    wait_until(lambda: "Ready" in cluster.kubectl("get", "nodes").stdout.split(), what="a Ready node")
    applied = cluster.kubectl("apply", "-f", str(REPO_ROOT / "examples" / "web.yaml"))
    assert applied.returncode == 0, explain(applied)
    rollout = cluster.kubectl("rollout", "status", "deployment/web", "--timeout=120s")
    assert rollout.returncode == 0, explain(rollout)

    def answers() -> set[str]:
        seen = set()
        for _ in range(30):
            try:
                seen.add(httpx.get(f"http://127.0.0.1:{WEB_NODE_PORT}/", timeout=3).text.strip())
            except httpx.HTTPError:
                pass
        return seen if len(seen) == 3 else set()

    pods = wait_until(answers, what="answers from all 3 replicas through the NodePort", deadline_seconds=60)
    assert all(name.startswith("web-") for name in pods), pods


def test_up_serves_kubectl_then_down_purge_leaves_nothing(cluster):
    up = cluster.kubemini(
        "up",
        "--port", str(cluster.apiserver_port),
        "--etcd-port", str(cluster.etcd_port),
        "--etcd-peer-port", str(cluster.etcd_peer_port),
    )  # fmt: skip
    assert up.returncode == 0, explain(up)
    assert f"https://127.0.0.1:{cluster.apiserver_port}" in up.stdout
    assert "export KUBECONFIG=" in up.stdout
    assert (cluster.user_home / ".kube" / "config").exists()

    # The namespaces Kubernetes always has; allow the apiserver a moment to
    # create them after it reports ready.
    deadline = time.monotonic() + NAMESPACES_DEADLINE_SECONDS
    while True:
        namespaces = cluster.kubectl("get", "namespaces", "-o", "name")
        found = set(namespaces.stdout.split())
        if namespaces.returncode == 0 and {"namespace/default", "namespace/kube-system"} <= found:
            break
        assert time.monotonic() < deadline, "expected namespaces default and kube-system\n" + explain(namespaces)
        time.sleep(0.5)

    walk_through_the_web_example(cluster)

    status = cluster.kubemini("status")
    assert status.returncode == 0, explain(status)
    assert "etcd" in status.stdout and "apiserver" in status.stdout

    records = cluster.pid_records()
    assert {"etcd", "apiserver"} <= set(records), f"pid files: {sorted(records)}"
    assert all(is_running(record) for record in records.values())

    engine = docker.from_env()
    other_cluster = engine.containers.create(
        "kubemini/pause:3.9", labels={"io.kubemini.managed": "true", "io.kubemini.node": f"{cluster.node_name}-other"}
    )
    try:
        down = cluster.kubemini("down", "--purge")
        assert down.returncode == 0, explain(down)
        other_cluster.reload()  # another cluster's container on the same engine is left alone
    finally:
        other_cluster.remove(force=True)

    still_running = {name: record.pid for name, record in records.items() if is_running(record)}
    assert still_running == {}, f"processes survived `down --purge`: {still_running}"
    listening = [port for port in cluster.ports if port_accepts_connections("127.0.0.1", port)]
    assert listening == [], f"ports still accepting connections after `down --purge`: {listening}"
    assert not cluster.home.exists()
    mine = ["io.kubemini.managed=true", f"io.kubemini.node={cluster.node_name}"]
    leftovers = engine.containers.list(all=True, filters={"label": mine})
    assert leftovers == [], f"containers survived `down --purge`: {[c.name for c in leftovers]}"
