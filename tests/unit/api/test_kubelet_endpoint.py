"""Which kubelet addresses the apiserver and metrics-server dial: a node's plain IP, never a name."""

from __future__ import annotations

import pytest

from kubemini.api.kubelet_endpoint import NoKubeletEndpoint, kubelet_endpoint


def node(address: str, port: int | None = 10250) -> dict:
    status = {"addresses": [{"type": "InternalIP", "address": address}]}
    if port:
        status["daemonEndpoints"] = {"kubeletEndpoint": {"Port": port}}
    return {"metadata": {"name": "n1"}, "status": status}


@pytest.mark.parametrize("address", ["127.0.0.1", "172.20.0.3", "10.0.0.5"])
def test_a_node_address_is_dialled(address):
    assert kubelet_endpoint(node(address)) == (address, 10250)


@pytest.mark.parametrize("address", ["0.0.0.0", "224.0.0.1", "kubelet.example", ""])
def test_names_unspecified_and_multicast_addresses_are_refused(address):
    with pytest.raises(NoKubeletEndpoint, match="node n1 advertises no kubelet endpoint"):
        kubelet_endpoint(node(address))


def test_a_node_without_a_port_is_refused():
    with pytest.raises(NoKubeletEndpoint):
        kubelet_endpoint(node("127.0.0.1", port=None))
