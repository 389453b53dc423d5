"""The Endpoints controller against a real apiserver, pods driven by hand through /status.

The controller runs in the test's event loop with its own shared informers,
exactly as the controller-manager will run it; pods get their IP and Ready
condition from status writes, the way a kubelet reports them. No kube-proxy,
no Docker, no traffic.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest

from controller_manager.endpoints.endpoints_controller import EndpointsController
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import NotFound
from kubemini.client.shared_informers import SharedInformers

POD = by_kind("Pod")
SERVICE = by_kind("Service")
ENDPOINTS = by_kind("Endpoints")
READINESS_DEADLINE_SECONDS = 1.0
POLL_SECONDS = 0.02


@pytest.fixture
async def client(proxy_apiserver):
    async with ApiClient(proxy_apiserver.url) as api:
        yield api


@pytest.fixture
async def running_controller(client):
    informers = SharedInformers(client)
    controller = EndpointsController(client, informers)
    informers.start()
    task = asyncio.create_task(controller.run())
    try:
        yield controller
    finally:
        controller.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await informers.stop()


async def make_pod(client, namespace, name, *, ip, ready, labels=None, finalizers=None):
    body = {
        "metadata": {"name": name, "labels": labels or {"app": "web"}, "finalizers": finalizers or []},
        "spec": {
            "nodeName": "node-1",
            "containers": [{"name": "main", "image": "kubemini/busybox:1.35", "ports": [
                {"name": "http", "containerPort": 8080}]}],
        },
    }  # fmt: skip
    await client.create(POD, body, namespace=namespace)
    await set_ready(client, namespace, name, ip=ip, ready=ready)


async def set_ready(client, namespace, name, *, ip, ready):
    status = {
        "status": {
            "phase": "Running",
            "podIP": ip,
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        }
    }
    await client.patch(POD, name, status, namespace=namespace, subresource="status")


async def endpoints_ips(client, namespace, name) -> tuple[list[str], list[str]]:
    try:
        found = await client.get(ENDPOINTS, name, namespace=namespace)
    except NotFound:
        return [], []
    ready, not_ready = [], []
    for subset in found.get("subsets") or []:
        ready += [a["ip"] for a in subset.get("addresses") or []]
        not_ready += [a["ip"] for a in subset.get("notReadyAddresses") or []]
    return sorted(ready), sorted(not_ready)


async def wait_for_ips(client, namespace, name, expected, *, timeout) -> float:
    """Seconds until the Endpoints show `expected` (ready, not ready); fails after `timeout`."""
    started = time.monotonic()
    seen = None
    while time.monotonic() - started < timeout:
        seen = await endpoints_ips(client, namespace, name)
        if seen == expected:
            return time.monotonic() - started
        await asyncio.sleep(POLL_SECONDS)
    raise AssertionError(f"Endpoints {namespace}/{name}: expected {expected} within {timeout}s, saw {seen}")


async def test_endpoints_follow_pod_readiness_within_a_second(client, namespace, running_controller):
    service = {
        "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
    }
    await client.create(SERVICE, service, namespace=namespace)
    await make_pod(client, namespace, "a", ip="10.244.0.1", ready=True)
    await make_pod(client, namespace, "b", ip="10.244.0.2", ready=False)
    await make_pod(client, namespace, "other", ip="10.244.0.3", ready=True, labels={"app": "db"})
    await wait_for_ips(client, namespace, "web", (["10.244.0.1"], ["10.244.0.2"]), timeout=5)
    endpoints = await client.get(ENDPOINTS, "web", namespace=namespace)
    assert endpoints["subsets"][0]["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]

    await set_ready(client, namespace, "b", ip="10.244.0.2", ready=True)
    turned_ready = await wait_for_ips(
        client, namespace, "web", (["10.244.0.1", "10.244.0.2"], []), timeout=READINESS_DEADLINE_SECONDS
    )
    await set_ready(client, namespace, "a", ip="10.244.0.1", ready=False)
    turned_unready = await wait_for_ips(
        client, namespace, "web", (["10.244.0.2"], ["10.244.0.1"]), timeout=READINESS_DEADLINE_SECONDS
    )

    assert max(turned_ready, turned_unready) < READINESS_DEADLINE_SECONDS


async def test_terminating_pod_leaves_and_deleted_service_takes_its_endpoints(client, namespace, running_controller):
    service = {"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}
    await client.create(SERVICE, service, namespace=namespace)
    await make_pod(client, namespace, "a", ip="10.244.0.1", ready=True)
    await make_pod(client, namespace, "held", ip="10.244.0.2", ready=True, finalizers=["test.kubemini.io/hold"])
    await wait_for_ips(client, namespace, "web", (["10.244.0.1", "10.244.0.2"], []), timeout=5)

    await client.delete(POD, "held", namespace=namespace)  # the finalizer keeps it, terminating
    try:
        await wait_for_ips(client, namespace, "web", (["10.244.0.1"], []), timeout=READINESS_DEADLINE_SECONDS)
    finally:
        await client.patch(POD, "held", {"metadata": {"finalizers": None}}, namespace=namespace)

    await client.delete(SERVICE, "web", namespace=namespace)
    started = time.monotonic()
    while True:
        try:
            await client.get(ENDPOINTS, "web", namespace=namespace)
        except NotFound:
            break
        assert time.monotonic() - started < 5, "Endpoints outlived their Service"
        await asyncio.sleep(POLL_SECONDS)


async def test_selectorless_service_endpoints_are_left_alone(client, namespace, running_controller):
    await client.create(
        SERVICE, {"metadata": {"name": "manual"}, "spec": {"ports": [{"port": 80}]}}, namespace=namespace
    )
    manual = {
        "metadata": {"name": "manual"},
        "subsets": [{"addresses": [{"ip": "127.0.0.5"}], "ports": [{"port": 80}]}],
    }
    await client.create(ENDPOINTS, manual, namespace=namespace)
    await make_pod(client, namespace, "a", ip="10.244.0.1", ready=True)
    # A selecting Service created after it proves the controller has processed this namespace.
    await client.create(
        SERVICE, {"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}},
        namespace=namespace,
    )  # fmt: skip
    await wait_for_ips(client, namespace, "web", (["10.244.0.1"], []), timeout=5)

    assert await endpoints_ips(client, namespace, "manual") == (["127.0.0.5"], [])
    kubernetes = await client.get(ENDPOINTS, "kubernetes", namespace="default")
    assert "endpoints.kubernetes.io/managed-by" not in (kubernetes["metadata"].get("labels") or {})
