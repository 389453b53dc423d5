"""Node IPAM against a real apiserver: each Node gets the next free pod CIDR once, CIDRs held before
the controller-manager started are skipped, a deleted Node's CIDR is given again, and when none is
left the Node gets a CIDRNotAvailable Event. The apiserver keeps a set podCIDR immutable.

Its own etcd and apiserver: the Nodes here must not meet the package cluster's nodeipam-less manager.
"""

from __future__ import annotations

import pytest

from tests.integration.controller_manager.cluster import Api, ControllerManager

IPAM_FLAGS = (
    "--controllers",
    "nodeipam",
    "--allocate-node-cidrs",
    "--cluster-cidr",
    "10.250.0.0/23",  # two /24s: enough to run out
    "--node-cidr-mask-size",
    "24",
)
NODES = "/api/v1/nodes"
IMMUTABLE = 'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid'


@pytest.fixture
def own_api(own_apiserver):
    client = Api(own_apiserver.url)
    yield client
    client.close()


def plain_node(name: str, pod_cidr: str | None = None) -> dict:
    node: dict = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}}
    if pod_cidr:
        node["spec"] = {"podCIDR": pod_cidr}
    return node


def cidrs(api: Api, name: str) -> tuple[str | None, list[str] | None]:
    spec = api.get(f"{NODES}/{name}").get("spec") or {}
    return spec.get("podCIDR"), spec.get("podCIDRs")


def test_nodes_get_free_cidrs_once_and_an_event_when_none_is_left(own_apiserver, own_api, tmp_path):
    api = own_api
    api.create(NODES, plain_node("held", "10.250.0.0/24"))  # set before the allocator starts
    assert cidrs(api, "held") == ("10.250.0.0/24", ["10.250.0.0/24"])
    manager = ControllerManager(own_apiserver.url, tmp_path / "cm.log", extra_args=IPAM_FLAGS).start()
    try:
        api.create(NODES, plain_node("first"))
        got = api.wait_for(
            lambda: cidrs(api, "first")[0], what="a pod CIDR on node first", seen=lambda: cidrs(api, "first")
        )
        assert cidrs(api, "first") == ("10.250.1.0/24", ["10.250.1.0/24"])
        assert got == "10.250.1.0/24"

        api.create(NODES, plain_node("second"))

        def not_available():
            events = api.items("/api/v1/events")
            return [
                e for e in events if e.get("reason") == "CIDRNotAvailable" and e["involvedObject"]["name"] == "second"
            ]

        (event,) = api.wait_for(not_available, what="CIDRNotAvailable event for node second")
        assert event["message"] == "Node second status is now: CIDRNotAvailable"
        assert event["involvedObject"]["kind"] == "Node"
        assert cidrs(api, "second") == (None, None)

        api.delete(f"{NODES}/first")
        api.wait_for(
            lambda: cidrs(api, "second")[0] == "10.250.1.0/24",
            what="the CIDR of the deleted node given to node second",
            seen=lambda: cidrs(api, "second"),
        )
        assert cidrs(api, "held") == ("10.250.0.0/24", ["10.250.0.0/24"])  # never touched
    finally:
        manager.stop()


def test_a_set_pod_cidr_cannot_change(own_api):
    api = own_api
    api.create(NODES, plain_node("fixed"))
    assert api.merge_patch(f"{NODES}/fixed", {"spec": {"podCIDR": "10.251.3.0/24"}})["spec"]["podCIDRs"] == [
        "10.251.3.0/24"
    ]
    response = api.http.patch(
        f"{NODES}/fixed",
        json={"spec": {"podCIDR": "10.251.4.0/24", "podCIDRs": ["10.251.4.0/24"]}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["message"] == f'Node "fixed" is invalid: {IMMUTABLE}'
    cleared = api.http.put(f"{NODES}/fixed", json={**api.get(f"{NODES}/fixed"), "spec": {}})
    assert cleared.status_code == 422 and IMMUTABLE in cleared.json()["message"]
