"""Cluster DNS seen from the pod network: a container of this test's own on the `kubemini` Docker
network, pointed at the cluster DNS address the way the kubelet will point pods at it.

busybox resolves with its own `nslookup` (its static `wget` cannot use the libc resolver and
crashes), then reaches the Service's ClusterIP with `nc`. The container is labelled with this
run's node name, so the cluster's cleanup removes it whatever happens.
"""

from __future__ import annotations

import re
import subprocess

from tests.e2e.services.cluster import CLUSTER_DNS, SERVICE_CIDR
from tests.e2e.services.conftest import WEB_IMAGE, ready_endpoint_pods
from tests.integration.kube_proxy.proxy_process import assert_local_route

POD_NETWORK = "kubemini"
CLIENT_TIMEOUT_SECONDS = 60
CLIENT_SCRIPT = r"""
nslookup web
ip=$(nslookup web | awk '/^Name:/ {found=1} found && /^Address/ {print $2; exit}')
echo "resolved=$ip"
printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 "$ip" 80
nslookup example.com || echo "outside=missing"
for name in kubernetes.default kubernetes.default.svc; do
  # libc's resolver (ping's), which walks the search path; busybox's nslookup does not
  echo "$name=$(ping -c 1 -W 1 "$name" 2>&1 | sed -n 's/^PING [^ ]* (\([0-9.]*\)).*/\1/p')"
done
"""


def dns_flags(namespace: str) -> list[str]:
    """What the kubelet is to give each pod: the cluster DNS, Kubernetes' search path, ndots 5."""
    flags = ["--dns", CLUSTER_DNS, "--dns-opt", "ndots:5"]
    for domain in (f"{namespace}.svc.cluster.local", "svc.cluster.local", "cluster.local"):
        flags += ["--dns-search", domain]
    return flags


def test_container_on_the_pod_network_resolves_and_reaches_the_service(web, api, cluster):
    assert_local_route(SERVICE_CIDR)
    service = web(replicas=2)
    argv = [
        "docker", "run", "--rm", "--network", POD_NETWORK,
        "--label", f"io.kubemini.node={cluster.node}", "--label", "io.kubemini.test=services-dns",
        *dns_flags(service.namespace), WEB_IMAGE, "sh", "-c", CLIENT_SCRIPT,
    ]  # fmt: skip

    result = subprocess.run(argv, capture_output=True, text=True, timeout=CLIENT_TIMEOUT_SECONDS)
    output = result.stdout + result.stderr

    assert f"resolved={service.cluster_ip}" in output, output
    answered_by = re.findall(r"^(web-\S+)$", output, flags=re.MULTILINE)
    assert answered_by and answered_by[0] in ready_endpoint_pods(api, service.namespace), output
    assert "NXDOMAIN" in output and "outside=missing" in output, output
    kubernetes = api.get("/api/v1/namespaces/default/services/kubernetes").json()["spec"]["clusterIP"]
    assert f"kubernetes.default={kubernetes}" in output and f"kubernetes.default.svc={kubernetes}" in output, output
