"""A real kubelet with --pod-cidr-from-node: its pods get addresses from its Node's spec.podCIDR.

    kubelet starts on a Node without spec.podCIDR ──► Ready=False (NetworkPluginNotReady)
    spec.podCIDR set (what node IPAM does) ──► the kubelet finds it
        ──► Docker network <unique name> on that subnet, gateway .1, Docker's masquerading off
        ──► the KUBEMINI-POD-NET chain (nat) for it and KUBEMINI-POD-FWD (filter) on this machine
        ──► a pod's IP inside the CIDR; --cleanup-pod-network removes the chains again
The pod CIDR is in 10.249.0.0/16, which nothing else on this machine uses.
"""

from __future__ import annotations

import ipaddress
import secrets
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import docker

from kubelet.runtime.docker_network import MASQUERADE_OPTION
from tests.e2e.kubelet.conftest import KubeletProcess, _finish
from tests.e2e.kubelet.pods import create_pod, pod_manifest, wait_for_pod, wait_until
from tests.support.processes import REPO_ROOT

CLUSTER_CIDR = "10.249.0.0/16"


def ready_message(api, name: str) -> str:
    conditions = api.get(f"/api/v1/nodes/{name}").json().get("status", {}).get("conditions") or []
    return next((c.get("message", "") for c in conditions if c["type"] == "Ready"), "")


def iptables_save(table: str) -> str:
    return subprocess.run(["iptables-save", "-t", table], capture_output=True, text=True, check=True).stdout


def test_pods_get_addresses_from_the_nodes_pod_cidr(apiserver, identity_controllers, api, namespace, tmp_path):
    network = f"kmtest-podcidr-{secrets.token_hex(3)}"
    pod_cidr = f"10.249.{secrets.randbelow(250) + 1}.0/24"
    kubelet = KubeletProcess(
        apiserver.url, tmp_path / "kubelet.log",
        "--pod-cidr-from-node", "--pod-network", network, "--cluster-cidr", CLUSTER_CIDR,
    )  # fmt: skip
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": kubelet.node}}
    assert api.post("/api/v1/nodes", json=node).status_code == 201
    docker_api = docker.from_env().api
    try:
        with ThreadPoolExecutor(1) as pool:
            started = pool.submit(kubelet.start)  # returns once the node is Ready
            waiting = wait_until(
                lambda: "no spec.podCIDR yet" in ready_message(api, kubelet.node),
                what="node NotReady without a pod CIDR",
                timeout=30,
                context=kubelet.log_tail,
            )
            assert waiting and not started.done()
            assert ready_message(api, kubelet.node).startswith(
                "container runtime network not ready: NetworkReady=false"
            )
            patched = api.patch(
                f"/api/v1/nodes/{kubelet.node}",
                json={"spec": {"podCIDR": pod_cidr}},
                headers={"Content-Type": "application/merge-patch+json"},
            )
            assert patched.status_code == 200, patched.text
            started.result()
        create_pod(api, namespace, pod_manifest("on-cidr", kubelet.node, command=["sleep", "300"]))
        pod = wait_for_pod(api, namespace, "on-cidr", lambda p: p["status"].get("podIP"), what="an IP")
        assert ipaddress.ip_address(pod["status"]["podIP"]) in ipaddress.ip_network(pod_cidr)
        (found,) = [n for n in docker_api.networks(names=[network]) if n["Name"] == network]
        inspect = docker_api.inspect_network(found["Id"])
        assert inspect["IPAM"]["Config"][0]["Subnet"] == pod_cidr
        assert inspect["Options"][MASQUERADE_OPTION] == "false"
        nat = iptables_save("nat")
        assert f"-A KUBEMINI-POD-NET -s {pod_cidr} -d {CLUSTER_CIDR}" in nat
        assert "-j KUBEMINI-POD-NET" in nat
        assert f"-A KUBEMINI-POD-FWD -d {CLUSTER_CIDR}" in iptables_save("filter")
    finally:
        _finish(kubelet, apiserver.url)
        for leftover in docker_api.networks(names=[network]):
            docker_api.remove_network(leftover["Id"])
        subprocess.run([sys.executable, "-m", "kubelet", "--cleanup-pod-network"], cwd=REPO_ROOT, check=True)
    assert "KUBEMINI-POD" not in iptables_save("nat") + iptables_save("filter")
