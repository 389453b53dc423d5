"""`kubemini up --nodes 3`: this machine plus two node containers, each with its own Docker engine,
joined through the real path (bootstrap token → cluster-info discovery → kubelet TLS bootstrapping).

One cluster for the module (it takes a while to build); the tests run in file order:
    pod network    every web pod (a DaemonSet: one per node) reaches every other by pod IP, no NAT
    services       a ClusterIP (by its DNS name, from a pod on each node) and the NodePort on each
                   node's address reach the replicas on all three nodes
    joining        a wrong token and an expired (cleaned up) token are refused by `kubemini join`
    node failure   a node container killed → its Deployment pods run on the other nodes; started
                   again, it rejoins and removes the containers of the pods that moved
    leave          `kubemini leave` drains a node (its pods run elsewhere), deletes it, removes its container
    down           no node container, network, route to a pod CIDR or VXLAN device is left
"""

from __future__ import annotations

import ipaddress
import json
import re
import subprocess

import pytest

from tests.support.local_cluster import REPO_ROOT, explain, local_cluster, wait_until

BUILD_NODE_IMAGE = REPO_ROOT / "deploy" / "images" / "build_node_image.sh"

CLUSTER_CIDR = "10.245.0.0/16"  # not the default, so a developer's cluster is never touched
NODE_PORT = 30181  # examples/multi-node-web.yaml
# Nodes are NotReady 20 s after their last Lease renewal (renewed every 10 s), not 40 s.
GRACE_ENV = {"KUBEMINI_CM_NODE_MONITOR_GRACE_PERIOD": "20"}
UP_TIMEOUT_SECONDS = 300

WEB = (REPO_ROOT / "examples" / "multi-node-web.yaml").read_text()  # the README walkthrough

SURVIVOR = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: survivor}
spec:
  replicas: 3
  selector: {matchLabels: {app: survivor}}
  template:
    metadata: {labels: {app: survivor}}
    spec:
      terminationGracePeriodSeconds: 1
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      containers:
      - {name: c, image: kubemini/busybox:1.35, command: [sleep, '3600']}
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    built = subprocess.run([str(BUILD_NODE_IMAGE)], capture_output=True, text=True)
    assert built.returncode == 0, f"building the node image failed:\n{built.stdout}\n{built.stderr}"
    with local_cluster(tmp_path_factory.mktemp("multinode"), name="mn", extra_env=GRACE_ENV) as local:
        up = local.kubemini(
            "up", *local.port_flags(), "--nodes", "3", "--cluster-cidr", CLUSTER_CIDR, "--no-user-kubeconfig",
            timeout=UP_TIMEOUT_SECONDS,
        )  # fmt: skip
        assert up.returncode == 0, explain(up)
        local.up_output = up.stdout
        yield local
        down = local.kubemini("down", "--purge", timeout=UP_TIMEOUT_SECONDS)
        assert down.returncode == 0, explain(down)
        assert_nothing_left(local.node_name)


