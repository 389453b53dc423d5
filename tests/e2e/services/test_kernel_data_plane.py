"""The same Service traffic as test_service_traffic.py, carried by kube-proxy's iptables mode:
NodePort and ClusterIP reach every pod, a pod on the pod network reaches the ClusterIP (and a
pod its own Service, hairpin), a deleted
pod under load fails no request once its endpoint is gone; the rules go with kube-proxy."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest

from kube_proxy.kernel.ruleset import Chains
from tests.e2e.services.cluster import SERVICE_CIDR, ServiceCluster
from tests.e2e.services.conftest import WEB_IMAGE, pod_container, ready_endpoint_pods
from tests.e2e.services.test_service_traffic import (
    NODE,
)
from tests.e2e.services.test_service_traffic import (
    test_deleting_a_pod_under_load_fails_no_request_after_the_endpoints_update as deletion_under_load,
)
from tests.integration.kube_proxy.backends import http_get
from tests.integration.kube_proxy.proxy_process import REPO_ROOT, assert_local_route

CHAINS = Chains.for_range(SERVICE_CIDR)
POD_NETWORK = "kubemini"


def our_rules() -> list[str]:
    table = subprocess.run(["iptables-save", "-t", "nat"], capture_output=True, text=True, check=True, timeout=30)
    return [line for line in table.stdout.splitlines() if CHAINS.prefix in line]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = ServiceCluster(tmp_path_factory.mktemp("kernel-cluster"), proxy_mode="iptables")
    try:
        yield running.start()
    finally:
        running.stop()
        left = our_rules()
        if left:  # never leave them on the machine, even when the test fails
            cleanup = [sys.executable, "-m", "kube_proxy", "--cleanup", "--service-cluster-ip-range", SERVICE_CIDR]
            subprocess.run(cleanup, cwd=REPO_ROOT, timeout=60, check=False, capture_output=True)
        assert left == [], f"kube-proxy's exit removes its rules; its log:\n{running.proxy.log_tail()}"


def test_node_port_cluster_ip_and_pods_reach_every_endpoint_through_the_kernel(web, api, cluster):
    assert_local_route(SERVICE_CIDR)  # ClusterIP traffic below stays on this machine
    service = web(replicas=3)
    pods = set(ready_endpoint_pods(api, service.namespace))
    assert Counter(http_get(NODE, service.node_port) for _ in range(60)).keys() == pods
    assert Counter(http_get(service.cluster_ip, 80) for _ in range(30)).keys() == pods
    assert any("DNAT" in line for line in our_rules())
    request = 'printf "GET / HTTP/1.0\\r\\n\\r\\n"'
    script = f"for i in 1 2 3 4 5 6 7 8 9; do {request} | nc -w 3 {service.cluster_ip} 80 | tail -1; done"
    argv = ["docker", "run", "--rm", "--network", POD_NETWORK, "--label", f"io.kubemini.node={cluster.node}",
            "--label", "io.kubemini.test=kernel-data-plane", WEB_IMAGE, "sh", "-c", script]  # fmt: skip
    answers = subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout.split()
    assert len(answers) == 9 and set(answers) <= pods, answers
    # Hairpin: a pod reaching its own Service lands on itself about a third of the time; the
    # kubelet switched its bridge port's hairpin mode on, so those requests are answered too.
    me = sorted(pods)[0]
    exec_argv = ["docker", "exec", pod_container(cluster, me), "sh", "-c", script]
    answers = subprocess.run(exec_argv, capture_output=True, text=True, timeout=60).stdout.split()
    assert len(answers) == 9 and set(answers) <= pods, answers


def test_deleting_a_pod_under_load_fails_no_request(web, api, kubectl):
    deletion_under_load(web, api, kubectl)
