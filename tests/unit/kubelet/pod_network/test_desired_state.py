"""Desired pod-network state from Nodes (host-gw, vxlan) and its diff against the kernel's."""

from __future__ import annotations

import ipaddress

from kubelet.pod_network.desired import (
    VTEP_MAC_ANNOTATION,
    VXLAN_DEVICE,
    FdbEntry,
    Neighbour,
    NetworkState,
    Route,
    desired_state,
    peers_of,
    vtep_mac,
)
from kubelet.pod_network.diffing import changes, device_action
from kubelet.pod_network.masquerade import rules


def node(name, cidr=None, ip=None, mac=None):
    obj = {"metadata": {"name": name, "annotations": {}}, "spec": {}, "status": {"addresses": []}}
    if cidr:
        obj["spec"] = {"podCIDR": cidr, "podCIDRs": [cidr]}
    if ip:
        obj["status"]["addresses"] = [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}]
    if mac:
        obj["metadata"]["annotations"][VTEP_MAC_ANNOTATION] = mac
    return obj


MAC_B, MAC_C = "0e:6b:0a:f4:02:00", "0e:6b:0a:f4:03:00"
NODES = [
    node("a", "10.244.1.0/24", "172.30.0.2", vtep_mac(ipaddress.ip_network("10.244.1.0/24"))),
    node("b", "10.244.2.0/24", "172.30.0.3", MAC_B),
    node("c", "10.244.3.0/24", "172.30.0.4", MAC_C),
    node("no-cidr", None, "172.30.0.5"),
    node("no-ip", "10.244.5.0/24"),
]


def test_vtep_mac_is_derived_from_the_cidr():
    assert vtep_mac(ipaddress.ip_network("10.244.2.0/24")) == MAC_B


def test_host_gw_routes_each_peer_cidr_via_its_internal_ip():
    state = desired_state(NODES, self_name="a", backend="host-gw")
    assert state == NetworkState(
        routes=frozenset({Route("10.244.2.0/24", "172.30.0.3"), Route("10.244.3.0/24", "172.30.0.4")})
    )


def test_vxlan_device_fdb_neighbours_and_onlink_routes():
    state = desired_state(NODES, self_name="a", backend="vxlan")
    assert state.device is not None
    assert (state.device.name, state.device.vni, state.device.port) == (VXLAN_DEVICE, 1, 8472)
    assert (state.device.local, state.device.address, state.device.mac) == (
        "172.30.0.2",
        "10.244.1.0",
        vtep_mac(ipaddress.ip_network("10.244.1.0/24")),
    )
    assert state.routes == {
        Route("10.244.2.0/24", "10.244.2.0", VXLAN_DEVICE, onlink=True),
        Route("10.244.3.0/24", "10.244.3.0", VXLAN_DEVICE, onlink=True),
    }
    assert state.neighbours == {Neighbour("10.244.2.0", MAC_B), Neighbour("10.244.3.0", MAC_C)}
    assert state.fdb == {FdbEntry(MAC_B, "172.30.0.3"), FdbEntry(MAC_C, "172.30.0.4")}


def test_vxlan_peer_without_published_mac_is_left_out_until_it_publishes():
    nodes = [*NODES[:2], node("c", "10.244.3.0/24", "172.30.0.4")]
    state = desired_state(nodes, self_name="a", backend="vxlan")
    assert {r.dst for r in state.routes} == {"10.244.2.0/24"}


def test_nothing_is_wanted_before_this_node_has_a_cidr_and_an_ip():
    assert desired_state(NODES, self_name="no-cidr", backend="vxlan") == NetworkState()
    assert desired_state(NODES, self_name="no-ip", backend="host-gw") == NetworkState()
    assert desired_state(NODES, self_name="a", backend="none") == NetworkState()


def test_peers_sharing_our_ip_or_overlapping_our_cidr_are_not_routed():
    nodes = [*NODES[:2], node("twin", "10.244.9.0/24", "172.30.0.2"), node("clash", "10.244.1.0/25", "172.30.0.9")]
    assert [p.name for p in peers_of(nodes, self_name="a")] == ["b"]


def test_diff_adds_missing_deletes_stale_and_replaces_in_place():
    desired = desired_state(NODES, self_name="a", backend="host-gw")
    installed = NetworkState(
        routes=frozenset({Route("10.244.2.0/24", "172.30.0.99"), Route("10.244.7.0/24", "172.30.0.7")})
    )
    todo = changes(desired, installed)
    assert todo.add_routes == [Route("10.244.2.0/24", "172.30.0.3"), Route("10.244.3.0/24", "172.30.0.4")]
    assert todo.delete_routes == [Route("10.244.7.0/24", "172.30.0.7")]  # 10.244.2.0/24 is replaced, not deleted
    assert not changes(desired, desired)


def test_diff_of_vxlan_entries_when_a_peer_leaves():
    before = desired_state(NODES, self_name="a", backend="vxlan")
    after = desired_state([n for n in NODES if n["metadata"]["name"] != "c"], self_name="a", backend="vxlan")
    todo = changes(after, before)
    assert todo.delete_routes == [Route("10.244.3.0/24", "10.244.3.0", VXLAN_DEVICE, onlink=True)]
    assert todo.delete_neighbours == [Neighbour("10.244.3.0", MAC_C)]
    assert todo.delete_fdb == [FdbEntry(MAC_C, "172.30.0.4")]
    assert not (todo.add_routes or todo.add_neighbours or todo.add_fdb)


def test_device_actions():
    device = desired_state(NODES, self_name="a", backend="vxlan").device
    assert device is not None
    assert device_action(device, None) == "create"
    assert device_action(device, device) is None
    assert device_action(device, device.__class__(**{**device.__dict__, "local": "172.30.0.99"})) == "recreate"
    assert device_action(None, device) == "delete"
    assert device_action(None, None) is None


def test_masquerade_rules_keep_cluster_traffic_and_nat_the_rest():
    text = rules("10.244.1.0/24", "10.244.0.0/16")
    assert "-A KUBEMINI-POD-NET -s 10.244.1.0/24 -d 10.244.0.0/16" in text and "-j RETURN" in text
    assert "-A KUBEMINI-POD-NET -s 10.244.1.0/24 ! -d 224.0.0.0/4" in text and "-j MASQUERADE" in text
    assert "-A KUBEMINI-POD-FWD -s 10.244.0.0/16" in text and "-A KUBEMINI-POD-FWD -d 10.244.0.0/16" in text


def test_loopback_internal_ips_are_never_routed():
    nodes = [*NODES[:2], node("local", "10.244.8.0/24", "127.0.0.1"), node("v6", "10.244.9.0/24", "fd00::9")]
    assert [p.name for p in peers_of(nodes, self_name="a")] == ["b"]
    assert desired_state(nodes, self_name="local", backend="host-gw") == NetworkState()
