"""The pod-network agent's kernel side, really programmed, in namespaces the tests make.

Two node namespaces on a veth "LAN", a pod namespace behind each; the desired state comes from
Node objects as the agent computes it, `IpRoute(netns=...)` applies it, and pods ping each other
across the nodes: over plain routes (host-gw) and through VXLAN.
"""

from __future__ import annotations

import ipaddress
import json

from kubelet.pod_network.desired import VXLAN_DEVICE, Route, desired_state, vtep_mac
from kubelet.pod_network.iproute import IpRoute
from kubelet.pod_network.masquerade import Masquerade
from tests.support.netns import ping, run, wait_for_ping


def program(topology, backend: str, nodes: list[dict]) -> dict[str, IpRoute]:
    kernels = {}
    for node in topology.nodes:
        kernel = kernels[node.name] = IpRoute(netns=node.netns)
        assert kernel.apply(desired_state(nodes, self_name=node.name, backend=backend)) == []
    return kernels


def mac_of(node) -> str:
    return vtep_mac(ipaddress.ip_network(node.pod_cidr))


def test_without_routes_the_pods_cannot_reach_each_other(topology):
    a, b = topology.nodes
    assert not ping(a.pod_netns, b.pod_ip)


def test_host_gw_routes_carry_pod_traffic_and_go_when_the_peer_leaves(topology):
    a, b = topology.nodes
    nodes = [a.node_object(), b.node_object()]
    kernels = program(topology, "host-gw", nodes)
    assert kernels[a.name].read_routes() == {Route(b.pod_cidr, b.ip)}
    routes = run("ip", "-n", a.netns, "-j", "route", "show", "proto", "77").stdout
    assert b.pod_cidr in routes and b.ip in routes
    wait_for_ping(a.pod_netns, b.pod_ip)

    assert kernels[a.name].apply(desired_state(nodes, self_name=a.name, backend="host-gw")) == []  # idempotent
    assert kernels[a.name].read_routes() == {Route(b.pod_cidr, b.ip)}

    kernels[a.name].apply(desired_state([a.node_object()], self_name=a.name, backend="host-gw"))  # b left
    assert kernels[a.name].read_routes() == set()
    assert not ping(a.pod_netns, b.pod_ip)


def test_vxlan_carries_pod_traffic_through_kubemini_1(topology):
    a, b = topology.nodes
    nodes = [a.node_object(mac=mac_of(a)), b.node_object(mac=mac_of(b))]
    kernels = program(topology, "vxlan", nodes)
    state = kernels[a.name].read_state()
    assert state.device is not None
    assert (state.device.vni, state.device.port, state.device.local) == (1, 8472, a.ip)
    assert state.device.mac == mac_of(a) and state.device.address == "10.244.1.0"
    assert state.routes == {Route(b.pod_cidr, "10.244.2.0", VXLAN_DEVICE, onlink=True)}
    assert {(n.ip, n.mac) for n in state.neighbours} == {("10.244.2.0", mac_of(b))}
    assert {(f.mac, f.dst) for f in state.fdb} == {(mac_of(b), b.ip)}
    wait_for_ping(a.pod_netns, b.pod_ip)
    wait_for_ping(b.pod_netns, a.pod_ip)
    # The traffic went through the tunnel: the underlay saw UDP to 8472, counted on kubemini.1.
    stats = json.loads(run("ip", "-n", a.netns, "-j", "-s", "link", "show", "dev", VXLAN_DEVICE).stdout)[0]
    assert stats["stats64"]["tx"]["packets"] > 0 and stats["stats64"]["rx"]["packets"] > 0


def test_vxlan_device_is_recreated_when_this_nodes_ip_changes(topology):
    a, b = topology.nodes
    nodes = [a.node_object(mac=mac_of(a)), b.node_object(mac=mac_of(b))]
    kernels = program(topology, "vxlan", nodes)
    moved = a.node_object(mac=mac_of(a))
    moved["status"]["addresses"][0]["address"] = "172.30.0.9"
    kernels[a.name].apply(desired_state([moved, nodes[1]], self_name=a.name, backend="vxlan"))
    state = kernels[a.name].read_state()
    assert state.device is not None and state.device.local == "172.30.0.9"
    assert len(state.routes) == 1 and len(state.fdb) == 1  # entries put back on the new device


