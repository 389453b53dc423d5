"""Whether an existing Docker network fits the node's pod CIDR."""

from __future__ import annotations

from kubelet.runtime.docker_network import MASQUERADE_OPTION, MTU_OPTION, gateway_of, network_problem


def network(subnet, masquerade="false"):
    return {"IPAM": {"Config": [{"Subnet": subnet}] if subnet else []}, "Options": {MASQUERADE_OPTION: masquerade}}


def test_fitting_network_is_kept():
    assert network_problem(network("10.244.1.0/24"), "10.244.1.0/24") is None


def test_other_subnet_or_masquerading_is_a_problem():
    assert network_problem(network("172.18.0.0/16"), "10.244.1.0/24") == "subnet 172.18.0.0/16 instead of 10.244.1.0/24"
    assert network_problem(network(None), "10.244.1.0/24") == "subnet none instead of 10.244.1.0/24"
    assert network_problem(network("10.244.1.0/24", "true"), "10.244.1.0/24") == "Docker masquerading on"
    assert network_problem({"IPAM": {"Config": [{"Subnet": "10.244.1.0/24"}]}}, "10.244.1.0/24")


def test_gateway_is_the_first_address():
    assert gateway_of("10.244.7.0/24") == "10.244.7.1"


def test_mtu_must_match_when_asked_for():
    fitting = {**network("10.244.1.0/24"), "Options": {MASQUERADE_OPTION: "false", MTU_OPTION: "1450"}}
    assert network_problem(fitting, "10.244.1.0/24", mtu=1450) is None
    assert network_problem(network("10.244.1.0/24"), "10.244.1.0/24", mtu=1450) == "MTU default instead of 1450"
    assert network_problem(fitting, "10.244.1.0/24") == "MTU 1450 instead of default"
