"""The cluster DNS that kube-proxy serves on its ClusterIP, queried over UDP and TCP with dnslib.

Queries go only to the cluster DNS address, which the test first checks is
inside the locally routed Service range.
"""

from __future__ import annotations

import socket
import struct

from dnslib import QTYPE, RCODE, DNSRecord

from tests.integration.kube_proxy.backends import wait_until
from tests.integration.kube_proxy.conftest import CLUSTER_DNS, SERVICE_CIDR, create_service, put_endpoints
from tests.integration.kube_proxy.proxy_process import address_is_local, assert_local_route

QUERY_TIMEOUT_SECONDS = 2.0


def query_udp(name: str, qtype: str = "A") -> DNSRecord:
    assert address_is_local(CLUSTER_DNS)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(QUERY_TIMEOUT_SECONDS)
        sock.sendto(DNSRecord.question(name, qtype).pack(), (CLUSTER_DNS, 53))
        data, _ = sock.recvfrom(65535)
    return DNSRecord.parse(data)


def query_tcp(name: str, qtype: str = "A") -> DNSRecord:
    assert address_is_local(CLUSTER_DNS)
    payload = DNSRecord.question(name, qtype).pack()
    with socket.create_connection((CLUSTER_DNS, 53), timeout=QUERY_TIMEOUT_SECONDS) as sock:
        sock.sendall(struct.pack("!H", len(payload)) + payload)
        header = sock.recv(2, socket.MSG_WAITALL)
        (length,) = struct.unpack("!H", header)
        return DNSRecord.parse(sock.recv(length, socket.MSG_WAITALL))


def a_records(answer: DNSRecord) -> list[str]:
    return sorted(str(rr.rdata) for rr in answer.rr if rr.rtype == QTYPE.A)


def test_service_names_resolve_to_cluster_ip(api, namespace, kube_proxy):
    assert_local_route(SERVICE_CIDR)
    service = create_service(api, namespace, "web", ports=[{"name": "http", "port": 80}])
    name = f"web.{namespace}.svc.cluster.local"

    answer = wait_until(lambda: a_records(query_udp(name)), timeout=5, what=f"an A record for {name}")

    assert answer == [service["spec"]["clusterIP"]]
    assert a_records(query_tcp(name)) == [service["spec"]["clusterIP"]]
    aaaa = query_udp(name, "AAAA")
    assert aaaa.header.rcode == RCODE.NOERROR and not aaaa.rr  # known name, no IPv6: NODATA, not NXDOMAIN
    srv = query_udp(f"_http._tcp.web.{namespace}.svc.cluster.local", "SRV")
    assert [(rr.rdata.port, str(rr.rdata.target)) for rr in srv.rr] == [(80, f"{name}.")]


def test_headless_service_resolves_to_ready_endpoints(api, namespace, kube_proxy):
    create_service(api, namespace, "db", ports=[{"name": "pg", "port": 5432}], clusterIP="None")
    put_endpoints(api, namespace, "db", addresses=["127.0.0.12", "127.0.0.11"], ports=[{"name": "pg", "port": 5432}])
    name = f"db.{namespace}.svc.cluster.local"

    answer = wait_until(lambda: a_records(query_udp(name)), timeout=5, what=f"A records for headless {name}")

    assert answer == ["127.0.0.11", "127.0.0.12"]


def test_unknown_and_outside_names(kube_proxy, namespace):
    assert_local_route(SERVICE_CIDR)

    missing = query_udp(f"nothing.{namespace}.svc.cluster.local")
    outside = query_udp("example.com")

    assert missing.header.rcode == RCODE.NXDOMAIN
    assert outside.header.rcode == RCODE.NXDOMAIN and not outside.rr and not outside.header.aa


def test_dns_address_is_reserved_by_the_kube_dns_service(api, kube_proxy):
    def kube_dns_ip():
        response = api.get("/api/v1/namespaces/kube-system/services/kube-dns")
        return response.status_code == 200 and response.json()["spec"]["clusterIP"]

    assert wait_until(kube_dns_ip, timeout=5, what="the kube-dns Service") == CLUSTER_DNS
    taken = api.post(
        "/api/v1/namespaces/default/services",
        json={"metadata": {"name": "squatter"}, "spec": {"clusterIP": CLUSTER_DNS, "ports": [{"port": 53}]}},
    )
    assert taken.status_code == 422, taken.text