def test_cleanup_removes_routes_and_device(topology):
    a, b = topology.nodes
    kernels = program(topology, "vxlan", [a.node_object(mac=mac_of(a)), b.node_object(mac=mac_of(b))])
    run("ip", "-n", a.netns, "route", "add", "192.0.2.0/24", "dev", "eth0")  # not ours: must stay
    kernels[a.name].cleanup()
    assert kernels[a.name].read_state().device is None
    assert run("ip", "-n", a.netns, "-j", "route", "show", "proto", "77").stdout.strip() in ("", "[]")
    assert "192.0.2.0/24" in run("ip", "-n", a.netns, "route").stdout
    assert run("ip", "-n", a.netns, "link", "show", VXLAN_DEVICE, check=False).returncode != 0


def iptables_save(netns: str) -> str:
    return run("ip", "netns", "exec", netns, "iptables-save").stdout


def test_masquerade_chains_are_idempotent_use_docker_user_and_are_removable(topology):
    a, _ = topology.nodes
    run("ip", "netns", "exec", a.netns, "iptables", "-N", "DOCKER-USER")
    run("ip", "netns", "exec", a.netns, "iptables", "-A", "FORWARD", "-j", "DOCKER-USER")
    masquerade = Masquerade(netns=a.netns)
    masquerade.apply(a.pod_cidr, "10.244.0.0/16")
    masquerade.apply(a.pod_cidr, "10.244.0.0/16")
    saved = iptables_save(a.netns)
    assert saved.count("-A POSTROUTING -j KUBEMINI-POD-NET") == 1
    assert saved.count("-A DOCKER-USER -j KUBEMINI-POD-FWD") == 1
    assert "-A KUBEMINI-POD-NET -s 10.244.1.0/24 -d 10.244.0.0/16" in saved
    assert "-A KUBEMINI-POD-NET -s 10.244.1.0/24 ! -d 224.0.0.0/4" in saved and "MASQUERADE" in saved
    masquerade.cleanup()
    saved = iptables_save(a.netns)
    assert "KUBEMINI" not in saved
    assert "-A FORWARD -j DOCKER-USER" in saved  # Docker's own chain and jump are left alone


def test_masquerade_hides_pod_addresses_outside_the_cluster_cidr_only(topology):
    a, b = topology.nodes
    program(topology, "host-gw", [a.node_object(), b.node_object()])
    Masquerade(netns=a.netns).apply(a.pod_cidr, "10.244.0.0/16")
    # Pod to pod (inside the cluster CIDR) takes the RETURN rule; pod to node b's own IP (outside) is masqueraded.
    wait_for_ping(a.pod_netns, b.pod_ip)
    wait_for_ping(a.pod_netns, b.ip)
    counters = run(
        "ip", "netns", "exec", a.netns, "iptables", "-t", "nat", "-L", "KUBEMINI-POD-NET", "-v", "-x", "-n"
    ).stdout
    lines = [line.split() for line in counters.splitlines() if "RETURN" in line or "MASQUERADE" in line]
    assert len(lines) == 2 and all(int(line[0]) > 0 for line in lines), counters


def test_forward_accept_lets_routed_pod_traffic_past_a_docker_like_drop_policy(topology):
    a, b = topology.nodes
    program(topology, "host-gw", [a.node_object(), b.node_object()])
    wait_for_ping(a.pod_netns, b.pod_ip)
    for node in (a, b):  # what Docker leaves in FORWARD: policy DROP, DOCKER-USER jumped first
        for argv in (("-N", "DOCKER-USER"), ("-A", "FORWARD", "-j", "DOCKER-USER"), ("-P", "FORWARD", "DROP")):
            run("ip", "netns", "exec", node.netns, "iptables", *argv)
    assert not ping(a.pod_netns, b.pod_ip)
    for node in (a, b):
        Masquerade(netns=node.netns).apply(node.pod_cidr, "10.244.0.0/16")
    wait_for_ping(a.pod_netns, b.pod_ip)
    wait_for_ping(b.pod_netns, a.pod_ip)
