"""`controller_manager/endpoints/endpoints_controller.py`: subsets from pods, port resolution, and its writes.

The controller runs against a fake client and informer stores filled by hand,
so each test asserts exactly which API calls a reconcile made.
"""

from __future__ import annotations

import pytest

from controller_manager.endpoints.endpoints_controller import (
    CONTROLLER_NAME,
    MANAGED_BY_LABEL,
    SKIP_MIRROR_LABEL,
    EndpointsController,
    compute_subsets,
)
from kubemini.api.service_endpoints import target_port
from kubemini.client.errors import NotFound
from kubemini.client.shared_informers import SharedInformers


def pod(name, ip, *, ready=True, labels=None, ports=None, node="n1", phase="Running", deleting=False, **spec):
    meta = {"name": name, "namespace": "shop", "uid": f"uid-{name}", "labels": labels or {"app": "web"}}
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    containers = [{"name": "main", "image": "x", "ports": ports or [{"name": "http", "containerPort": 8080}]}]
    status = {"phase": phase, "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    if ip:
        status["podIP"] = ip
    return {"metadata": meta, "spec": {"nodeName": node, "containers": containers, **spec}, "status": status}


def service(*, ports=None, selector=None, **spec):
    return {
        "metadata": {"name": "web", "namespace": "shop", "labels": {"tier": "front"}},
        "spec": {
            "selector": selector if selector is not None else {"app": "web"},
            "clusterIP": "10.96.4.2",
            "ports": ports
            if ports is not None
            else [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
            **spec,
        },
    }


def ips(addresses):
    return [a["ip"] for a in addresses]


# -- port resolution ------------------------------------------------------------------------------


def test_find_port_numeric_named_and_missing():
    p = pod(
        "a",
        "10.0.0.1",
        ports=[{"name": "http", "containerPort": 8080}, {"name": "dns", "containerPort": 53, "protocol": "UDP"}],
    )

    assert target_port(p, {"port": 80, "targetPort": 9000}) == 9000
    assert target_port(p, {"port": 80}) == 80
    assert target_port(p, {"port": 80, "targetPort": "http"}) == 8080
    assert target_port(p, {"port": 53, "targetPort": "dns", "protocol": "UDP"}) == 53
    assert target_port(p, {"port": 53, "targetPort": "dns"}) is None  # TCP asked, only UDP named
    assert target_port(p, {"port": 80, "targetPort": "metrics"}) is None


# -- subsets --------------------------------------------------------------------------------------


def test_ready_and_not_ready_pods_split_into_addresses_and_not_ready_addresses():
    pods = [pod("b", "10.0.0.2", ready=False), pod("a", "10.0.0.1"), pod("c", "10.0.0.3")]

    [subset] = compute_subsets(service(), pods)

    assert ips(subset["addresses"]) == ["10.0.0.1", "10.0.0.3"]
    assert ips(subset["notReadyAddresses"]) == ["10.0.0.2"]
    assert subset["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    assert subset["addresses"][0]["targetRef"] == {"kind": "Pod", "namespace": "shop", "name": "a", "uid": "uid-a"}
    assert subset["addresses"][0]["nodeName"] == "n1"


def test_pods_without_ip_finished_or_terminating_are_left_out():
    pods = [
        pod("a", "10.0.0.1"),
        pod("no-ip", None),
        pod("done", "10.0.0.5", phase="Succeeded"),
        pod("failed", "10.0.0.6", phase="Failed"),
        pod("leaving", "10.0.0.7", deleting=True),
    ]

    [subset] = compute_subsets(service(), pods)

    assert ips(subset["addresses"]) == ["10.0.0.1"] and "notReadyAddresses" not in subset


def test_publish_not_ready_addresses_lists_everyone_as_ready():
    pods = [pod("a", "10.0.0.1", ready=False), pod("b", "10.0.0.2", deleting=True)]

    [subset] = compute_subsets(service(publishNotReadyAddresses=True), pods)

    assert ips(subset["addresses"]) == ["10.0.0.1", "10.0.0.2"]


def test_named_target_port_resolves_per_pod_and_regroups():
    old = pod("old", "10.0.0.1", ports=[{"name": "http", "containerPort": 8080}])
    new = pod("new", "10.0.0.2", ports=[{"name": "http", "containerPort": 9090}])
    none = pod("none", "10.0.0.3", ports=[{"name": "other", "containerPort": 1}])

    subsets = compute_subsets(service(), [old, new, none])

    assert [(ips(s["addresses"]), s["ports"][0]["port"]) for s in subsets] == [
        (["10.0.0.1"], 8080),
        (["10.0.0.2"], 9090),
    ]


def test_ports_offered_by_the_same_pods_share_a_subset_like_kubernetes_repacks():
    ports = [
        {"name": "http", "port": 80, "targetPort": "http"},
        {"name": "admin", "port": 81, "targetPort": 9000},
    ]
    a = pod("a", "10.0.0.1")
    b = pod("b", "10.0.0.2", ports=[{"name": "metrics", "containerPort": 1}])

    subsets = compute_subsets(service(ports=ports), [a, b])

    assert [(ips(s["addresses"]), [p["name"] for p in s["ports"]]) for s in subsets] == [
        (["10.0.0.1"], ["http"]),
        (["10.0.0.1", "10.0.0.2"], ["admin"]),
    ]


def test_headless_service_without_ports_still_lists_pods():
    [subset] = compute_subsets(service(ports=[], clusterIP="None"), [pod("a", "10.0.0.1")])
    assert subset == {"addresses": [subset["addresses"][0]]} and ips(subset["addresses"]) == ["10.0.0.1"]
    assert compute_subsets({"spec": {"clusterIP": "10.96.0.9", "ports": []}}, [pod("a", "10.0.0.1")]) == []


def test_hostname_is_published_when_the_subdomain_names_the_service():
    [subset] = compute_subsets(service(), [pod("a", "10.0.0.1", hostname="web-0", subdomain="web")])
    assert subset["addresses"][0]["hostname"] == "web-0"


def test_no_matching_pods_means_no_subsets():
    assert compute_subsets(service(), []) == []


# -- reconcile against fakes ----------------------------------------------------------------------


class FakeClient:
    def __init__(self):
        self.calls = []

    async def create(self, rt, obj, *, namespace=None):
        self.calls.append(("create", rt.kind, namespace, obj))
        return obj

    async def update(self, rt, obj):
        self.calls.append(("update", rt.kind, obj["metadata"]["namespace"], obj))
        return obj

    async def delete(self, rt, name, *, namespace=None):
        self.calls.append(("delete", rt.kind, namespace, name))
        raise NotFound({"code": 404, "reason": "NotFound", "message": "gone"})


@pytest.fixture
def controller():
    client = FakeClient()
    ctrl = EndpointsController(client, SharedInformers(client))  # type: ignore[arg-type]
    ctrl.fake = client
    return ctrl


def put(informer, *objs):
    for obj in objs:
        informer.store.put(obj)


async def test_creates_endpoints_for_a_selecting_service(controller):
    put(controller.services, service())
    put(controller.pods, pod("a", "10.0.0.1"), pod("x", "10.0.0.9", labels={"app": "other"}))

    await controller.reconcile("shop/web")

    [(verb, kind, namespace, obj)] = controller.fake.calls
    assert (verb, kind, namespace) == ("create", "Endpoints", "shop")
    assert obj["metadata"]["labels"] == {"tier": "front", MANAGED_BY_LABEL: CONTROLLER_NAME, SKIP_MIRROR_LABEL: "true"}
    assert ips(obj["subsets"][0]["addresses"]) == ["10.0.0.1"]


async def test_unchanged_endpoints_are_not_written_and_changes_are_put_with_the_resource_version(controller):
    put(controller.services, service())
    put(controller.pods, pod("a", "10.0.0.1"))
    await controller.reconcile("shop/web")
    written = controller.fake.calls[0][3]
    stored = {**written, "metadata": {**written["metadata"], "resourceVersion": "7"}}
    put(controller.endpoints, stored)
    controller.fake.calls.clear()

    await controller.reconcile("shop/web")
    assert controller.fake.calls == []

    put(controller.pods, pod("a", "10.0.0.1", ready=False))
    await controller.reconcile("shop/web")
    [(verb, _, _, obj)] = controller.fake.calls
    assert verb == "update" and obj["metadata"]["resourceVersion"] == "7"
    assert ips(obj["subsets"][0]["notReadyAddresses"]) == ["10.0.0.1"]


async def test_selectorless_service_endpoints_are_never_touched(controller):
    put(controller.services, service(selector={}))
    put(controller.endpoints, {"metadata": {"name": "web", "namespace": "shop"}, "subsets": [{"addresses": []}]})

    await controller.reconcile("shop/web")

    assert controller.fake.calls == []


async def test_deleted_service_removes_only_endpoints_this_controller_wrote(controller):
    put(
        controller.endpoints,
        {"metadata": {"name": "web", "namespace": "shop", "labels": {MANAGED_BY_LABEL: CONTROLLER_NAME}}},
    )
    put(controller.endpoints, {"metadata": {"name": "manual", "namespace": "shop"}})

    await controller.reconcile("shop/web")
    await controller.reconcile("shop/manual")

    assert controller.fake.calls == [("delete", "Endpoints", "shop", "web")]


def test_pod_events_map_to_the_services_selecting_the_pod(controller):
    put(
        controller.services,
        service(),
        {**service(selector={"app": "db"}), "metadata": {"name": "db", "namespace": "shop"}},
    )
    put(controller.services, {**service(selector={}), "metadata": {"name": "manual", "namespace": "shop"}})

    assert controller.services_selecting(pod("a", "10.0.0.1")) == ["shop/web"]
    assert controller.services_selecting(pod("b", "10.0.0.2", labels={"app": "db"})) == ["shop/db"]
