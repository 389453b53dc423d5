"""Node pod CIDRs: normalisation of podCIDR/podCIDRs, validation, immutability, address arithmetic."""

from __future__ import annotations

import ipaddress

from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds.core.nodes import NodeStrategy
from kubemini.api.pod_cidrs import (
    gateway_address,
    internal_ip,
    ipv4_pod_cidr,
    normalize_pod_cidrs,
    pod_cidr_update_problem,
    vtep_address,
)

MESSAGE = 'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid'


def node(**spec):
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}, "spec": spec}


def normalized(**spec):
    obj = node(**spec)
    normalize_pod_cidrs(obj)
    return obj


def messages(new, old=None):
    errors = FieldErrors()
    strategy = NodeStrategy()
    strategy.default(new)
    strategy.validate(new, errors)
    if old is not None:
        strategy.validate_update(new, old, errors)
    return [e.message for e in errors.errors]


def test_either_field_fills_the_other():
    assert normalized(podCIDR="10.244.1.0/24")["spec"]["podCIDRs"] == ["10.244.1.0/24"]
    assert normalized(podCIDRs=["10.244.1.0/24"])["spec"]["podCIDR"] == "10.244.1.0/24"
    assert normalized()["spec"] == {}


def test_setting_a_cidr_once_is_allowed():
    assert messages(node(podCIDR="10.244.1.0/24"), node()) == []
    assert messages(node(podCIDRs=["10.244.1.0/24"]), normalized()) == []


def test_changing_a_set_cidr_is_forbidden_with_upstreams_message():
    old = normalized(podCIDR="10.244.1.0/24")
    assert MESSAGE in messages(node(podCIDR="10.244.2.0/24", podCIDRs=["10.244.2.0/24"]), old)
    assert MESSAGE in messages(node(), old)
    assert MESSAGE in messages(node(podCIDRs=["10.244.1.0/24", "fd00::/64"]), old)


def test_keeping_the_cidr_is_allowed():
    old = normalized(podCIDR="10.244.1.0/24")
    assert messages(normalized(podCIDR="10.244.1.0/24", unschedulable=True), old) == []
    assert pod_cidr_update_problem(old, old) is None


def test_invalid_cidrs_are_refused():
    assert messages(node(podCIDR="10.244.1.1/24")) == [
        'spec.podCIDRs[0]: Invalid value: "10.244.1.1/24": must be a valid CIDR value, '
        "(e.g. 10.9.8.0/24 or 2001:db8::/64)"
    ]
    assert messages(node(podCIDRs=["10.244.1.0/24", "10.244.2.0/24"])) == [
        'spec.podCIDRs: Invalid value: ["10.244.1.0/24","10.244.2.0/24"]: '
        "may specify no more than one CIDR for each IP family"
    ]
    assert messages(node(podCIDRs=["10.244.1.0/24", "fd00::/64"])) == []


def test_podcidr_must_match_the_first_entry():
    assert messages(node(podCIDR="10.244.9.0/24", podCIDRs=["10.244.1.0/24"])) == [
        'spec.podCIDR: Invalid value: "10.244.9.0/24": must match spec.podCIDRs[0]'
    ]


def test_addresses():
    cidr = ipaddress.ip_network("10.244.3.0/24")
    assert gateway_address(cidr) == "10.244.3.1"
    assert vtep_address(cidr) == "10.244.3.0"
    n = node(podCIDRs=["fd00::/64", "10.244.3.0/24"])
    n["status"] = {"addresses": [{"type": "Hostname", "address": "n"}, {"type": "InternalIP", "address": "172.18.0.3"}]}
    assert ipv4_pod_cidr(n) == cidr
    assert internal_ip(n) == "172.18.0.3"
    assert internal_ip(node()) is None
