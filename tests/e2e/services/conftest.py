"""One full cluster per module; per test a namespace holding a Deployment of busybox httpd pods
that each serve their own hostname, behind a NodePort Service.

Pods answer `GET /` with their hostname (the pod name) and `GET /ready` while
/www/ready exists: the readiness probe reads it every second, so a test makes
a pod unready by removing that file inside its container.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from dataclasses import dataclass

import httpx
import pytest

from tests.e2e.services.cluster import ServiceCluster
from tests.support.api_http import api_http
from tests.support.kubectl import Kubectl, write_kubeconfig

WEB_IMAGE = "kubemini/busybox:1.35"
PODS_READY_DEADLINE_SECONDS = 60.0
WEB_SCRIPT = "mkdir -p /www && hostname > /www/index.html && echo ok > /www/ready && exec httpd -f -p 8080 -h /www"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = ServiceCluster(tmp_path_factory.mktemp("service-cluster"))
    try:
        yield running.start()
    finally:
        running.stop()


@pytest.fixture
def api(cluster):
    with api_http(base_url=cluster.url, timeout=15) as client:
        yield client


@pytest.fixture
def kubectl(cluster, tmp_path):
    return Kubectl(write_kubeconfig(tmp_path / "kubeconfig", cluster.url))


def web_manifests(*, replicas: int) -> str:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "terminationGracePeriodSeconds": 2,
                    "containers": [
                        {
                            "name": "web",
                            "image": WEB_IMAGE,
                            "command": ["sh", "-c", WEB_SCRIPT],
                            "ports": [{"name": "http", "containerPort": 8080}],
                            "readinessProbe": {
                                "httpGet": {"path": "/ready", "port": "http"},
                                "periodSeconds": 1,
                                "failureThreshold": 1,
                            },
                        }
                    ],
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"name": "http", "port": 80,
                                                                             "targetPort": "http"}]},
    }  # fmt: skip
    return "\n---\n".join(json.dumps(doc) for doc in (deployment, service))


@dataclass
class Web:
    namespace: str
    cluster_ip: str
    node_port: int


def ready_endpoint_pods(api: httpx.Client, namespace: str) -> list[str]:
    response = api.get(f"/api/v1/namespaces/{namespace}/endpoints/web")
    if response.status_code != 200:
        return []
    names = []
    for subset in response.json().get("subsets") or []:
        names += [a["targetRef"]["name"] for a in subset.get("addresses") or []]
    return sorted(names)


def wait_for_ready_endpoints(api: httpx.Client, namespace: str, count: int, cluster: ServiceCluster) -> list[str]:
    deadline = time.monotonic() + PODS_READY_DEADLINE_SECONDS
    seen: list[str] = []
    while time.monotonic() < deadline:
        for component in cluster.components:
            component.check_alive()
        seen = ready_endpoint_pods(api, namespace)
        if len(seen) == count:
            return seen
        time.sleep(0.2)
    raise AssertionError(f"expected {count} ready endpoints for {namespace}/web, saw {seen}\n{cluster.logs()}")


@pytest.fixture
def web(cluster, api, kubectl):
    """`web(replicas=3)` → the Service once that many pods are ready endpoints; removed afterwards."""
    namespaces: list[str] = []

    def make(*, replicas: int = 3) -> Web:
        namespace = f"svc-{uuid.uuid4().hex[:8]}"
        namespaces.append(namespace)
        kubectl.run("create", "namespace", namespace)
        kubectl.run("apply", "-n", namespace, "-f", "-", input_text=web_manifests(replicas=replicas))
        wait_for_ready_endpoints(api, namespace, replicas, cluster)
        service = api.get(f"/api/v1/namespaces/{namespace}/services/web").json()
        return Web(namespace, service["spec"]["clusterIP"], service["spec"]["ports"][0]["nodePort"])

    yield make
    for namespace in namespaces:
        kubectl.run("delete", "-n", namespace, "deployment,service", "--all", "--wait=false", check=False)


def pod_container(cluster: ServiceCluster, pod_name: str) -> str:
    argv = [
        "docker", "ps", "-q", "--filter", f"label=io.kubemini.node={cluster.node}",
        "--filter", f"label=io.kubemini.pod.name={pod_name}", "--filter", "label=io.kubemini.container=web",
    ]  # fmt: skip
    found = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=30).stdout.split()
    assert len(found) == 1, f"expected one running web container for {pod_name}, found {found}"
    return found[0]
