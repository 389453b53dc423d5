"""Service traffic end to end: kubectl → Deployment → real busybox pods → Endpoints → kube-proxy.

All requests go to the NodePort on 127.0.0.1 or to a ClusterIP in the locally
routed test range; kube-proxy forwards them to pod IPs on the project's own
Docker network. Every request loop is bounded in count and in time.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass

from tests.e2e.services.cluster import SERVICE_CIDR
from tests.e2e.services.conftest import pod_container, ready_endpoint_pods, wait_for_ready_endpoints
from tests.integration.kube_proxy.backends import http_get
from tests.integration.kube_proxy.proxy_process import assert_local_route

NODE = "127.0.0.1"
UNREADY_DEADLINE_SECONDS = 2.0
READY_CONDITION_DEADLINE_SECONDS = 10.0
SCALE_DEADLINE_SECONDS = 60.0
LOOP_MAX_REQUESTS = 2000
LOOP_MAX_SECONDS = 30.0
REQUEST_TIMEOUT_SECONDS = 3.0


def test_sixty_requests_reach_all_three_pods(web, api):
    service = web(replicas=3)
    pods = ready_endpoint_pods(api, service.namespace)

    answers = Counter(http_get(NODE, service.node_port) for _ in range(60))

    assert set(answers) == set(pods), answers
    assert all(count >= 10 for count in answers.values()), answers


def test_cluster_ip_reaches_the_pods_too(web, api):
    assert_local_route(SERVICE_CIDR)
    service = web(replicas=3)

    answers = Counter(http_get(service.cluster_ip, 80) for _ in range(30))

    assert set(answers) == set(ready_endpoint_pods(api, service.namespace)), answers


def pod_ready(api, namespace: str, name: str) -> bool:
    conditions = api.get(f"/api/v1/namespaces/{namespace}/pods/{name}").json().get("status", {}).get("conditions")
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions or [])


def test_unready_pod_stops_receiving_traffic_within_two_seconds(web, api, cluster):
    service = web(replicas=3)
    victim = ready_endpoint_pods(api, service.namespace)[0]

    subprocess.run(["docker", "exec", pod_container(cluster, victim), "rm", "/www/ready"], check=True, timeout=30)
    deadline = time.monotonic() + READY_CONDITION_DEADLINE_SECONDS
    while pod_ready(api, service.namespace, victim):
        assert time.monotonic() < deadline, (
            f"{victim} still Ready {READY_CONDITION_DEADLINE_SECONDS}s after its probe broke"
        )
        time.sleep(0.02)
    unready_at = time.monotonic()
    last_hit = unready_at
    while time.monotonic() - unready_at < UNREADY_DEADLINE_SECONDS + 1.0:
        if http_get(NODE, service.node_port) == victim:
            last_hit = time.monotonic()

    assert last_hit - unready_at < UNREADY_DEADLINE_SECONDS, f"{victim} got traffic {last_hit - unready_at:.2f}s late"
    after = Counter(http_get(NODE, service.node_port) for _ in range(20))
    assert victim not in after and len(after) == 2, after


def test_scaling_to_five_adds_the_new_pods(web, api, cluster, kubectl):
    service = web(replicas=3)

    kubectl.run("scale", "-n", service.namespace, "deployment/web", "--replicas=5")
    pods = wait_for_ready_endpoints(api, service.namespace, 5, cluster)
    seen: set[str] = set()
    deadline = time.monotonic() + SCALE_DEADLINE_SECONDS
    for _ in range(100):
        seen.add(http_get(NODE, service.node_port))
        if seen == set(pods) or time.monotonic() > deadline:
            break

    assert seen == set(pods), f"traffic reached {sorted(seen)}, endpoints are {pods}"


@dataclass
class Outcome:
    started: float
    ok: bool
    answer: str


def request_loop(port: int, stop: threading.Event, outcomes: list[Outcome]) -> None:
    """Back-to-back requests until `stop`, at most LOOP_MAX_REQUESTS or LOOP_MAX_SECONDS."""
    began = time.monotonic()
    while not stop.is_set() and len(outcomes) < LOOP_MAX_REQUESTS and time.monotonic() - began < LOOP_MAX_SECONDS:
        started = time.monotonic()
        try:
            outcomes.append(Outcome(started, True, http_get(NODE, port, timeout=REQUEST_TIMEOUT_SECONDS)))
        except (OSError, AssertionError) as error:
            outcomes.append(Outcome(started, False, repr(error)))


def test_deleting_a_pod_under_load_fails_no_request_after_the_endpoints_update(web, api, kubectl):
    service = web(replicas=3)
    victim = ready_endpoint_pods(api, service.namespace)[0]
    outcomes: list[Outcome] = []
    stop = threading.Event()
    loop = threading.Thread(target=request_loop, args=(service.node_port, stop, outcomes), daemon=True)
    loop.start()
    try:
        while len(outcomes) < 20:
            assert loop.is_alive(), "the request loop ended early"
            time.sleep(0.01)
        kubectl.run("delete", "pod", "-n", service.namespace, victim, "--wait=false")
        deadline = time.monotonic() + READY_CONDITION_DEADLINE_SECONDS
        while victim in ready_endpoint_pods(api, service.namespace):
            assert time.monotonic() < deadline, (
                f"{victim} still listed {READY_CONDITION_DEADLINE_SECONDS}s after delete"
            )
            time.sleep(0.01)
        updated_at = time.monotonic()
        # Keep the load on while the kubelet stops the pod (grace period 2 s) and its IP disappears.
        while time.monotonic() - updated_at < 4.0 and loop.is_alive():
            time.sleep(0.05)
    finally:
        stop.set()
        loop.join(LOOP_MAX_SECONDS)

    after = [o for o in outcomes if o.started >= updated_at]
    failed_after = [o for o in after if not o.ok]
    assert len(after) >= 20, f"only {len(after)} requests after the Endpoints update"
    assert failed_after == [], f"{len(failed_after)} of {len(after)} requests failed: {failed_after[:3]}"
    assert victim not in {o.answer for o in after[len(after) // 2 :]}, "the deleted pod kept getting traffic"
