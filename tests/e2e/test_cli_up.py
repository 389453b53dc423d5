"""`kubemini up` → real kubectl → `status` → `down --purge`, as a user runs them.

The CLI runs as the installed console script in a subprocess, with its data
dir and HOME in a temporary directory and every port picked free, so the test
never touches a developer's cluster or ~/.kube/config. The fixture runs
`down --purge` whatever happens, so a failed test leaves no process behind.
"""

from __future__ import annotations

import ssl
import time

import docker
import httpx
import pytest

from kubemini.cli.pidfiles import is_running
from kubemini.cli.probing import port_accepts_connections
from tests.support.local_cluster import (
    NAMESPACES_DEADLINE_SECONDS,
    REPO_ROOT,
    WEB_NODE_PORT,
    LocalCluster,
    explain,
    local_cluster,
    wait_until,
)


@pytest.fixture
def cluster(tmp_path):
    with local_cluster(tmp_path, name="cli") as local:
        yield local


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


DOCKER_SOCKET_POD = """
apiVersion: v1
kind: Pod
metadata: {name: root-on-the-host}
spec:
  containers:
  - {name: c, image: kubemini/busybox:1.35, securityContext: {privileged: true},
     volumeMounts: [{name: docker, mountPath: /var/run/docker.sock}]}
  volumes: [{name: docker, hostPath: {path: /var/run/docker.sock}}]
"""


def refuse_what_baseline_forbids(cluster: LocalCluster) -> None:
    """`up` runs PodSecurity `baseline` by default: the Docker socket and privileged pods are refused,
    and every request needs credentials (anonymous may read only health and version)."""
    refused = cluster.kubectl("apply", "-f", "-", input=DOCKER_SOCKET_POD)
    assert refused.returncode != 0, explain(refused)
    assert (
        'pods "root-on-the-host" is forbidden: violates PodSecurity "baseline:latest": '
        'hostPath volumes (volume "docker"), privileged (container "c" must not set securityContext.privileged=true)'
    ) in refused.stderr, explain(refused)
    url = f"https://127.0.0.1:{cluster.apiserver_port}/api/v1/namespaces/default/pods"
    anonymous = httpx.get(url, verify=ssl.create_default_context(cafile=cluster.home / "pki" / "ca.crt"), timeout=10)
    assert anonymous.status_code == 403, anonymous.text
    assert 'User "system:anonymous" cannot list resource "pods"' in anonymous.json()["message"]


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
    refuse_what_baseline_forbids(cluster)

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
