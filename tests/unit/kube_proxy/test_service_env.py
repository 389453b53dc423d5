"""`kubemini.api.service_env`: the variables a kubelet injects, named as Kubernetes names them."""

from __future__ import annotations

from kubemini.api.service_env import env_name, service_environment, services_for_pod


def service(name, *, namespace="shop", cluster_ip="10.96.4.2", ports=None, type_="ClusterIP"):
    return {
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"type": type_, "clusterIP": cluster_ip, "ports": ports or [{"port": 80, "protocol": "TCP"}]},
    }


def test_single_unnamed_port():
    env = service_environment([service("web")])

    assert env == {
        "WEB_SERVICE_HOST": "10.96.4.2",
        "WEB_SERVICE_PORT": "80",
        "WEB_PORT": "tcp://10.96.4.2:80",
        "WEB_PORT_80_TCP": "tcp://10.96.4.2:80",
        "WEB_PORT_80_TCP_PROTO": "tcp",
        "WEB_PORT_80_TCP_PORT": "80",
        "WEB_PORT_80_TCP_ADDR": "10.96.4.2",
    }


def test_named_ports_and_udp():
    ports = [{"name": "http", "port": 80, "protocol": "TCP"}, {"name": "dns-udp", "port": 53, "protocol": "UDP"}]

    env = service_environment([service("my-svc.v2", ports=ports)])

    assert env["MY_SVC_V2_SERVICE_PORT"] == "80"
    assert env["MY_SVC_V2_SERVICE_PORT_HTTP"] == "80"
    assert env["MY_SVC_V2_SERVICE_PORT_DNS_UDP"] == "53"
    assert env["MY_SVC_V2_PORT"] == "tcp://10.96.4.2:80"
    assert env["MY_SVC_V2_PORT_53_UDP"] == "udp://10.96.4.2:53"
    assert env["MY_SVC_V2_PORT_53_UDP_PROTO"] == "udp"


def test_headless_and_external_name_services_get_nothing():
    headless = service("db", cluster_ip="None")
    external = service("ext", cluster_ip=None, type_="ExternalName")

    assert service_environment([headless, external]) == {}


def test_names_starting_with_a_digit_get_an_underscore():
    assert env_name("3d-render") == "_3D_RENDER"


def test_services_for_pod_own_namespace_plus_the_master_service():
    services = [
        service("kubernetes", namespace="default", cluster_ip="10.96.0.1", ports=[{"name": "https", "port": 443}]),
        service("web", namespace="shop"),
        service("other", namespace="elsewhere"),
        service("db", namespace="shop", cluster_ip="None"),
    ]

    chosen = [s["metadata"]["name"] for s in services_for_pod(services, "shop")]
    links_off = [s["metadata"]["name"] for s in services_for_pod(services, "shop", enable_service_links=False)]

    assert chosen == ["kubernetes", "web"]
    assert links_off == ["kubernetes"]
    assert "KUBERNETES_SERVICE_HOST" in service_environment(services_for_pod(services, "shop"))


def test_own_namespace_service_shadows_the_master_one():
    mine = service("kubernetes", namespace="shop", cluster_ip="10.96.9.9")
    master = service("kubernetes", namespace="default", cluster_ip="10.96.0.1")

    assert services_for_pod([mine, master], "shop") == [mine]
    assert services_for_pod([master, mine], "shop") == [mine]
