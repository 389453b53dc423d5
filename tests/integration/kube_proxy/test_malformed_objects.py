"""kube-proxy meets stored Services and Endpoints it cannot interpret, and goes on routing the others.

Malformed objects are written straight into etcd (the API server would refuse them)
before and after kube-proxy starts; a valid Service created afterwards answers.
"""

from __future__ import annotations

import asyncio

from tests.integration.kube_proxy.backends import http_get
from tests.integration.kube_proxy.conftest import SERVICE_CIDR, create_service, put_endpoints, wait_for_answer
from tests.integration.kube_proxy.proxy_process import assert_local_route
from tests.support.raw_etcd import put_raw

NODE = "127.0.0.1"
BAD_SERVICES = {
    "ports-string": {"spec": {"ports": "x", "clusterIP": "10.99.0.50", "type": "NodePort"}},
    "spec-string": {"spec": "x"},
    "port-name-for-number": {"spec": {"ports": [{"port": "http", "nodePort": "x"}], "type": "NodePort"}},
    "selector-list": {"spec": {"ports": [{"port": 81}], "selector": ["a"], "clusterIP": "10.99.0.51"}},
}
BAD_SLICES = {  # each labelled as a Service's slice, so kube-proxy reads it
    "ports-string": {"addressType": "IPv4", "endpoints": [{"addresses": ["10.1.0.1"]}], "ports": "x"},
    "addresses-string": {"addressType": "IPv4", "endpoints": [{"addresses": "x"}], "ports": [{"port": 80}]},
    "selector-list": {"addressType": "IPv4", "endpoints": [{"addresses": [7], "conditions": "x"}],
                      "ports": [{"port": "x"}]},
}  # fmt: skip


async def _plant(etcd_url: str, namespace: str) -> None:
    for name, body in BAD_SERVICES.items():
        service = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": namespace, "uid": name},
        }
        await put_raw(etcd_url, f"/registry/services/{namespace}/{name}", {**service, **body})
    for name, body in BAD_SLICES.items():
        meta = {"name": name, "namespace": namespace, "labels": {"kubernetes.io/service-name": name}}
        endpoint_slice = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": meta}
        await put_raw(etcd_url, f"/registry/endpointslices/{namespace}/{name}", {**endpoint_slice, **body})
    await put_raw(etcd_url, f"/registry/services/{namespace}/not-json", b"\x00\x01")


def test_kube_proxy_routes_valid_services_next_to_malformed_ones(
    proxy_apiserver, api, namespace, kube_proxy, start_backends
):
    assert_local_route(SERVICE_CIDR)  # the planted ClusterIPs are in the range routed local
    asyncio.run(_plant(proxy_apiserver.etcd_url, namespace))
    backends = start_backends("127.0.0.2", "127.0.0.3")
    service = create_service(api, namespace, "web", type_="NodePort", ports=[{"name": "http", "port": 80}])
    node_port = service["spec"]["ports"][0]["nodePort"]
    ports = [{"name": "http", "port": backends[0].port, "protocol": "TCP"}]
    put_endpoints(api, namespace, "web", addresses=[b.host for b in backends], ports=ports)
    wait_for_answer(lambda: http_get(NODE, node_port), expected={b.name for b in backends})
    asyncio.run(_plant(proxy_apiserver.etcd_url, namespace))  # malformed changes while it runs, too
    put_endpoints(api, namespace, "web", addresses=[backends[0].host], ports=ports)
    wait_for_answer(lambda: http_get(NODE, node_port), expected={backends[0].name})
    assert kube_proxy.process.poll() is None, "kube-proxy must not crash on malformed objects"
