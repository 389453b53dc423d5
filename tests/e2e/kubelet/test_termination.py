"""Graceful deletion on real containers: preStop, SIGTERM handlers, the grace period, and nothing left behind."""

from __future__ import annotations

import time

from tests.e2e.kubelet.pods import (
    create_pod,
    get_pod,
    phase,
    pod_containers,
    pod_manifest,
    wait_for_pod,
    wait_until,
)

POLITE = "trap 'echo got TERM; sleep 2; echo bye; exit 0' TERM; echo up; while true; do sleep 0.2; done"
STUBBORN = "trap 'echo ignoring TERM' TERM; echo up; while true; do sleep 0.2; done"
PRE_STOP = {"preStop": {"exec": {"command": ["sh", "-c", "echo pre-stop > /proc/1/fd/1"]}}}


def follow_then_delete(api, kubectl, namespace: str, name: str) -> tuple[float, str]:
    """Delete the pod while following its logs; (seconds until the pod is gone, the logs)."""
    follower = kubectl.popen("logs", "-f", "-n", namespace, name)
    assert follower.stdout.readline().strip() == "up"
    started = time.monotonic()
    response = api.request("DELETE", f"/api/v1/namespaces/{namespace}/pods/{name}", json={})
    assert response.status_code == 200 and response.json()["metadata"]["deletionTimestamp"]
    wait_until(lambda: get_pod(api, namespace, name) is None, what=f"{name} deleted", timeout=30)
    elapsed = time.monotonic() - started
    try:
        output, _ = follower.communicate(timeout=5)
    finally:
        follower.kill()
    return elapsed, output


def test_sigterm_handler_runs_within_the_grace_period(api, kubelet, namespace, kubectl):
    manifest = pod_manifest("polite", kubelet.node, command=["sh", "-c", POLITE], container={"lifecycle": PRE_STOP})
    manifest["spec"]["terminationGracePeriodSeconds"] = 10
    uid = create_pod(api, namespace, manifest)["metadata"]["uid"]
    wait_for_pod(api, namespace, "polite", lambda p: phase(p) == "Running", what="Running")
    elapsed, output = follow_then_delete(api, kubectl, namespace, "polite")
    assert output.splitlines()[:3] == ["pre-stop", "got TERM", "bye"], output
    assert 2 <= elapsed < 9, f"the handler needed 2 s and the grace period was 10 s, yet deletion took {elapsed:.1f} s"
    wait_until(lambda: pod_containers(uid) == [], what="containers of the deleted pod removed")


def test_grace_period_ends_with_sigkill(api, kubelet, namespace, kubectl):
    manifest = pod_manifest("stubborn", kubelet.node, command=["sh", "-c", STUBBORN])
    manifest["spec"]["terminationGracePeriodSeconds"] = 3
    uid = create_pod(api, namespace, manifest)["metadata"]["uid"]
    wait_for_pod(api, namespace, "stubborn", lambda p: phase(p) == "Running", what="Running")
    elapsed, output = follow_then_delete(api, kubectl, namespace, "stubborn")
    assert "ignoring TERM" in output
    assert 2.5 <= elapsed < 10, f"grace period 3 s then SIGKILL, yet deletion took {elapsed:.1f} s"
    assert pod_containers(uid) == []


def test_no_container_is_left_behind(api, kubelet, namespace):
    uids = []
    for index in range(3):
        manifest = pod_manifest(f"short-{index}", kubelet.node, command=["sleep", "3600"])
        uids.append(create_pod(api, namespace, manifest)["metadata"]["uid"])
    for index in range(3):
        wait_for_pod(api, namespace, f"short-{index}", lambda p: phase(p) == "Running", what="Running")
    for index in range(3):
        api.request("DELETE", f"/api/v1/namespaces/{namespace}/pods/short-{index}", json={})
    for index, uid in enumerate(uids):
        wait_until(lambda i=index: get_pod(api, namespace, f"short-{i}") is None, what=f"short-{index} deleted")
        assert pod_containers(uid) == [], "sandbox and app containers are removed before the pod object"
