"""A real etcd, apiserver and kube-proxy per module, on a Service range only these tests use.

The range (10.99.0.0/24) differs from the default one, so a developer's cluster
on this machine (10.96.0.0/16) is never touched. kube-proxy installs the local
route itself; the fixture checks it is gone after a clean stop, and removes it
anyway if a failed test left it behind.
"""

from __future__ import annotations

import secrets
import subprocess

import httpx
import pytest

from tests.integration.kube_proxy.backends import Backend, UdpBackend, wait_until
from tests.integration.kube_proxy.proxy_process import KubeProxyProcess, local_route_exists
from tests.support.api_http import api_http
from tests.support.ports import free_port
from tests.support.processes import ApiServer, EtcdServer

SERVICE_CIDR = "10.99.0.0/24"
CLUSTER_DNS = "10.99.0.10"
ENDPOINTS_DEADLINE_SECONDS = 5.0
THIS_NODE = "proxy-node"  # kube-proxy's --hostname-override: endpoints with this nodeName are local


@pytest.fixture(scope="module")
def proxy_apiserver(tmp_path_factory):
    base = tmp_path_factory.mktemp("proxy-cluster")
    etcd = EtcdServer(base / "etcd").start()
    server = None
    try:
        server = ApiServer(etcd.url, base / "apiserver.log", extra_args=("--service-cluster-ip-range", SERVICE_CIDR))
        server.start()
        yield server
    finally:
        if server is not None:
            server.stop()
        etcd.stop()


def remove_route(cidr: str) -> None:
    subprocess.run(["ip", "route", "del", "local", cidr, "dev", "lo", "table", "local"], check=False, timeout=10)


@pytest.fixture(scope="module")
def kube_proxy(proxy_apiserver, tmp_path_factory):
    route_before = local_route_exists(SERVICE_CIDR)
    proxy = KubeProxyProcess(
        proxy_apiserver.url,
        tmp_path_factory.mktemp("kube-proxy") / "kube-proxy.log",
        service_cidr=SERVICE_CIDR,
        cluster_dns=CLUSTER_DNS,
        extra_args=("--hostname-override", THIS_NODE),
    )
    try:
        yield proxy.start()
    finally:
        proxy.stop()
        if not route_before and local_route_exists(SERVICE_CIDR):
            remove_route(SERVICE_CIDR)
            pytest.fail(f"kube-proxy left the route for {SERVICE_CIDR} behind after SIGTERM")


@pytest.fixture
def api(proxy_apiserver):
    with api_http(base_url=proxy_apiserver.url, timeout=30) as client:
        yield client


@pytest.fixture
def namespace(api):
    name = f"p-{secrets.token_hex(4)}"
    response = api.post("/api/v1/namespaces", json={"metadata": {"name": name}})
    assert response.status_code == 201, response.text
    return name


@pytest.fixture
def start_backends():
    """`start_backends("127.0.0.2", "127.0.0.3")` → Backends on those loopback addresses, one port."""
    started: list[Backend | UdpBackend] = []

    def start(*hosts: str, udp: bool = False) -> list:
        port = free_port()
        for host in hosts:
            started.append(UdpBackend(host, port) if udp else Backend(host, port).start())
        return started[-len(hosts) :]

    yield start
    for backend in started:
        backend.stop()


def service_body(name: str, *, ports: list[dict], type_: str = "ClusterIP", **spec) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"type": type_, "ports": ports, **spec},
    }


def create_service(api: httpx.Client, namespace: str, name: str, *, ports: list[dict], **kwargs) -> dict:
    response = api.post(f"/api/v1/namespaces/{namespace}/services", json=service_body(name, ports=ports, **kwargs))
    assert response.status_code == 201, response.text
    return response.json()


def put_endpoints(
    api: httpx.Client,
    namespace: str,
    name: str,
    *,
    addresses: list[str],
    ports: list[dict],
    nodes: dict[str, str] | None = None,
) -> dict:
    """Create or replace the Service's one EndpointSlice by hand (the Service has no selector), as
    a user or another controller would: kube-proxy reads slices labelled with the service name.
    `nodes` gives endpoints their nodeName (address → node)."""
    path = f"/apis/discovery.k8s.io/v1/namespaces/{namespace}/endpointslices/{name}-by-hand"
    body = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": f"{name}-by-hand",
            "namespace": namespace,
            "labels": {"kubernetes.io/service-name": name, "endpointslice.kubernetes.io/managed-by": "tests"},
        },
        "addressType": "IPv4",
        "endpoints": [
            {
                "addresses": [ip],
                "conditions": {"ready": True},
                **({"nodeName": nodes[ip]} if ip in (nodes or {}) else {}),
            }
            for ip in addresses
        ],
        "ports": ports,
    }
    current = api.get(path)
    if current.status_code == 200:
        body["metadata"]["resourceVersion"] = current.json()["metadata"]["resourceVersion"]
        response = api.put(path, json=body)
    else:
        response = api.post(f"/apis/discovery.k8s.io/v1/namespaces/{namespace}/endpointslices", json=body)
    assert response.status_code in (200, 201), response.text
    return response.json()


def wait_for_answer(ask, *, expected: set[str], timeout: float = ENDPOINTS_DEADLINE_SECONDS) -> None:
    """Ask until every name in `expected` has answered (the proxy has synced the change)."""
    seen: set[str] = set()

    def all_seen():
        try:
            seen.add(ask())
        except (OSError, AssertionError):
            pass
        return expected <= seen

    wait_until(all_seen, timeout=timeout, what=f"answers from {sorted(expected)}")
