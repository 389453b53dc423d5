"""Desired state: Services + EndpointSlices → service ports → listeners."""

from __future__ import annotations

from kube_proxy.load_balancing import Endpoint
from kube_proxy.service_ports import (
    ListenerKey,
    ServicePortName,
    build_service_ports,
    desired_listeners,
    ready_endpoints,
)


def service(name, *, type_="ClusterIP", cluster_ip="10.96.0.5", ports=None, namespace="ns", **spec):
    ports = ports if ports is not None else [{"name": "http", "port": 80, "protocol": "TCP"}]
    return {
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"type": type_, "clusterIP": cluster_ip, "ports": ports, **spec},
    }


def endpoint(ip, *, ready=True, serving=None, terminating=False):
    serving = ready if serving is None else serving
    return {"addresses": [ip], "conditions": {"ready": ready, "serving": serving, "terminating": terminating}}


def endpoint_slice(endpoints, ports, *, address_type="IPv4"):
    return {"addressType": address_type, "endpoints": endpoints, "ports": ports}


def test_ready_endpoints_of_the_named_port_carry_traffic():
    found = [
        endpoint_slice(
            [
                endpoint("10.1.0.2"),
                endpoint("10.1.0.1"),
                endpoint("10.1.0.9", ready=False),
                {"addresses": ["10.1.0.4"]},
            ],
            [{"name": "http", "port": 8080, "protocol": "TCP"}, {"name": "admin", "port": 9090}],
        ),
        endpoint_slice([endpoint("10.1.0.3")], [{"name": "http", "port": 8081, "protocol": "TCP"}]),
        endpoint_slice([endpoint("fd00::1")], [{"name": "http", "port": 8080}], address_type="IPv6"),
    ]

    assert ready_endpoints(found, port_name="http", protocol="TCP") == (
        Endpoint("10.1.0.1", 8080),
        Endpoint("10.1.0.2", 8080),
        Endpoint("10.1.0.3", 8081),
        Endpoint("10.1.0.4", 8080),  # no conditions: ready (upstream: unknown counts as ready)
    )
    assert ready_endpoints(found, port_name="http", protocol="UDP") == ()
    assert ready_endpoints([], port_name="http", protocol="TCP") == ()


def test_terminating_serving_endpoints_are_used_only_when_none_is_ready():
    draining = endpoint("10.1.0.5", ready=False, serving=True, terminating=True)
    ports = [{"name": "http", "port": 8080}]
    assert ready_endpoints([endpoint_slice([draining, endpoint("10.1.0.6")], ports)], port_name="http",
                           protocol="TCP") == (Endpoint("10.1.0.6", 8080),)  # fmt: skip
    assert ready_endpoints([endpoint_slice([draining], ports)], port_name="http", protocol="TCP") == (
        Endpoint("10.1.0.5", 8080),
    )


def test_build_service_ports_skips_headless_external_name_and_sctp():
    services = [
        service("web"),
        service("headless", cluster_ip="None"),
        service("ext", type_="ExternalName", cluster_ip=None, externalName="example.invalid"),
        service("sctp", ports=[{"name": "s", "port": 9, "protocol": "SCTP"}]),
    ]

    ports = build_service_ports(services, lambda key: [])

    assert list(ports) == [ServicePortName("ns", "web", "http")]


def test_node_port_and_affinity_are_carried():
    web = service(
        "web",
        type_="NodePort",
        ports=[{"name": "http", "port": 80, "nodePort": 30080}],
        sessionAffinity="ClientIP",
        sessionAffinityConfig={"clientIP": {"timeoutSeconds": 30}},
    )
    found = [endpoint_slice([endpoint("10.1.0.1")], [{"name": "http", "port": 8080}])]

    port = build_service_ports([web], lambda key: {"ns/web": found}.get(key, []))[ServicePortName("ns", "web", "http")]

    assert (port.node_port, port.affinity_seconds, port.endpoints) == (30080, 30.0, (Endpoint("10.1.0.1", 8080),))
    assert port.listeners(node_address="127.0.0.1") == [
        ListenerKey("10.96.0.5", 80, "TCP"),
        ListenerKey("127.0.0.1", 30080, "TCP"),
    ]


