"""The autoscaling loop with real containers: a busybox CPU burner, the Docker kubelet's stats,
metrics_server, the apiserver's aggregation layer, the HPA controller in the controller-manager,
and the real kubectl (`apply`, `exec`, `top`, `get hpa`), on the README's examples/hpa-demo.yaml.

    etcd + apiserver, scheduler, controller-manager (HPA sync every 2 s),
    a Docker kubelet (a node name unique to this run), metrics_server (scrapes every 2 s)
    burner: `sh` busy loop while /tmp/burn exists, CPU limit 300m (a good neighbour on 2 cores);
    its HPA: cpu 50 %, 1..4 replicas, scale-down window 15 s
    ──► load on: 1 ──► ≥ 3 replicas, `kubectl top pods` shows ≥ 100m
    ──► load off: back to 1 replica
Every container is labelled with this run's node name and removed afterwards, whatever happened.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid

import pytest

from tests.e2e.services.cluster import Component, node_containers
from tests.support.kubectl import Kubectl, write_kubeconfig
from tests.support.ports import free_port
from tests.support.processes import REPO_ROOT, ApiServer, EtcdServer

SCALE_DEADLINE_SECONDS = 120.0


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    base = tmp_path_factory.mktemp("hpa-e2e")
    node = f"hpa-e2e-{uuid.uuid4().hex[:8]}"
    etcd = EtcdServer(base / "etcd").start()
    apiserver = None
    components: list[Component] = []
    try:
        apiserver = ApiServer(etcd.url, base / "apiserver.log").start()
        common = ("--server", apiserver.url, "--port", "0")
        argvs = {
            "scheduler": ("scheduler", *common, "--no-leader-elect"),
            "controller-manager": ("controller_manager", *common, "--no-leader-elect",
                                   "--horizontal-pod-autoscaler-sync-period", "2"),
            "kubelet": ("kubelet", "--server", apiserver.url, "--port", str(free_port()), "--node-name", node,
                        "--heartbeat-seconds", "2"),
            "metrics-server": ("metrics_server", *common, "--metric-resolution", "2"),
        }  # fmt: skip
        for name, argv in argvs.items():
            components.append(Component(name, [sys.executable, "-m", *argv], base / f"{name}.log").start())
        kubectl = Kubectl(write_kubeconfig(base / "kubeconfig", apiserver.url))
        yield kubectl, components, node
    finally:
        for component in reversed(components):
            component.stop()
        ids = node_containers(node)
        if ids:
            subprocess.run(["docker", "rm", "-f", *ids], capture_output=True, timeout=120)
        if apiserver is not None:
            apiserver.stop()
        etcd.stop()


def wait(predicate, *, what: str, components: list[Component], timeout: float = SCALE_DEADLINE_SECONDS):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        for component in components:
            component.check_alive()
        last = predicate()
        if last:
            return last
        time.sleep(1)
    logs = "\n".join(f"--- {c.name}\n{c.log_tail(1500)}" for c in components)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last seen {last!r}\n{logs}")


def test_burner_scales_out_under_load_and_back_in(cluster):
    kubectl, components, _node = cluster
    kubectl.run("apply", "-f", str(REPO_ROOT / "examples" / "hpa-demo.yaml"))
    kubectl.run("rollout", "status", "deployment/hpa-demo", "--timeout=60s")
    pod = kubectl.run("get", "pods", "-l", "app=hpa-demo", "-o", "jsonpath={.items[0].metadata.name}").stdout
    kubectl.run("exec", pod, "--", "touch", "/tmp/burn")
    started = time.monotonic()

    def top_cpu() -> int:
        result = kubectl.run("top", "pods", "-l", "app=hpa-demo", "--no-headers", check=False)
        found = re.search(rf"{pod}\s+(\d+)m", result.stdout)
        return int(found.group(1)) if found and int(found.group(1)) >= 100 else 0

    wait(top_cpu, what="kubectl top pods showing the burner's CPU", components=components, timeout=60)

    def replicas() -> int:
        return int(kubectl.run("get", "deployment", "hpa-demo", "-o", "jsonpath={.spec.replicas}").stdout or 0)

    wait(lambda: replicas() >= 3, what="3 or more replicas under load", components=components)
    scaled_out_after = time.monotonic() - started
    table = kubectl.run("get", "hpa", "hpa-demo").stdout
    assert re.search(r"hpa-demo\s+Deployment/hpa-demo\s+cpu: (\d+|<unknown>)%?/50%", table), table
    kubectl.run("exec", pod, "--", "rm", "-f", "/tmp/burn")
    wait(lambda: replicas() == 1, what="back to 1 replica once the load stopped", components=components)
    assert scaled_out_after < SCALE_DEADLINE_SECONDS
