"""Which ingress list a Service should have, as this node's ServiceLB sees it."""

from __future__ import annotations

from kube_proxy.load_balancer_status import wanted_ingress

NODE = "127.0.0.1"


def service(type_: str, *ingress: str) -> dict:
    status = {"loadBalancer": {"ingress": [{"ip": ip} for ip in ingress]}} if ingress else {}
    return {"spec": {"type": type_}, "status": status}


def test_load_balancer_without_our_address_gets_it_added_next_to_others():
    assert wanted_ingress(service("LoadBalancer"), node_address=NODE) == [{"ip": NODE}]
    assert wanted_ingress(service("LoadBalancer", "10.0.0.7"), node_address=NODE) == [{"ip": "10.0.0.7"}, {"ip": NODE}]


def test_nothing_to_do_when_listed_or_not_a_load_balancer():
    assert wanted_ingress(service("LoadBalancer", NODE), node_address=NODE) is None
    assert wanted_ingress(service("NodePort"), node_address=NODE) is None


def test_type_change_withdraws_only_our_address():
    assert wanted_ingress(service("ClusterIP", NODE, "10.0.0.7"), node_address=NODE) == [{"ip": "10.0.0.7"}]
    assert wanted_ingress(service("ClusterIP", NODE), node_address=NODE) == []
