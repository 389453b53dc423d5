"""ClusterIP and NodePort allocation: in range, unique under concurrency, released on delete."""

from __future__ import annotations

import asyncio
import ipaddress

import httpx

from tests.support.api_http import async_api_http

SERVICE_RANGE = ipaddress.IPv4Network("10.96.0.0/16")
MERGE = {"Content-Type": "application/merge-patch+json"}


def service(name: str, *, service_type: str = "ClusterIP", **spec) -> dict:
    ports = spec.pop("ports", [{"port": 80, "targetPort": 8080}])
    return {
        "metadata": {"name": name},
        "spec": {"type": service_type, "selector": {"app": name}, "ports": ports, **spec},
    }


def _unused(api) -> tuple[str, int]:
    """A ClusterIP and a NodePort no Service holds now: the apiserver is shared with other tests,
    whose Services may have been given any free value at random."""
    services = api.get("/api/v1/services").json()["items"]
    addresses = {s["spec"].get("clusterIP") for s in services}
    ports = {p.get("nodePort") for s in services for p in s["spec"].get("ports", [])}
    candidates = (str(SERVICE_RANGE.network_address + offset) for offset in range(50_000, 60_000))
    address = next(candidate for candidate in candidates if candidate not in addresses)
    return address, next(port for port in range(31000, 32000) if port not in ports)


def _causes(response) -> list[str]:
    assert response.status_code == 422, response.text
    return [c["field"] for c in response.json()["details"]["causes"]]


def test_kubernetes_service_has_the_first_address(api):
    kubernetes = api.get("/api/v1/namespaces/default/services/kubernetes").json()
    assert kubernetes["spec"]["clusterIP"] == "10.96.0.1"
    endpoints = api.get("/api/v1/namespaces/default/endpoints/kubernetes").json()
    assert endpoints["subsets"][0]["addresses"][0]["ip"] == "127.0.0.1"
    endpoint_slice = api.get("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes").json()
    assert endpoint_slice["metadata"]["labels"]["kubernetes.io/service-name"] == "kubernetes"
    assert endpoint_slice["endpoints"][0]["addresses"] == ["127.0.0.1"]
    assert endpoint_slice["ports"][0]["port"] == endpoints["subsets"][0]["ports"][0]["port"]


def test_cluster_ip_and_node_ports_are_assigned(api, namespace):
    path = f"/api/v1/namespaces/{namespace}/services"
    created = api.post(path, json=service("web", service_type="NodePort")).json()
    address = ipaddress.IPv4Address(created["spec"]["clusterIP"])
    assert address in SERVICE_RANGE and created["spec"]["clusterIPs"] == [str(address)]
    assert 30000 <= created["spec"]["ports"][0]["nodePort"] <= 32767
    headless = api.post(path, json=service("headless", clusterIP="None")).json()
    assert headless["spec"]["clusterIP"] == "None"
    external = api.post(path, json=service("ext", service_type="ExternalName", externalName="example.invalid")).json()
    assert "clusterIP" not in external["spec"]


def test_requested_values_taken_or_out_of_range_are_422(api, namespace):
    path = f"/api/v1/namespaces/{namespace}/services"
    address, node_port = _unused(api)
    assert api.post(path, json=service("a", clusterIP=address)).status_code == 201
    assert _causes(api.post(path, json=service("b", clusterIP=address))) == ["spec.clusterIPs"]
    assert _causes(api.post(path, json=service("c", clusterIP="192.0.2.1"))) == ["spec.clusterIPs"]
    fixed = [{"port": 80, "nodePort": node_port}]
    assert api.post(path, json=service("d", service_type="NodePort", ports=fixed)).status_code == 201
    assert _causes(api.post(path, json=service("e", service_type="NodePort", ports=fixed))) == [
        "spec.ports[0].nodePort"
    ]
    too_high = [{"port": 80, "nodePort": 40000}]
    assert _causes(api.post(path, json=service("f", service_type="NodePort", ports=too_high))) == [
        "spec.ports[0].nodePort"
    ]
    assert api.get(f"{path}/b").status_code == 404, "a refused create must not leave anything behind"


def test_delete_and_type_change_release_allocations(api, namespace):
    path = f"/api/v1/namespaces/{namespace}/services"
    address, node_port = _unused(api)
    fixed = [{"port": 80, "nodePort": node_port}]
    first = api.post(path, json=service("first", clusterIP=address, service_type="NodePort", ports=fixed))
    assert first.status_code == 201, first.text
    assert api.delete(f"{path}/first").status_code == 200
    again = api.post(path, json=service("second", clusterIP=address, service_type="NodePort", ports=fixed))
    assert again.status_code == 201, again.text
    to_cluster_ip = api.patch(f"{path}/second", json={"spec": {"type": "ClusterIP"}}, headers=MERGE)
    assert to_cluster_ip.status_code == 200, to_cluster_ip.text
    assert "nodePort" not in to_cluster_ip.json()["spec"]["ports"][0]
    assert to_cluster_ip.json()["spec"]["clusterIP"] == address, "the ClusterIP survives a type change"
    reuse = api.post(path, json=service("third", service_type="NodePort", ports=fixed))
    assert reuse.status_code == 201, reuse.text


def test_allocation_is_unique_under_50_concurrent_creates(apiserver, namespace):
    path = f"/api/v1/namespaces/{namespace}/services"

    async def create_all() -> list[dict]:
        async with async_api_http(
            base_url=apiserver.url, timeout=60, limits=httpx.Limits(max_connections=50)
        ) as client:
            responses = await asyncio.gather(
                *[client.post(path, json=service(f"s{i}", service_type="NodePort")) for i in range(50)]
            )
        assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
        return [r.json() for r in responses]

    created = asyncio.run(create_all())
    addresses = [s["spec"]["clusterIP"] for s in created]
    node_ports = [s["spec"]["ports"][0]["nodePort"] for s in created]
    assert len(set(addresses)) == 50 and len(set(node_ports)) == 50
