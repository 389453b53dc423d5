"""`internalTrafficPolicy` / `externalTrafficPolicy: Local` in both proxy modes: traffic of that kind
stays on the endpoints whose nodeName is kube-proxy's node, the rest goes everywhere."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.kube_proxy.backends import http_get
from tests.integration.kube_proxy.conftest import (
    SERVICE_CIDR,
    THIS_NODE,
    create_service,
    put_endpoints,
    wait_for_answer,
)
from tests.integration.kube_proxy.proxy_process import REPO_ROOT, KubeProxyProcess, assert_local_route

REQUESTS = 30


@pytest.fixture(params=["userspace", "iptables"])
def proxy(request, proxy_apiserver, tmp_path: Path):
    flags = ("--proxy-mode", request.param, "--hostname-override", THIS_NODE)
    started = KubeProxyProcess(proxy_apiserver.url, tmp_path / "kube-proxy.log", service_cidr=SERVICE_CIDR,
                               extra_args=flags)  # fmt: skip
    try:
        yield started.start()
    finally:
        started.stop()
        if request.param == "iptables":
            cleanup = [sys.executable, "-m", "kube_proxy", "--cleanup", "--service-cluster-ip-range", SERVICE_CIDR]
            subprocess.run(cleanup, cwd=REPO_ROOT, timeout=60, check=False, capture_output=True)


def test_local_policies_keep_their_traffic_on_this_nodes_endpoints(api, namespace, proxy, start_backends):
    assert_local_route(SERVICE_CIDR)  # ClusterIP traffic below stays on this machine
    local, remote = start_backends("127.0.0.7", "127.0.0.8")
    nodes = {local.host: THIS_NODE, remote.host: "another-node"}
    ports = [{"name": "http", "port": local.port, "protocol": "TCP"}]
    external = create_service(api, namespace, "ext", type_="NodePort", ports=[{"name": "http", "port": 80}],
                              externalTrafficPolicy="Local")  # fmt: skip
    internal = create_service(api, namespace, "int", ports=[{"name": "http", "port": 80}],
                              internalTrafficPolicy="Local")  # fmt: skip
    for name in ("ext", "int"):
        put_endpoints(api, namespace, name, addresses=[local.host, remote.host], ports=ports, nodes=nodes)
    node_port = external["spec"]["ports"][0]["nodePort"]
    wait_for_answer(lambda: http_get(external["spec"]["clusterIP"], 80), expected={local.name, remote.name})
    assert {http_get("127.0.0.1", node_port) for _ in range(REQUESTS)} == {local.name}, "NodePort: local only"
    wait_for_answer(lambda: http_get(internal["spec"]["clusterIP"], 80), expected={local.name})
    assert {http_get(internal["spec"]["clusterIP"], 80) for _ in range(REQUESTS)} == {local.name}
