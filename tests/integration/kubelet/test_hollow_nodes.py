"""Hollow nodes: one `python -m kubelet --runtime fake --nodes 3` process looks like three real kubelets."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.integration.kubelet.conftest import wait_until
from tests.support.api_http import api_http
from tests.support.kubectl import Kubectl, write_kubeconfig


@pytest.fixture
def api(apiserver):
    with api_http(base_url=apiserver.url, timeout=10) as client:
        yield client


@pytest.fixture
def namespace(api):
    name = f"hollow-{uuid.uuid4().hex[:6]}"
    api.post("/api/v1/namespaces", json={"metadata": {"name": name}}).raise_for_status()
    yield name
    for pod in api.get(f"/api/v1/namespaces/{name}/pods").json()["items"]:
        api.request(
            "DELETE", f"/api/v1/namespaces/{name}/pods/{pod['metadata']['name']}", json={"gracePeriodSeconds": 0}
        )


def node(api, name: str) -> dict | None:
    response = api.get(f"/api/v1/nodes/{name}")
    return response.json() if response.status_code == 200 else None


def is_ready(node_obj: dict | None) -> bool:
    conditions = {c["type"]: c["status"] for c in ((node_obj or {}).get("status") or {}).get("conditions") or []}
    return conditions.get("Ready") == "True"


def test_hollow_nodes_register_ready_with_capacity_and_heartbeat(api, hollow):
    for name in hollow.names:
        found = wait_until(lambda n=name: node(api, n) if is_ready(node(api, n)) else None, what=f"node {name} Ready")
        status = found["status"]
        assert status["capacity"] == {"cpu": "4", "memory": "16Gi", "ephemeral-storage": "100Gi", "pods": "110"}
        assert status["allocatable"] == status["capacity"]
        assert not (found.get("spec") or {}).get("taints")
        assert {"type": "InternalIP", "address": "127.0.0.1"} in status["addresses"]
        assert status["daemonEndpoints"]["kubeletEndpoint"]["Port"] == hollow.port
        assert status["nodeInfo"]["kubeletVersion"] == "v1.35.0-kubemini"
        assert found["metadata"]["labels"]["kubernetes.io/hostname"] == name
    lease_path = f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{hollow.names[0]}"
    first = wait_until(lambda: api.get(lease_path).status_code == 200 and api.get(lease_path).json(), what="lease")
    assert first["spec"]["holderIdentity"] == hollow.names[0]
    renewed = wait_until(
        lambda: api.get(lease_path).json()["spec"]["renewTime"] != first["spec"]["renewTime"],
        what="lease renewal",
        timeout=5,
    )
    assert renewed


def test_bound_pods_run_report_status_and_are_deleted(api, hollow, namespace, tmp_path):
    names = [f"p{i}" for i in range(6)]
    for index, name in enumerate(names):
        pod = {
            "metadata": {"name": name},
            "spec": {
                "nodeName": hollow.names[index % len(hollow.names)],
                "containers": [{"name": "app", "image": "kubemini/busybox:1.35", "command": ["sleep", "3600"]}],
            },
        }
        api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod).raise_for_status()

    def running() -> list[dict] | None:
        pods = api.get(f"/api/v1/namespaces/{namespace}/pods").json()["items"]
        ok = [p for p in pods if p["status"].get("phase") == "Running"]
        return pods if len(ok) == len(names) else None

    pods = wait_until(running, what="all hollow pods Running")
    ips = set()
    for pod in pods:
        status = pod["status"]
        conditions = {c["type"]: c["status"] for c in status["conditions"]}
        assert conditions["Ready"] == conditions["ContainersReady"] == conditions["Initialized"] == "True"
        assert status["hostIP"] == "127.0.0.1" and status["startTime"]
        assert status["containerStatuses"][0]["ready"] is True
        assert "running" in status["containerStatuses"][0]["state"]
        ips.add(status["podIP"])
    assert len(ips) == len(names), "every pod gets its own (fake) IP"

    kubectl = Kubectl(write_kubeconfig(tmp_path / "kubeconfig", str(api.base_url).rstrip("/")))
    logs = kubectl.run("logs", "-n", namespace, "p0").stdout
    assert "hollow container" in logs

    response = api.request("DELETE", f"/api/v1/namespaces/{namespace}/pods/p1", json={})
    assert response.json()["metadata"].get("deletionTimestamp"), "a bound pod is deleted gracefully"
    wait_until(
        lambda: api.get(f"/api/v1/namespaces/{namespace}/pods/p1").status_code == 404,
        what="the kubelet to finish deleting p1",
    )


def test_a_deleted_node_registers_again(api, hollow):
    name = hollow.names[-1]
    wait_until(lambda: node(api, name), what=f"node {name}")
    api.delete(f"/api/v1/nodes/{name}").raise_for_status()
    back = wait_until(lambda: is_ready(node(api, name)), what=f"node {name} registered again", timeout=10)
    assert back


def test_metrics_and_pods_endpoints(hollow):
    metrics = httpx.get(f"http://127.0.0.1:{hollow.port}/metrics", timeout=5).text
    assert "kubelet_pod_sync_duration_seconds" in metrics and "kubelet_running_pods" in metrics
    pods = httpx.get(f"http://127.0.0.1:{hollow.port}/pods", timeout=5).json()
    assert pods["kind"] == "PodList"
