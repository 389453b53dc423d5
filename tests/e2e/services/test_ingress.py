"""The ingress controller in front of real pods: examples/ingress-demo.yaml and the Ingress canary example.

The whole Service cluster (controller-manager's endpointslice controller writes the
slices from the pods' readiness) plus `python -m ingress_controller`; requests go
through 127.0.0.1 to the pods' addresses on the project's Docker network.
"""

from __future__ import annotations

import secrets

import httpx
import pytest

from tests.integration.ingress_controller.support import IngressControllerProcess, wait_until
from tests.support.processes import REPO_ROOT

ROLLOUT_TIMEOUT = "120s"


@pytest.fixture(scope="module")
def ingress(cluster, tmp_path_factory):
    controller = IngressControllerProcess(cluster.url, tmp_path_factory.mktemp("ingress") / "ingress-controller.log")
    try:
        yield controller.start()
    finally:
        controller.stop()


@pytest.fixture
def namespace(api, kubectl):
    name = f"ingress-{secrets.token_hex(3)}"
    assert api.post("/api/v1/namespaces", json={"metadata": {"name": name}}).status_code == 201
    yield name
    kubectl.run("delete", "namespace", name, "--wait=false", check=False)


def body(controller: IngressControllerProcess, host: str, path: str, **headers: str) -> str:
    response = httpx.get(f"{controller.http_url}{path}", headers={"Host": host, **headers}, timeout=5)
    return f"{response.status_code} {response.text.strip()}"


def test_demo_routes_to_pods_by_path(ingress, kubectl, namespace):
    kubectl.run("apply", "-n", namespace, "-f", str(REPO_ROOT / "examples/ingress-demo.yaml"))
    for deployment in ("demo-a", "demo-b"):
        kubectl.run("rollout", "status", f"deployment/{deployment}", "-n", namespace, f"--timeout={ROLLOUT_TIMEOUT}")
    wait_until(
        lambda: body(ingress, "demo.local", "/b/").startswith("200 b: demo-b-"), what="/b/ from demo-b", timeout=30
    )
    answers = {body(ingress, "demo.local", "/a/") for _ in range(10)}
    assert all(answer.startswith("200 a: demo-a-") for answer in answers), answers
    assert len(answers) == 2, f"both demo-a pods should answer (round robin): {answers}"
    assert body(ingress, "elsewhere.local", "/").startswith("200 a: demo-a-")  # the defaultBackend
    address = kubectl.run(
        "get", "ingress", "demo", "-n", namespace, "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}"
    )
    assert address.stdout == "127.0.0.1"


def test_canary_example_by_header(ingress, kubectl, namespace):
    kubectl.run("apply", "-n", namespace, "-f", str(REPO_ROOT / "examples/canary/ingress-canary.yaml"))
    for deployment in ("shop-stable", "shop-canary"):
        kubectl.run("rollout", "status", f"deployment/{deployment}", "-n", namespace, f"--timeout={ROLLOUT_TIMEOUT}")
    wait_until(
        lambda: body(ingress, "shop.local", "/", **{"X-Canary": "always"}) == "200 canary", what="canary", timeout=30
    )
    assert {body(ingress, "shop.local", "/", **{"X-Canary": "never"}) for _ in range(20)} == {"200 stable"}
    shares = [body(ingress, "shop.local", "/") for _ in range(200)]
    assert set(shares) == {"200 stable", "200 canary"} and shares.count("200 canary") < 60, shares.count("200 canary")
