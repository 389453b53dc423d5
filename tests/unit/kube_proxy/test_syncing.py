"""The proxier's diff: desired listeners from the caches against the installed ones.

Informer stores are filled by hand (nothing runs against an apiserver). Service
"ClusterIPs" here are loopback addresses, so no route is needed and nothing
leaves the machine; NodePorts are free loopback ports.
"""

from __future__ import annotations

import socket

import pytest

from kube_proxy.metrics import ProxyMetrics
from kube_proxy.service_ports import ListenerKey, ServicePortName
from kube_proxy.syncing import Proxier
from kubemini.api.registry import by_kind
from kubemini.client.informer import Informer
from tests.support.ports import free_port

NODE = "127.0.0.1"
CLUSTER_IP = "127.0.0.50"


def service(name: str, *, node_port: int | None = None, cluster_ip: str = CLUSTER_IP, port: int = 8080) -> dict:
    spec = {"type": "NodePort" if node_port else "ClusterIP", "clusterIP": cluster_ip}
    spec["ports"] = [
        {"name": "http", "port": port, "protocol": "TCP", **({"nodePort": node_port} if node_port else {})}
    ]
    return {"metadata": {"name": name, "namespace": "ns", "resourceVersion": "1", "uid": name}, "spec": spec}


def endpoints(name: str, *ips: str) -> dict:
    """The Service's one EndpointSlice, its endpoints ready."""
    meta = {"name": f"{name}-abcde", "namespace": "ns", "resourceVersion": "1", "uid": name,
            "labels": {"kubernetes.io/service-name": name}}  # fmt: skip
    endpoints = [{"addresses": [ip], "conditions": {"ready": True}} for ip in ips]
    return {"metadata": meta, "addressType": "IPv4", "endpoints": endpoints, "ports": [{"name": "http", "port": 9000}]}


def accepts(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


@pytest.fixture
def proxier():
    services = Informer(None, by_kind("Service"))  # type: ignore[arg-type]
    endpoint_cache = Informer(None, by_kind("EndpointSlice"))  # type: ignore[arg-type]
    built = Proxier(services=services, slices=endpoint_cache, node_address=NODE, metrics=ProxyMetrics())
    yield built
    built.close()


async def test_sync_installs_then_moves_then_removes_listeners(proxier):
    first, second = free_port(), free_port()
    proxier.services.store.put(service("web", node_port=first))
    proxier.slices.store.put(endpoints("web", "127.0.0.2", "127.0.0.3"))

    await proxier.sync()
    assert set(proxier.installed) == {ListenerKey(CLUSTER_IP, 8080, "TCP"), ListenerKey(NODE, first, "TCP")}
    assert accepts(NODE, first) and accepts(CLUSTER_IP, 8080)
    proxy = proxier.proxies[ServicePortName("ns", "web", "http")]
    assert [str(e) for e in proxy.balancer.endpoints] == ["127.0.0.2:9000", "127.0.0.3:9000"]

    proxier.services.store.put(service("web", node_port=second))
    await proxier.sync()
    assert set(proxier.installed) == {ListenerKey(CLUSTER_IP, 8080, "TCP"), ListenerKey(NODE, second, "TCP")}
    assert not accepts(NODE, first) and accepts(NODE, second)
    assert proxier.proxies[ServicePortName("ns", "web", "http")] is proxy  # same balancer, same counters

    proxier.services.store.remove("ns/web")
    await proxier.sync()
    assert proxier.installed == {} and proxier.proxies == {}
    assert not accepts(NODE, second) and not accepts(CLUSTER_IP, 8080)


async def test_endpoint_changes_reach_the_balancer_without_touching_listeners(proxier):
    proxier.services.store.put(service("web"))
    await proxier.sync()
    installed = dict(proxier.installed)

    proxier.slices.store.put(endpoints("web", "127.0.0.4"))
    await proxier.sync()

    assert proxier.installed == installed
    assert [str(e) for e in proxier.proxies[ServicePortName("ns", "web", "http")].balancer.endpoints] == [
        "127.0.0.4:9000"
    ]


async def test_a_port_taken_by_someone_else_is_retried_until_free(proxier):
    taken = socket.socket()
    taken.bind((NODE, 0))
    taken.listen()
    port = taken.getsockname()[1]
    proxier.services.store.put(service("web", node_port=port))

    await proxier.sync()
    assert ListenerKey(NODE, port, "TCP") in proxier.failed
    assert ListenerKey(CLUSTER_IP, 8080, "TCP") in proxier.installed

    taken.close()
    await proxier.sync()
    assert proxier.failed == {} and ListenerKey(NODE, port, "TCP") in proxier.installed


async def test_reserved_listeners_are_left_to_their_owner():
    services = Informer(None, by_kind("Service"))  # type: ignore[arg-type]
    endpoint_cache = Informer(None, by_kind("EndpointSlice"))  # type: ignore[arg-type]
    proxier = Proxier(
        services=services,
        slices=endpoint_cache,
        node_address=NODE,
        metrics=ProxyMetrics(),
        reserved=[ListenerKey(CLUSTER_IP, 8080, "TCP")],
    )
    services.store.put(service("dns"))
    try:
        await proxier.sync()
        assert proxier.installed == {} and proxier.failed == {}
    finally:
        proxier.close()