def test_default_affinity_timeout_is_three_hours():
    port = build_service_ports([service("web", sessionAffinity="ClientIP")], lambda key: [])
    assert next(iter(port.values())).affinity_seconds == 10800.0


def test_node_port_of_a_cluster_ip_service_is_ignored():
    web = service("web", ports=[{"name": "http", "port": 80, "nodePort": 30080}])
    assert next(iter(build_service_ports([web], lambda key: []).values())).node_port is None


def test_load_balancer_also_listens_on_the_node_address_at_the_service_port():
    lb = service("lb", type_="LoadBalancer", ports=[{"name": "http", "port": 8000, "nodePort": 30001}])

    listeners, conflicts = desired_listeners(build_service_ports([lb], lambda k: []), node_address="127.0.0.1")

    assert set(listeners) == {
        ListenerKey("10.96.0.5", 8000, "TCP"),
        ListenerKey("127.0.0.1", 30001, "TCP"),
        ListenerKey("127.0.0.1", 8000, "TCP"),
    }
    assert conflicts == []


def test_tcp_and_udp_on_one_port_are_two_listeners():
    dns = service("dns", ports=[{"name": "dns", "port": 53, "protocol": "UDP"}, {"name": "tcp", "port": 53}])

    listeners, _ = desired_listeners(build_service_ports([dns], lambda k: []), node_address="127.0.0.1")

    assert set(listeners) == {ListenerKey("10.96.0.5", 53, "UDP"), ListenerKey("10.96.0.5", 53, "TCP")}


def test_reserved_listeners_are_skipped_silently_and_clashes_reported():
    a = service("a", type_="LoadBalancer", ports=[{"name": "http", "port": 80, "nodePort": 30001}])
    b = service(
        "b", type_="LoadBalancer", cluster_ip="10.96.0.6", ports=[{"name": "http", "port": 80, "nodePort": 30002}]
    )
    ports = build_service_ports([b, a], lambda k: [])

    listeners, conflicts = desired_listeners(
        ports, node_address="127.0.0.1", reserved=[ListenerKey("10.96.0.6", 80, "TCP")]
    )

    assert listeners[ListenerKey("127.0.0.1", 80, "TCP")] == ServicePortName("ns", "a", "http")
    assert ListenerKey("10.96.0.6", 80, "TCP") not in listeners
    assert conflicts == [(ListenerKey("127.0.0.1", 80, "TCP"), ServicePortName("ns", "b", "http"))]


def test_local_traffic_policies_pick_this_nodes_endpoints():
    here = {**endpoint("10.1.0.1"), "nodeName": "n1"}
    there = {**endpoint("10.1.0.2"), "nodeName": "n2"}
    found = [endpoint_slice([here, there], [{"name": "http", "port": 8080}])]
    both = (Endpoint("10.1.0.1", 8080), Endpoint("10.1.0.2", 8080))
    external = service("web", type_="NodePort", ports=[{"name": "http", "port": 80, "nodePort": 30080}],
                       externalTrafficPolicy="Local")  # fmt: skip
    [port] = build_service_ports([external], lambda key: found, node_name="n1").values()
    assert port.endpoints == both and port.external_endpoints == (Endpoint("10.1.0.1", 8080),)
    assert port.endpoints_for(ListenerKey("127.0.0.1", 30080, "TCP")) == (Endpoint("10.1.0.1", 8080),)
    assert port.endpoints_for(port.cluster_listener) == both
    [internal] = build_service_ports([service("web", internalTrafficPolicy="Local")], lambda key: found,
                                     node_name="n2").values()  # fmt: skip
    assert internal.endpoints == (Endpoint("10.1.0.2", 8080),) and internal.external_endpoints is None
    [cluster_ip] = build_service_ports([service("web", externalTrafficPolicy="Local")], lambda key: found,
                                       node_name="n1").values()  # fmt: skip
    assert cluster_ip.external_endpoints is None, "externalTrafficPolicy only applies to NodePort and LB"
