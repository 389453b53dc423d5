"""The README's release strategies, from examples/, on real pods: a blue→green switch under a
continuous stream of requests fails none, and a canary by replica ratio gets its share."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter

import yaml

from tests.e2e.services.test_service_traffic import LOOP_MAX_SECONDS, NODE, Outcome, request_loop
from tests.integration.kube_proxy.backends import http_get
from tests.support.processes import REPO_ROOT

READY_DEADLINE_SECONDS = 90.0
SWITCH_DEADLINE_SECONDS = 10.0
CANARY_REQUESTS = 200


def apply_example(kubectl, relative: str) -> str:
    """Apply an example in a fresh namespace with its fixed nodePorts dropped (allocated instead,
    so a developer's cluster on this machine keeps its own); the namespace's name."""
    namespace = f"rel-{uuid.uuid4().hex[:8]}"
    documents = list(yaml.safe_load_all((REPO_ROOT / "examples" / relative).read_text()))
    for document in documents:
        for port in (document.get("spec") or {}).get("ports") or []:
            port.pop("nodePort", None)
    kubectl.run("create", "namespace", namespace)
    kubectl.run("apply", "-n", namespace, "-f", "-", input_text=yaml.safe_dump_all(documents))
    return namespace


def wait_available(api, namespace: str, *names: str) -> None:
    deadline = time.monotonic() + READY_DEADLINE_SECONDS
    while True:
        statuses = [api.get(f"/apis/apps/v1/namespaces/{namespace}/deployments/{n}").json() for n in names]
        if all((s.get("status") or {}).get("availableReplicas") == s["spec"]["replicas"] for s in statuses):
            return
        assert time.monotonic() < deadline, [s.get("status") for s in statuses]
        time.sleep(0.5)


def node_port(api, namespace: str, service: str) -> int:
    return api.get(f"/api/v1/namespaces/{namespace}/services/{service}").json()["spec"]["ports"][0]["nodePort"]


def test_blue_green_switch_fails_no_request_and_rolls_back(api, kubectl):
    namespace = apply_example(kubectl, "blue-green/blue-green.yaml")
    wait_available(api, namespace, "web-blue", "web-green")
    port = node_port(api, namespace, "web-bg")
    deadline = time.monotonic() + SWITCH_DEADLINE_SECONDS
    while http_get(NODE, port).split()[0] != "blue":
        assert time.monotonic() < deadline
    outcomes: list[Outcome] = []
    stop = threading.Event()
    loop = threading.Thread(target=request_loop, args=(port, stop, outcomes), daemon=True)
    loop.start()
    try:
        while len(outcomes) < 20:
            assert loop.is_alive(), "the request loop ended early"
            time.sleep(0.01)
        kubectl.run("patch", "service", "web-bg", "-n", namespace, "-p",
                    '{"spec":{"selector":{"app":"web-bg","colour":"green"}}}')  # fmt: skip
        switched = time.monotonic()
        while not (outcomes and outcomes[-1].ok and outcomes[-1].answer.startswith("green")):
            assert time.monotonic() - switched < SWITCH_DEADLINE_SECONDS and loop.is_alive(), outcomes[-3:]
            time.sleep(0.01)
        green_at = time.monotonic()
        while time.monotonic() - green_at < 1.0 and loop.is_alive():
            time.sleep(0.05)
    finally:
        stop.set()
        loop.join(LOOP_MAX_SECONDS)
    failed = [o for o in outcomes if not o.ok]
    assert failed == [], f"{len(failed)} of {len(outcomes)} requests failed: {failed[:3]}"
    colours = [o.answer.split()[0] for o in outcomes]
    first_green = colours.index("green")
    assert set(colours[:first_green]) == {"blue"} and set(colours[first_green:]) == {"green"}, Counter(colours)
    # Instant rollback: the blue pods never stopped.
    kubectl.run("patch", "service", "web-bg", "-n", namespace, "-p",
                '{"spec":{"selector":{"app":"web-bg","colour":"blue"}}}')  # fmt: skip
    deadline = time.monotonic() + SWITCH_DEADLINE_SECONDS
    while http_get(NODE, port).split()[0] != "blue":
        assert time.monotonic() < deadline, "no rollback to blue"
    kubectl.run("delete", "namespace", namespace, "--wait=false")


def test_canary_by_replica_ratio_gets_about_its_share(api, kubectl):
    namespace = apply_example(kubectl, "canary/canary.yaml")
    wait_available(api, namespace, "web-stable", "web-canary")
    port = node_port(api, namespace, "web-canary-demo")
    deadline = time.monotonic() + SWITCH_DEADLINE_SECONDS
    while len({http_get(NODE, port) for _ in range(20)}) < 4:  # every pod an endpoint of kube-proxy's
        assert time.monotonic() < deadline, "not all 4 pods answer"
    tracks = Counter(http_get(NODE, port).split()[0] for _ in range(CANARY_REQUESTS))
    share = tracks["canary"] / CANARY_REQUESTS
    assert set(tracks) == {"stable", "canary"} and 0.15 <= share <= 0.35, tracks  # 1 pod of 4: 25 %
    kubectl.run("delete", "namespace", namespace, "--wait=false")
