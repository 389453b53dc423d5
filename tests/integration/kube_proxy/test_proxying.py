"""Traffic through a real kube-proxy to loopback backends named by hand-written Endpoints.

No Docker and no controllers: each Service here has no selector, so the test
owns its Endpoints and can change them at will. Every request goes to 127.0.0.0/8
or to a ClusterIP, and a test that uses a ClusterIP first asserts the local route.
"""

from __future__ import annotations

import socket
import time
from collections import Counter

import pytest

from tests.integration.kube_proxy.backends import LineClient, http_get, udp_ask, wait_until
from tests.integration.kube_proxy.conftest import SERVICE_CIDR, create_service, put_endpoints, wait_for_answer
from tests.integration.kube_proxy.proxy_process import address_is_local, assert_local_route

NODE = "127.0.0.1"
DRAIN_DEADLINE_SECONDS = 2.0


def http_port(backend_port: int) -> list[dict]:
    return [{"name": "http", "port": backend_port, "protocol": "TCP"}]


def test_node_port_round_robin_reaches_every_endpoint(api, namespace, kube_proxy, start_backends):
    backends = start_backends("127.0.0.2", "127.0.0.3", "127.0.0.4")
    service = create_service(api, namespace, "web", type_="NodePort", ports=[{"name": "http", "port": 80}])
    node_port = service["spec"]["ports"][0]["nodePort"]
    put_endpoints(api, namespace, "web", addresses=[b.host for b in backends], ports=http_port(backends[0].port))
    wait_for_answer(lambda: http_get(NODE, node_port), expected={b.name for b in backends})

    counts = Counter(http_get(NODE, node_port) for _ in range(30))

    assert counts == {"127.0.0.2": 10, "127.0.0.3": 10, "127.0.0.4": 10}, counts


def test_cluster_ip_round_robin_reaches_every_endpoint(api, namespace, kube_proxy, start_backends):
    assert_local_route(SERVICE_CIDR)
    backends = start_backends("127.0.0.2", "127.0.0.3")
    service = create_service(api, namespace, "web", ports=[{"name": "http", "port": 8080}])
    cluster_ip = service["spec"]["clusterIP"]
    assert address_is_local(cluster_ip), f"{cluster_ip} is not routed locally"
    put_endpoints(api, namespace, "web", addresses=[b.host for b in backends], ports=http_port(backends[0].port))
    wait_for_answer(lambda: http_get(cluster_ip, 8080), expected={b.name for b in backends})

    counts = Counter(http_get(cluster_ip, 8080) for _ in range(20))

    assert counts == {"127.0.0.2": 10, "127.0.0.3": 10}, counts


def test_removed_endpoint_gets_no_new_connections_but_open_ones_drain(api, namespace, kube_proxy, start_backends):
    backends = start_backends("127.0.0.2", "127.0.0.3")
    service = create_service(api, namespace, "chat", type_="NodePort", ports=[{"name": "line", "port": 7000}])
    node_port = service["spec"]["ports"][0]["nodePort"]
    ports = [{"name": "line", "port": backends[0].port, "protocol": "TCP"}]
    put_endpoints(api, namespace, "chat", addresses=["127.0.0.2", "127.0.0.3"], ports=ports)
    wait_for_answer(lambda: http_get(NODE, node_port), expected={"127.0.0.2", "127.0.0.3"})
    held = LineClient(NODE, node_port)
    try:
        held_backend = held.ask("hello").split()[0]
        remaining = ({"127.0.0.2", "127.0.0.3"} - {held_backend}).pop()

        put_endpoints(api, namespace, "chat", addresses=[remaining], ports=ports)
        changed_at = time.monotonic()
        wait_until(
            lambda: all(http_get(NODE, node_port) == remaining for _ in range(4)),
            timeout=DRAIN_DEADLINE_SECONDS,
            what=f"new connections to stop reaching {held_backend}",
        )
        assert time.monotonic() - changed_at < DRAIN_DEADLINE_SECONDS
        after = Counter(http_get(NODE, node_port) for _ in range(20))

        assert after == {remaining: 20}, after
        assert held.ask("still there?") == f"{held_backend} still there?"
    finally:
        held.close()


def test_refusing_endpoint_is_skipped(api, namespace, kube_proxy, start_backends):
    backends = start_backends("127.0.0.2", "127.0.0.3")
    service = create_service(api, namespace, "web", type_="NodePort", ports=[{"name": "http", "port": 80}])
    node_port = service["spec"]["ports"][0]["nodePort"]
    # 127.0.0.9 has nothing listening on the port: every connect there is refused.
    addresses = ["127.0.0.2", "127.0.0.3", "127.0.0.9"]
    put_endpoints(api, namespace, "web", addresses=addresses, ports=http_port(backends[0].port))
    wait_for_answer(lambda: http_get(NODE, node_port), expected={"127.0.0.2", "127.0.0.3"})

    counts = Counter(http_get(NODE, node_port) for _ in range(30))

    assert sum(counts.values()) == 30 and set(counts) == {"127.0.0.2", "127.0.0.3"}, counts
    assert min(counts.values()) >= 10, counts
    assert f'kubeproxy_errors_total{{port="http",protocol="TCP",reason="dial_failed",service="{namespace}/web"}}' in (
        kube_proxy.metrics()
    )


def test_service_without_endpoints_resets_at_once(api, namespace, kube_proxy):
    service = create_service(api, namespace, "empty", type_="NodePort", ports=[{"name": "http", "port": 80}])
    node_port = service["spec"]["ports"][0]["nodePort"]
    put_endpoints(api, namespace, "empty", addresses=[], ports=[])

    def refused() -> bool:
        started = time.monotonic()
        try:
            http_get(NODE, node_port, timeout=2)
        except (TimeoutError, ConnectionError, AssertionError):
            return time.monotonic() - started < 1.0
        return False

    wait_until(refused, timeout=5, what="a quick refusal or reset from a Service with no endpoints")


