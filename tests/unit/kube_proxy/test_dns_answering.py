"""DNS answers built from Services and EndpointSlices, bytes in and bytes out (no sockets)."""

from __future__ import annotations

import functools

import pytest
from dnslib import QTYPE, RCODE, DNSRecord

from kube_proxy.dns_answering import answer_query
from kube_proxy.dns_records import MISSING, resolve_name

SERVICES = {
    "shop/web": {"spec": {"clusterIP": "10.96.4.2", "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}},
    "shop/db": {"spec": {"clusterIP": "None", "ports": [{"name": "pg", "port": 5432}]}},
    "shop/ext": {"spec": {"type": "ExternalName", "externalName": "db.example.invalid."}},
}
SLICES = {
    "shop/db": [
        {
            "addressType": "IPv4",
            "endpoints": [
                {"addresses": ["10.244.0.7"], "hostname": "db-0", "conditions": {"ready": True}},
                {"addresses": ["10.244.0.3"], "conditions": {"ready": True}},
                {"addresses": ["10.244.0.9"], "conditions": {"ready": False}},
            ],
        }
    ]
}
resolve = functools.partial(resolve_name, services=SERVICES.get, slices=lambda key: SLICES.get(key, []))


def ask(name: str, qtype: str = "A", *, max_size: int | None = 512) -> tuple[DNSRecord, str]:
    query = DNSRecord.question(name, qtype)
    answer, rcode = answer_query(query.pack(), resolve=resolve, max_size=max_size)
    parsed = DNSRecord.parse(answer)
    assert parsed.header.id == query.header.id and parsed.header.qr == 1
    return parsed, rcode


def rdata(record: DNSRecord) -> list[str]:
    return [str(rr.rdata) for rr in record.rr]


def test_cluster_ip_service_answers_its_cluster_ip():
    answer, rcode = ask("web.shop.svc.cluster.local")

    assert rcode == "NOERROR" and rdata(answer) == ["10.96.4.2"]
    assert answer.rr[0].ttl == 5 and answer.header.aa == 1


def test_names_are_case_insensitive_and_may_end_with_a_dot():
    assert rdata(ask("WEB.Shop.svc.Cluster.Local.")[0]) == ["10.96.4.2"]


def test_headless_service_answers_ready_pod_ips_only():
    assert rdata(ask("db.shop.svc.cluster.local")[0]) == ["10.244.0.3", "10.244.0.7"]


def test_headless_endpoint_hostname_has_its_own_name():
    assert rdata(ask("db-0.db.shop.svc.cluster.local")[0]) == ["10.244.0.7"]
    assert ask("db-1.db.shop.svc.cluster.local")[1] == "NXDOMAIN"


def test_external_name_is_a_cname_and_never_chased():
    answer, _ = ask("ext.shop.svc.cluster.local")

    assert [(rr.rtype, str(rr.rdata)) for rr in answer.rr] == [(QTYPE.CNAME, "db.example.invalid.")]


def test_srv_names_the_service_and_port():
    answer, _ = ask("_http._tcp.web.shop.svc.cluster.local", "SRV")

    assert rdata(answer) == ["0 100 80 web.shop.svc.cluster.local."]
    assert ask("_http._udp.web.shop.svc.cluster.local", "SRV")[1] == "NXDOMAIN"


def test_pod_names_encode_their_ip():
    assert rdata(ask("10-244-0-7.shop.pod.cluster.local")[0]) == ["10.244.0.7"]
    assert ask("not-an-ip.shop.pod.cluster.local")[1] == "NXDOMAIN"


@pytest.mark.parametrize(
    "name",
    ["missing.shop.svc.cluster.local", "web.other.svc.cluster.local", "shop.svc.cluster.local", "x.cluster.local"],
)
def test_unknown_cluster_names_are_nxdomain_with_the_zone_soa(name):
    answer, rcode = ask(name)

    assert rcode == "NXDOMAIN" and answer.header.rcode == RCODE.NXDOMAIN
    assert [rr.rtype for rr in answer.auth] == [QTYPE.SOA]


def test_known_name_without_that_type_is_nodata_not_nxdomain():
    answer, rcode = ask("web.shop.svc.cluster.local", "AAAA")

    assert rcode == "NOERROR" and answer.rr == [] and [rr.rtype for rr in answer.auth] == [QTYPE.SOA]


@pytest.mark.parametrize("name", ["example.com", "cluster.local.example.com", "localhost"])
def test_names_outside_the_cluster_domain_do_not_exist_and_are_never_forwarded(name):
    answer, rcode = ask(name)

    assert rcode == "NXDOMAIN" and answer.rr == [] and not answer.header.aa


def test_oversized_udp_answer_is_truncated_with_the_question_kept():
    many = [
        {"addressType": "IPv4", "endpoints": [{"addresses": [f"10.244.{i // 250}.{i % 250 + 1}"]} for i in range(60)]}
    ]
    big = functools.partial(resolve_name, services=SERVICES.get, slices=lambda key: many)
    query = DNSRecord.question("db.shop.svc.cluster.local")

    udp, _ = answer_query(query.pack(), resolve=big, max_size=512)
    tcp, _ = answer_query(query.pack(), resolve=big, max_size=None)

    truncated = DNSRecord.parse(udp)
    assert len(udp) <= 512 and truncated.header.tc == 1 and truncated.rr == []
    assert str(truncated.q.qname) == "db.shop.svc.cluster.local."
    assert len(DNSRecord.parse(tcp).rr) == 60


def test_garbage_and_answers_get_no_reply():
    reply = DNSRecord.question("web.shop.svc.cluster.local").reply()

    assert answer_query(b"\x00\x01garbage", resolve=resolve) is None
    assert answer_query(reply.pack(), resolve=resolve) is None


def test_resolve_name_outside_domain_is_none_and_unknown_is_missing():
    assert resolve("example.com") is None
    assert resolve("nope.shop.svc.cluster.local") is MISSING
