"""Failures the kubelet recovers from: a command that cannot start, a sandbox killed under a running pod."""

from __future__ import annotations

import os
import subprocess

from kubemini.api.quantity import to_bytes
from tests.e2e.kubelet.pods import container_status, create_pod, phase, pod_manifest, wait_for_pod

RESTARTS_DEADLINE_SECONDS = 90.0
SANDBOX_DEADLINE_SECONDS = 45.0


def _sandboxes(uid: str, *, running: bool) -> list[str]:
    argv = ["docker", "ps", "-q", "--no-trunc", "--filter", f"label=io.kubemini.pod.uid={uid}",
            "--filter", "label=io.kubemini.container=POD"]  # fmt: skip
    if not running:
        argv.insert(2, "-a")
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.split()


def test_a_command_that_cannot_start_is_retried_under_crash_loop_back_off(api, kubelet, namespace):
    create_pod(api, namespace, pod_manifest("badcmd", kubelet.node, command=["/nonexistent"]))

    # Retried, then backing off: the growing delays themselves are test_pod_lifecycle's.
    def retried_and_backing_off(pod: dict) -> bool:
        waiting = (container_status(pod).get("state") or {}).get("waiting") or {}
        return container_status(pod).get("restartCount", 0) >= 1 and waiting.get("reason") == "CrashLoopBackOff"

    pod = wait_for_pod(
        api, namespace, "badcmd", retried_and_backing_off,
        what="restartCount >= 1 and CrashLoopBackOff", timeout=RESTARTS_DEADLINE_SECONDS,
    )  # fmt: skip
    status = container_status(pod)
    terminated = (status.get("lastState") or {}).get("terminated") or (status.get("state") or {}).get("terminated")
    assert terminated["reason"] == "StartError" and terminated["exitCode"] == 128
    assert "nonexistent" in terminated["message"]


def test_a_killed_sandbox_is_replaced_and_the_pod_runs_again(api, kubelet, namespace):
    manifest = pod_manifest("resilient", kubelet.node, command=["sleep", "3600"])
    uid = create_pod(api, namespace, manifest)["metadata"]["uid"]
    wait_for_pod(api, namespace, "resilient", lambda p: phase(p) == "Running", what="Running")
    (old,) = _sandboxes(uid, running=True)
    subprocess.run(["docker", "kill", old], check=True, capture_output=True)

    def running_in_new_sandbox(pod: dict) -> bool:
        current = _sandboxes(uid, running=True)
        status = container_status(pod)
        return current and current != [old] and status.get("state", {}).get("running") and status["restartCount"] == 1

    pod = wait_for_pod(api, namespace, "resilient", running_in_new_sandbox, what="Running in a new sandbox",
                       timeout=SANDBOX_DEADLINE_SECONDS)  # fmt: skip
    assert pod["status"]["phase"] == "Running"
    reasons = {e["reason"] for e in api.get(f"/api/v1/namespaces/{namespace}/events").json()["items"]
               if e["involvedObject"]["name"] == "resilient"}  # fmt: skip
    assert "SandboxChanged" in reasons


def test_the_node_reports_the_ephemeral_storage_of_dockers_disk(api, kubelet):
    status = api.get(f"/api/v1/nodes/{kubelet.node}").json()["status"]
    root = subprocess.run(["docker", "info", "-f", "{{.DockerRootDir}}"], capture_output=True, text=True).stdout.strip()
    stats = os.statvfs(root)
    total = stats.f_blocks * stats.f_frsize
    assert to_bytes(status["capacity"]["ephemeral-storage"]) == total - total % 1024
    assert status["allocatable"]["ephemeral-storage"] == status["capacity"]["ephemeral-storage"]
