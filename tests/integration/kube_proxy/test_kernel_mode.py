"""kube-proxy `--proxy-mode=iptables` against a real apiserver: DNAT rules in the nat table carry
ClusterIP and NodePort traffic to loopback backends, follow endpoint changes, touch only their own
chains and are gone after SIGTERM (or `--cleanup` after a kill -9)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from kube_proxy.kernel.programming import ROUTE_LOCALNET
from kube_proxy.kernel.ruleset import Chains
from tests.integration.kube_proxy.backends import http_get, wait_until
from tests.integration.kube_proxy.conftest import SERVICE_CIDR, create_service, put_endpoints, wait_for_answer
from tests.integration.kube_proxy.proxy_process import (
    REPO_ROOT,
    KubeProxyProcess,
    assert_local_route,
    local_route_exists,
)

CHAINS = Chains.for_range(SERVICE_CIDR)


def nat_table() -> str:
    return subprocess.run(["iptables-save", "-t", "nat"], capture_output=True, text=True, check=True, timeout=30).stdout


def our_lines(table: str) -> list[str]:
    return [line for line in table.splitlines() if CHAINS.prefix in line]


@pytest.fixture
def localnet_before():
    """route_localnet as the machine had it, put back whatever happens (0 on a stock host)."""
    before = ROUTE_LOCALNET.read_text().strip()
    yield before
    ROUTE_LOCALNET.write_text(before)


@pytest.fixture
def kernel_proxy(proxy_apiserver, tmp_path: Path, localnet_before):
    proxy = KubeProxyProcess(proxy_apiserver.url, tmp_path / "kube-proxy.log", service_cidr=SERVICE_CIDR,
                             extra_args=("--proxy-mode", "iptables"))  # fmt: skip
    try:
        yield proxy.start()
    finally:
        proxy.stop()
        cleanup = [sys.executable, "-m", "kube_proxy", "--cleanup", "--service-cluster-ip-range", SERVICE_CIDR]
        subprocess.run(cleanup, cwd=REPO_ROOT, timeout=60, check=False, capture_output=True)


def test_kernel_rules_carry_traffic_follow_endpoints_and_leave_nothing_behind(
    api, namespace, kernel_proxy, start_backends, localnet_before
):
    assert_local_route(SERVICE_CIDR)  # ClusterIP traffic below stays on this machine
    backends = start_backends("127.0.0.2", "127.0.0.3")
    service = create_service(api, namespace, "web", type_="NodePort", ports=[{"name": "http", "port": 80}])
    cluster_ip, node_port = service["spec"]["clusterIP"], service["spec"]["ports"][0]["nodePort"]
    ports = [{"name": "http", "port": backends[0].port, "protocol": "TCP"}]
    put_endpoints(api, namespace, "web", addresses=[b.host for b in backends], ports=ports)
    names = {b.name for b in backends}
    wait_for_answer(lambda: http_get(cluster_ip, 80), expected=names)
    wait_for_answer(lambda: http_get("127.0.0.1", node_port), expected=names)
    table = nat_table()
    assert f"-A OUTPUT -j {CHAINS.services}" in table and f"-A PREROUTING -j {CHAINS.services}" in table
    dnats = sorted(line.split("--to-destination ")[1] for line in our_lines(table) if "DNAT" in line)
    apiserver = kernel_proxy.server_url.removeprefix("https://")  # the `kubernetes` Service's endpoint
    assert dnats == sorted([apiserver, *(f"{b.host}:{b.port}" for b in backends)])
    assert ROUTE_LOCALNET.read_text().strip() == "1", "NodePorts on 127.0.0.1 need route_localnet"
    # No userspace listener: the port is carried by the kernel alone.
    assert not any(f":{node_port} " in line for line in _listening_sockets())

    put_endpoints(api, namespace, "web", addresses=[backends[0].host], ports=ports)
    gone = f"{backends[1].host}:{backends[1].port}"
    wait_until(
        lambda: not any(gone in line for line in our_lines(nat_table())), what=f"the DNAT to {gone} removed", timeout=10
    )
    assert {http_get(cluster_ip, 80) for _ in range(10)} == {backends[0].name}

    assert kernel_proxy.stop() == 0
    assert our_lines(nat_table()) == [], "SIGTERM removes every rule and chain"
    assert not local_route_exists(SERVICE_CIDR)
    assert ROUTE_LOCALNET.read_text().strip() == localnet_before, "route_localnet put back as it was"


def test_cleanup_removes_what_a_killed_kube_proxy_left(api, namespace, kernel_proxy, start_backends):
    assert_local_route(SERVICE_CIDR)  # ClusterIP traffic below stays on this machine
    backends = start_backends("127.0.0.4")
    service = create_service(api, namespace, "left", ports=[{"name": "http", "port": 80}])
    put_endpoints(api, namespace, "left", addresses=[backends[0].host],
                  ports=[{"name": "http", "port": backends[0].port, "protocol": "TCP"}])  # fmt: skip
    wait_for_answer(lambda: http_get(service["spec"]["clusterIP"], 80), expected={backends[0].name})
    kernel_proxy.process.kill()
    kernel_proxy.process.wait()
    assert our_lines(nat_table()), "a killed kube-proxy leaves its rules"
    cleanup = [sys.executable, "-m", "kube_proxy", "--cleanup", "--service-cluster-ip-range", SERVICE_CIDR]
    subprocess.run(cleanup, cwd=REPO_ROOT, timeout=60, check=True, capture_output=True)
    assert our_lines(nat_table()) == [] and not local_route_exists(SERVICE_CIDR)


def _listening_sockets() -> list[str]:
    return subprocess.run(["ss", "-ltnH"], capture_output=True, text=True, timeout=10).stdout.splitlines()


def test_a_udp_clients_flow_moves_off_an_endpoint_that_went_away(api, namespace, kernel_proxy, start_backends):
    assert_local_route(SERVICE_CIDR)  # ClusterIP traffic below stays on this machine
    backends = start_backends("127.0.0.5", "127.0.0.6", udp=True)
    service = create_service(api, namespace, "dns-like", ports=[{"name": "dns", "port": 53, "protocol": "UDP"}])
    cluster_ip = service["spec"]["clusterIP"]
    ports = [{"name": "dns", "port": backends[0].port, "protocol": "UDP"}]
    put_endpoints(api, namespace, "dns-like", addresses=[b.host for b in backends], ports=ports)
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # one source port: one conntrack flow
    client.settimeout(0.5)
    client.bind(("127.0.0.1", 0))

    def ask() -> str:
        client.sendto(b"ping", (cluster_ip, 53))
        return client.recv(1024).decode().split()[0]

    first = wait_until(lambda: _answer(ask), what="an answer through the ClusterIP", timeout=10)
    assert {_answer(ask) for _ in range(5)} == {first}, "one flow, one endpoint"
    remaining = next(b for b in backends if b.host != first)
    put_endpoints(api, namespace, "dns-like", addresses=[remaining.host], ports=ports)
    # The removed backend still listens: only deleting the flow moves the client off it.
    wait_until(lambda: _answer(ask) == remaining.host, what=f"the flow moved to {remaining.host}", timeout=10)
    client.close()


def _answer(ask) -> str | None:
    try:
        return ask()
    except OSError:
        return None
