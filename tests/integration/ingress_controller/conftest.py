"""A real etcd, apiserver and ingress controller per module; backends on loopback per test."""

from __future__ import annotations

import secrets

import pytest

from tests.integration.ingress_controller.support import EchoBackend, IngressControllerProcess
from tests.support.api_http import api_http
from tests.support.kubectl import Kubectl, write_kubeconfig
from tests.support.ports import free_port
from tests.support.processes import ApiServer, EtcdServer


@pytest.fixture(scope="module")
def ingress_apiserver(tmp_path_factory):
    # Its own apiserver: the controller creates the cluster-scoped default IngressClass.
    base = tmp_path_factory.mktemp("ingress-cluster")
    etcd = EtcdServer(base / "etcd").start()
    server = None
    try:
        server = ApiServer(etcd.url, base / "apiserver.log").start()
        yield server
    finally:
        if server is not None:
            server.stop()
        etcd.stop()


@pytest.fixture(scope="module")
def ingress_controller(ingress_apiserver, tmp_path_factory):
    controller = IngressControllerProcess(
        ingress_apiserver.url, tmp_path_factory.mktemp("ingress-controller") / "ingress-controller.log"
    )
    try:
        yield controller.start()
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def kubectl(ingress_apiserver, tmp_path_factory):
    return Kubectl(write_kubeconfig(tmp_path_factory.mktemp("kube") / "config", ingress_apiserver.url))


@pytest.fixture
def api(ingress_apiserver):
    with api_http(base_url=ingress_apiserver.url, timeout=30) as client:
        yield client


@pytest.fixture
def namespace(api, kubectl):
    """A fresh namespace; its Ingresses are deleted afterwards, since Ingresses route cluster-wide."""
    name = f"ing-{secrets.token_hex(4)}"
    response = api.post("/api/v1/namespaces", json={"metadata": {"name": name}})
    assert response.status_code == 201, response.text
    yield name
    kubectl.run("delete", "ingress", "--all", "-n", name, "--wait=false")


@pytest.fixture
def start_backends():
    """`start_backends(("127.0.0.2", "a"), ("127.0.0.3", "b"))` → EchoBackends on one shared port."""
    started: list[EchoBackend] = []

    def start(*named: tuple[str, str]) -> list[EchoBackend]:
        port = free_port()
        backends = [EchoBackend(host, name, port).start() for host, name in named]
        started.extend(backends)
        return backends

    yield start
    for backend in started:
        backend.stop()
