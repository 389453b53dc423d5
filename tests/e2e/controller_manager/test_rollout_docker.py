"""A Deployment of busybox httpd pods in real Docker containers, rolled to a new image and back with kubectl.

    own etcd + apiserver, `python -m scheduler`, `python -m controller_manager`,
    `python -m kubelet` on Docker (a node name unique to this run)
    every pod event is replayed: with maxSurge 1 / maxUnavailable 0 there are never fewer than
    `replicas` ready pods nor more than replicas + 1 pods, through the rollout and the undo.
Every container labelled with this run's node is removed afterwards, whatever happened.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import pytest

from tests.integration.controller_manager.cluster import (
    Api,
    ControllerManager,
    Scheduler,
    is_active,
    is_ready,
    log_tail,
    spawn,
    terminate,
)
from tests.support.kubectl import Kubectl, write_kubeconfig
from tests.support.ports import free_port
from tests.support.processes import ApiServer, EtcdServer
from tests.support.watch_reader import WatchReader

NODE_LABEL = "io.kubemini.node"
REPLICAS = 3
IMAGE_V1 = "kubemini/busybox:1.35"
IMAGE_V2 = "kubemini/busybox:1.35-v2"
WEB_SCRIPT = "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"


def node_containers(node: str, *extra: str) -> list[str]:
    argv = ["docker", "ps", "-a", "-q", "--no-trunc", "--filter", f"label={NODE_LABEL}={node}", *extra]
    return subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stdout.split()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    base = tmp_path_factory.mktemp("cm-e2e")
    node = f"cm-e2e-{uuid.uuid4().hex[:8]}"
    etcd = EtcdServer(base / "etcd").start()
    apiserver = kubelet = None
    started: list = []
    try:
        apiserver = ApiServer(etcd.url, base / "apiserver.log").start()
        started.append(Scheduler(apiserver.url, base / "scheduler.log").start())
        started.append(ControllerManager(apiserver.url, base / "controller-manager.log").start())
        argv = [sys.executable, "-m", "kubelet", "--server", apiserver.url, "--node-name", node,
                "--port", str(free_port()), "--heartbeat-seconds", "2"]  # fmt: skip
        kubelet = spawn(argv, base / "kubelet.log")
        api = Api(apiserver.url)
        api.wait_for(
            lambda: (
                kubelet.poll() is None
                and any(
                    c.get("type") == "Ready" and c.get("status") == "True"
                    for c in ((api.get_or_none(f"/api/v1/nodes/{node}") or {}).get("status") or {}).get(
                        "conditions", []
                    )
                )
            ),
            what=f"Docker node {node} Ready",
            timeout=60,
            seen=lambda: log_tail(base / "kubelet.log"),
        )
        yield api, Kubectl(write_kubeconfig(base / "kubeconfig", apiserver.url)), node
        api.close()
    finally:
        terminate(kubelet)
        for process in reversed(started):
            process.stop()
        ids = node_containers(node)
        if ids:
            subprocess.run(["docker", "rm", "-f", *ids], capture_output=True, timeout=120)
        if apiserver is not None:
            apiserver.stop()
        etcd.stop()


def web_deployment() -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": REPLICAS,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "terminationGracePeriodSeconds": 2,
                    "containers": [
                        {
                            "name": "web",
                            "image": IMAGE_V1,
                            "command": ["sh", "-c", WEB_SCRIPT],
                            "ports": [{"name": "http", "containerPort": 8080}],
                            "readinessProbe": {"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 1},
                        }
                    ],
                },
            },
        },
    }


def image_of(pod: dict) -> str:
    return pod["spec"]["containers"][0]["image"]


def roll(api: Api, kubectl: Kubectl, namespace: str, change, image: str) -> list[tuple[int, int]]:
    """Run `change()` (a kubectl command), follow every pod event until all pods run `image` and are
    Ready; the (active, ready) counts after each event."""
    path = f"/api/v1/namespaces/{namespace}/pods"
    listing = api.get(path)
    pods = {p["metadata"]["uid"]: p for p in listing["items"]}
    reader = WatchReader(api.url, path, resourceVersion=listing["metadata"]["resourceVersion"])
    moments: list[tuple[int, int]] = []
    try:
        change()
        result = kubectl.run("rollout", "status", "deployment/web", "-n", namespace, "--timeout=120s")
        assert "successfully rolled out" in result.stdout
        deadline = time.monotonic() + 120
        while not (len(pods) == REPLICAS and all(image_of(p) == image and is_ready(p) for p in pods.values())):
            event = reader.next(max(deadline - time.monotonic(), 0.01))
            assert event is not None, "watch ended"
            if event["type"] == "DELETED":
                pods.pop(event["object"]["metadata"]["uid"], None)
            elif event["type"] in ("ADDED", "MODIFIED"):
                pods[event["object"]["metadata"]["uid"]] = event["object"]
            else:
                continue
            active = [p for p in pods.values() if is_active(p)]
            moments.append((len(active), sum(1 for p in active if is_ready(p))))
    finally:
        reader.close()
    return moments


def test_rolling_update_and_undo_in_docker_keep_every_replica_serving(cluster):
    api, kubectl, node = cluster
    namespace = f"cm-e2e-{uuid.uuid4().hex[:6]}"
    api.create("/api/v1/namespaces", {"metadata": {"name": namespace}})
    api.create(f"/apis/apps/v1/namespaces/{namespace}/deployments", web_deployment())
    kubectl.run("rollout", "status", "deployment/web", "-n", namespace, "--timeout=120s")

    moments = roll(
        api, kubectl, namespace,
        lambda: kubectl.run("set", "image", "deployment/web", f"web={IMAGE_V2}", "-n", namespace), IMAGE_V2,
    )  # fmt: skip
    assert min(ready for _, ready in moments) >= REPLICAS, moments
    assert max(active for active, _ in moments) <= REPLICAS + 1, moments
    running = node_containers(node, "--filter", "status=running", "--filter", f"ancestor={IMAGE_V2}")
    assert len(running) == REPLICAS, "each new pod runs its httpd container on the new image"

    history = kubectl.run("rollout", "history", "deployment/web", "-n", namespace).stdout
    assert "1" in history and "2" in history, history
    moments = roll(
        api, kubectl, namespace, lambda: kubectl.run("rollout", "undo", "deployment/web", "-n", namespace), IMAGE_V1
    )
    assert min(ready for _, ready in moments) >= REPLICAS, moments
    assert max(active for active, _ in moments) <= REPLICAS + 1, moments
    web = api.get(f"/apis/apps/v1/namespaces/{namespace}/deployments/web")
    assert web["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    api.wait_for(
        lambda: not node_containers(node, "--filter", "status=running", "--filter", f"ancestor={IMAGE_V2}"),
        what="the v2 containers stopped after the undo",
        timeout=60,
    )