def test_client_ip_affinity_sticks(api, namespace, kube_proxy, start_backends):
    backends = start_backends("127.0.0.2", "127.0.0.3", "127.0.0.4")
    service = create_service(
        api,
        namespace,
        "sticky",
        type_="NodePort",
        ports=[{"name": "http", "port": 80}],
        sessionAffinity="ClientIP",
        sessionAffinityConfig={"clientIP": {"timeoutSeconds": 60}},
    )
    node_port = service["spec"]["ports"][0]["nodePort"]
    put_endpoints(api, namespace, "sticky", addresses=[b.host for b in backends], ports=http_port(backends[0].port))
    wait_until(lambda: _answers(node_port, "127.0.0.20"), timeout=5, what="the sticky service to answer")

    per_client = {}
    for client in ("127.0.0.21", "127.0.0.22", "127.0.0.23", "127.0.0.24"):
        answers = Counter(http_get(NODE, node_port, source=client) for _ in range(8))
        assert len(answers) == 1, f"{client} was spread over {answers}"
        per_client[client] = next(iter(answers))

    assert len(set(per_client.values())) >= 2, f"every client got the same backend: {per_client}"


def _answers(node_port: int, source: str) -> bool:
    try:
        return bool(http_get(NODE, node_port, source=source))
    except (OSError, AssertionError):
        return False


def test_udp_round_robin_through_cluster_ip_and_node_port(api, namespace, kube_proxy, start_backends):
    assert_local_route(SERVICE_CIDR)
    backends = start_backends("127.0.0.2", "127.0.0.3", udp=True)
    service = create_service(
        api, namespace, "echo", type_="NodePort", ports=[{"name": "echo", "port": 5353, "protocol": "UDP"}]
    )
    cluster_ip, node_port = service["spec"]["clusterIP"], service["spec"]["ports"][0]["nodePort"]
    ports = [{"name": "echo", "port": backends[0].port, "protocol": "UDP"}]
    put_endpoints(api, namespace, "echo", addresses=["127.0.0.2", "127.0.0.3"], ports=ports)

    def ask(host: str, port: int, *, timeout: float = 2.0) -> str:
        try:
            return udp_ask(host, port, b"ping", timeout=timeout)
        except OSError:
            return ""

    wait_until(lambda: ask(cluster_ip, 5353, timeout=0.5), timeout=5, what="a UDP answer through the ClusterIP")
    # Each ask comes from a fresh client socket: a new session, so round-robin moves on.
    via_cluster_ip = Counter(ask(cluster_ip, 5353) for _ in range(10))
    via_node_port = Counter(ask(NODE, node_port) for _ in range(10))

    assert via_cluster_ip == {"127.0.0.2 ping": 5, "127.0.0.3 ping": 5}, via_cluster_ip
    assert via_node_port == {"127.0.0.2 ping": 5, "127.0.0.3 ping": 5}, via_node_port


def test_deleted_service_stops_listening(api, namespace, kube_proxy, start_backends):
    backends = start_backends("127.0.0.2")
    service = create_service(api, namespace, "gone", type_="NodePort", ports=[{"name": "http", "port": 80}])
    node_port = service["spec"]["ports"][0]["nodePort"]
    put_endpoints(api, namespace, "gone", addresses=["127.0.0.2"], ports=http_port(backends[0].port))
    wait_for_answer(lambda: http_get(NODE, node_port), expected={"127.0.0.2"})

    assert api.delete(f"/api/v1/namespaces/{namespace}/services/gone").status_code == 200

    def refused() -> bool:
        with socket.socket() as sock:
            sock.settimeout(1)
            return sock.connect_ex((NODE, node_port)) != 0

    wait_until(refused, timeout=DRAIN_DEADLINE_SECONDS, what=f"the NodePort {node_port} to close")


def test_load_balancer_gets_node_address_as_ingress(api, namespace, kube_proxy, start_backends):
    backends = start_backends("127.0.0.2")
    service = create_service(api, namespace, "lb", type_="LoadBalancer", ports=[{"name": "http", "port": 80}])
    node_port = service["spec"]["ports"][0]["nodePort"]
    put_endpoints(api, namespace, "lb", addresses=["127.0.0.2"], ports=http_port(backends[0].port))

    def ingress():
        status = api.get(f"/api/v1/namespaces/{namespace}/services/lb").json().get("status") or {}
        return (status.get("loadBalancer") or {}).get("ingress")

    assert [entry["ip"] for entry in wait_until(ingress, timeout=5, what="status.loadBalancer.ingress")] == [NODE]
    wait_for_answer(lambda: http_get(NODE, node_port), expected={"127.0.0.2"})

    patch = {"spec": {"type": "ClusterIP"}}
    response = api.patch(
        f"/api/v1/namespaces/{namespace}/services/lb",
        json=patch,
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 200, response.text
    wait_until(lambda: not ingress(), timeout=5, what="the ingress to be withdrawn after the type change")


@pytest.mark.parametrize("path", ["/healthz", "/metrics"])
def test_health_and_metrics_endpoints(kube_proxy, path):
    import httpx

    response = httpx.get(f"{kube_proxy.health_url}{path}", timeout=5)

    assert response.status_code == 200
    if path == "/metrics":
        assert "kubeproxy_sync_proxy_rules_duration_seconds" in response.text