def node_containers(cluster_name: str) -> list[str]:
    listed = subprocess.run(
        ["docker", "ps", "-a", "--filter", f"label=io.kubemini.cluster={cluster_name}", "--format", "{{.Names}}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return listed.stdout.split()


def assert_nothing_left(cluster_name: str) -> None:
    assert node_containers(cluster_name) == []
    networks = subprocess.run(["docker", "network", "ls", "--format", "{{.Name}}"], capture_output=True, text=True)
    assert f"{cluster_name}-nodes" not in networks.stdout.split()
    routes = json.loads(subprocess.run(["ip", "-j", "route"], capture_output=True, text=True, check=True).stdout)
    cluster = ipaddress.ip_network(CLUSTER_CIDR)
    ours = [r for r in routes if r["dst"] != "default" and ipaddress.ip_network(r["dst"]).subnet_of(cluster)]
    assert ours == [], f"routes to pod CIDRs left after down: {ours}"
    links = subprocess.run(["ip", "-j", "link", "show", "type", "vxlan"], capture_output=True, text=True)
    assert [link["ifname"] for link in json.loads(links.stdout or "[]") if "kubemini" in link["ifname"]] == []


def get_json(cluster, *args: str) -> dict:
    result = cluster.kubectl("get", *args, "-o", "json")
    assert result.returncode == 0, explain(result)
    return json.loads(result.stdout)


def ready_pods(cluster, selector: str) -> list[dict]:
    pods = get_json(cluster, "pods", "-l", selector)["items"]
    return [
        pod for pod in pods
        if pod["status"].get("phase") == "Running" and not pod["metadata"].get("deletionTimestamp")
        and any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", []))
    ]  # fmt: skip


def fetch_in(cluster, pod: str, url: str) -> str:
    """The body, or what went wrong (never equal to a pod name)."""
    # busybox 1.35 wget crashes (SIGSEGV) with -T: bounded by timeout(1) instead
    result = cluster.kubectl("exec", pod, "--", "timeout", "5", "wget", "-qO-", url)
    return result.stdout.strip() if result.returncode == 0 else f"error: {result.stderr.strip()[-200:]}"


def test_three_ready_nodes_each_with_its_own_pod_cidr(cluster):
    def ready_nodes():
        nodes = get_json(cluster, "nodes")["items"]
        ready = [
            n for n in nodes if any(c["type"] == "Ready" and c["status"] == "True" for c in n["status"]["conditions"])
        ]
        return ready if len(ready) == 3 else None

    nodes = wait_until(ready_nodes, what="3 Ready nodes", deadline_seconds=120)
    cidrs = [ipaddress.ip_network(node["spec"]["podCIDR"]) for node in nodes]
    assert len(set(cidrs)) == 3 and all(c.subnet_of(ipaddress.ip_network(CLUSTER_CIDR)) for c in cidrs), cidrs
    assert re.search(
        r"kubemini join --server https://\S+ --token \S+ --ca-cert-hash sha256:[0-9a-f]{64}", cluster.up_output
    )


def test_pods_reach_each_other_across_nodes_by_pod_ip(cluster):
    applied = cluster.kubectl("apply", "-f", "-", input=WEB)
    assert applied.returncode == 0, explain(applied)
    pods = wait_until(
        lambda: (p := ready_pods(cluster, "app=web-nodes")) and len(p) == 3 and p, what="3 ready web pods"
    )
    assert len({pod["spec"]["nodeName"] for pod in pods}) == 3
    for pod in pods:
        ip = ipaddress.ip_address(pod["status"]["podIP"])
        node = get_json(cluster, "node", pod["spec"]["nodeName"])
        assert ip in ipaddress.ip_network(node["spec"]["podCIDR"]), (pod["metadata"]["name"], ip)
    for client in pods:
        for server in pods:
            if server is client:
                continue
            url = f"http://{server['status']['podIP']}:8080/"
            answer = wait_until(
                lambda client=client, url=url: (
                    (a := fetch_in(cluster, client["metadata"]["name"], url)) and not a.startswith("error") and a
                ),
                what=f"{url} from {client['spec']['nodeName']}",
                deadline_seconds=30,
            )
            assert answer == server["metadata"]["name"]
            seen_from = fetch_in(cluster, client["metadata"]["name"], f"{url}cgi-bin/client")
            assert seen_from == client["status"]["podIP"], f"{client['metadata']['name']} seen as {seen_from}: NAT"


def test_service_by_dns_and_node_port_reach_all_nodes(cluster):
    pods = ready_pods(cluster, "app=web-nodes")
    names = {pod["metadata"]["name"] for pod in pods}
    for client in pods:
        seen: set[str] = set()

        def seen_through_dns(client=client, seen=seen):
            for _ in range(6):
                seen.add(fetch_in(cluster, client["metadata"]["name"], "http://web-nodes.default.svc.cluster.local/"))
            return names <= seen

        node = client["spec"]["nodeName"]
        try:
            wait_until(seen_through_dns, what=f"all 3 replicas via DNS + ClusterIP from {node}")
        except AssertionError as error:
            raise AssertionError(f"{error}; answers: {sorted(seen)}") from None
    for node in get_json(cluster, "nodes")["items"]:
        address = next(a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP")
        target = "127.0.0.1" if node["metadata"]["name"] == cluster.node_name else address

        def seen_through_node_port(target=target):
            seen = set()
            for _ in range(12):
                result = subprocess.run(
                    ["curl", "-s", "-m", "3", f"http://{target}:{NODE_PORT}/"], capture_output=True, text=True
                )
                seen.add(result.stdout.strip())
            return seen if names <= seen else None

        wait_until(seen_through_node_port, what=f"all 3 replicas via the NodePort on {target}", deadline_seconds=60)


def test_join_with_a_wrong_or_expired_token_is_refused(cluster, tmp_path):
    server, ca_hash = re.search(r"--server (\S+) --token \S+ --ca-cert-hash (\S+)", cluster.up_output).groups()
    wrong = cluster.kubemini("join", "--home", str(tmp_path / "a"), "--server", server, "--discovery-timeout", "3",
                             "--token", "abcdef.0123456789abcdef", "--ca-cert-hash", ca_hash)  # fmt: skip
    assert wrong.returncode != 0, explain(wrong)
    assert "abcdef" in wrong.stdout, explain(wrong)
    created = cluster.kubemini("token", "create", "--ttl", "1s")
    assert created.returncode == 0, explain(created)
    token = created.stdout.strip().split()[-1]
    token_id = token.split(".")[0]
    wait_until(
        lambda: cluster.kubectl("get", "secret", "-n", "kube-system", f"bootstrap-token-{token_id}").returncode != 0,
        what="the expired token cleaned up", deadline_seconds=30,
    )  # fmt: skip
    expired = cluster.kubemini("join", "--home", str(tmp_path / "b"), "--server", server, "--discovery-timeout", "3",
                               "--token", token, "--ca-cert-hash", ca_hash)  # fmt: skip
    assert expired.returncode != 0, explain(expired)
    assert not (tmp_path / "b" / "run" / "kubelet.pid").exists()


def test_killed_node_pods_move_and_the_node_reconciles_when_back(cluster):
    applied = cluster.kubectl("apply", "-f", "-", input=SURVIVOR)
    assert applied.returncode == 0, explain(applied)
    wait_until(lambda: len(ready_pods(cluster, "app=survivor")) == 3, what="3 ready survivor pods")
    victim = f"{cluster.node_name}-node-3"
    moved = {p["metadata"]["uid"] for p in ready_pods(cluster, "app=survivor") if p["spec"]["nodeName"] == victim}
    assert moved, "the scheduler spreads 3 replicas over 3 nodes: one should be on the victim"
    subprocess.run(["docker", "kill", victim], check=True, capture_output=True)

    def all_elsewhere():
        pods = ready_pods(cluster, "app=survivor")
        return len(pods) == 3 and all(p["spec"]["nodeName"] != victim for p in pods) and pods

    wait_until(all_elsewhere, what=f"3 survivor pods running off {victim}", deadline_seconds=120)

    subprocess.run(["docker", "start", victim], check=True, capture_output=True)

    def node_ready():
        node = get_json(cluster, "node", victim)
        return any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"]["conditions"])

    wait_until(node_ready, what=f"{victim} Ready again", deadline_seconds=120)

    def moved_containers_gone():
        listed = subprocess.run(
            ["docker", "exec", victim, "docker", "ps", "-a", "--format", '{{.Label "io.kubemini.pod.uid"}}'],
            capture_output=True, text=True,
        )  # fmt: skip
        return listed.returncode == 0 and not (set(listed.stdout.split()) & moved)

    wait_until(moved_containers_gone, what=f"containers of moved pods removed on {victim}", deadline_seconds=60)

    def moved_pods_finalized():  # Terminating until their kubelet confirms, as upstream
        return not {p["metadata"]["uid"] for p in get_json(cluster, "pods", "-l", "app=survivor")["items"]} & moved

    wait_until(moved_pods_finalized, what=f"the pods that left {victim} deleted once it is back", deadline_seconds=60)


def test_leave_drains_and_removes_a_node(cluster):
    leaving = f"{cluster.node_name}-node-2"
    cidr = get_json(cluster, "node", leaving)["spec"]["podCIDR"]
    left = cluster.kubemini("leave", leaving, timeout=UP_TIMEOUT_SECONDS)
    assert left.returncode == 0, explain(left)
    assert f"node/{leaving} drained and deleted" in left.stdout
    assert cluster.kubectl("get", "node", leaving).returncode != 0
    assert leaving not in node_containers(cluster.node_name)
    survivors = wait_until(lambda: len(p := ready_pods(cluster, "app=survivor")) == 3 and p, what="3 survivors")
    assert all(pod["spec"]["nodeName"] != leaving for pod in survivors)

    def route_gone():
        routes = json.loads(subprocess.run(["ip", "-j", "route"], capture_output=True, text=True, check=True).stdout)
        return all(route["dst"] != cidr for route in routes)

    wait_until(route_gone, what=f"this machine's route to {leaving}'s pod CIDR {cidr} removed", deadline_seconds=30)
