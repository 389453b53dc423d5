"""Real pods in Docker: running, logs through kubectl, restart policies, crash loops, OOM, missing images."""

from __future__ import annotations

import json
import subprocess
import time

from tests.e2e.kubelet.pods import (
    IMAGE,
    app_container_id,
    container_status,
    create_pod,
    event_reasons,
    phase,
    pod_manifest,
    wait_for_pod,
    wait_until,
    waiting_reason,
)

TICKER = "echo hello $POD_NAME $POD_IP $NODE; hostname; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.3; done"


def docker_inspect(container_id: str) -> dict:
    output = subprocess.run(["docker", "inspect", container_id], capture_output=True, text=True, check=True).stdout
    return json.loads(output)[0]


def test_pod_runs_with_its_environment_and_kubectl_logs_work(api, kubelet, namespace, kubectl):
    env = [
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
    ]
    manifest = pod_manifest("ticker", kubelet.node, command=["sh", "-c", TICKER], container={"env": env})
    manifest["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "500m", "memory": "64Mi"}}
    create_pod(api, namespace, manifest)
    pod = wait_for_pod(api, namespace, "ticker", lambda p: phase(p) == "Running", what="Running")
    assert container_status(pod)["ready"] is True
    ip = pod["status"]["podIP"]

    logs = wait_until(lambda: "tick 1" in (out := kubectl.run("logs", "-n", namespace, "ticker").stdout) and out,
                      what="two log lines")  # fmt: skip
    assert f"hello ticker {ip} {kubelet.node}" in logs
    assert "\nticker\n" in logs, "the pod's hostname is its name"
    tail = kubectl.run("logs", "-n", namespace, "ticker", "-c", "app", "--tail", "1", "--timestamps").stdout
    assert len(tail.splitlines()) == 1 and tail.split(" ", 1)[0].endswith("Z") and "tick" in tail

    follower = kubectl.popen("logs", "-f", "-n", namespace, "ticker")
    try:
        lines = [follower.stdout.readline() for _ in range(8)]
        assert sum("tick" in line for line in lines) >= 6, lines
    finally:
        follower.terminate()
        follower.wait(5)

    app = docker_inspect(app_container_id(pod))
    assert app["HostConfig"]["Memory"] == 64 * 2**20 and app["HostConfig"]["NanoCpus"] == 500_000_000
    sandbox_id = app["HostConfig"]["NetworkMode"].removeprefix("container:")
    sandbox = docker_inspect(sandbox_id)
    assert sandbox["NetworkSettings"]["Networks"]["kubemini"]["IPAddress"] == ip
    assert sandbox["Config"]["Labels"]["io.kubemini.managed"] == "true"
    assert {"Pulled", "Created", "Started"} <= event_reasons(api, namespace, "ticker")


def test_restart_policies_end_in_succeeded_or_failed(api, kubelet, namespace, kubectl):
    on_failure = pod_manifest("once", kubelet.node, command=["sh", "-c", "echo main ran"], restartPolicy="OnFailure")
    on_failure["spec"]["initContainers"] = [
        {"name": "init-a", "image": IMAGE, "command": ["sh", "-c", "echo first"]},
        {"name": "init-b", "image": IMAGE, "command": ["sh", "-c", "echo second"]},
    ]
    create_pod(api, namespace, on_failure)
    create_pod(
        api, namespace, pod_manifest("never", kubelet.node, command=["sh", "-c", "exit 4"], restartPolicy="Never")
    )

    done = wait_for_pod(api, namespace, "once", lambda p: phase(p) == "Succeeded", what="Succeeded")
    terminated = container_status(done)["state"]["terminated"]
    assert terminated["reason"] == "Completed" and terminated["exitCode"] == 0
    inits = [container_status(done, n, init=True)["state"]["terminated"] for n in ("init-a", "init-b")]
    assert inits[0]["finishedAt"] <= inits[1]["startedAt"] <= terminated["startedAt"], "init containers run in order"
    assert kubectl.run("logs", "-n", namespace, "once", "-c", "init-b").stdout == "second\n"

    failed = wait_for_pod(api, namespace, "never", lambda p: phase(p) == "Failed", what="Failed")
    terminated = container_status(failed)["state"]["terminated"]
    assert terminated["reason"] == "Error" and terminated["exitCode"] == 4
    assert container_status(failed)["restartCount"] == 0


def test_crash_loop_backs_off_with_growing_delays(api, kubelet, namespace, kubectl):
    create_pod(
        api, namespace, pod_manifest("crash", kubelet.node, command=["sh", "-c", "echo run $(date +%s); exit 1"])
    )

    def backing_off(delay: str, restarts: int):
        def check(pod: dict) -> bool:
            waiting = (container_status(pod).get("state") or {}).get("waiting") or {}
            return (
                waiting.get("reason") == "CrashLoopBackOff"
                and f"back-off {delay}" in waiting.get("message", "")
                and container_status(pod)["restartCount"] == restarts
            )

        return check

    first = wait_for_pod(api, namespace, "crash", backing_off("10s", 1), what="CrashLoopBackOff 10s")
    started = time.monotonic()
    assert phase(first) == "Running", "a crash-looping pod with restartPolicy Always stays Running"
    assert container_status(first)["lastState"]["terminated"]["exitCode"] == 1
    wait_for_pod(api, namespace, "crash", backing_off("20s", 2), what="CrashLoopBackOff 20s", timeout=45)
    assert time.monotonic() - started >= 8, "the second restart waited out the 10 s back-off"
    assert kubectl.run("logs", "-n", namespace, "crash", "--previous").stdout.startswith("run ")
    assert "BackOff" in event_reasons(api, namespace, "crash")


def test_memory_limit_gets_the_container_oom_killed(api, kubelet, namespace):
    hog = "x=aaaaaaaaaaaaaaaa; while :; do x=$x$x; done"
    manifest = pod_manifest("hog", kubelet.node, command=["sh", "-c", hog], restartPolicy="Never")
    manifest["spec"]["containers"][0]["resources"] = {"limits": {"memory": "16Mi"}}
    create_pod(api, namespace, manifest)
    pod = wait_for_pod(api, namespace, "hog", lambda p: phase(p) == "Failed", what="Failed")
    terminated = container_status(pod)["state"]["terminated"]
    assert terminated["reason"] == "OOMKilled" and terminated["exitCode"] == 137


def test_missing_image_is_err_image_pull_then_image_pull_back_off(api, kubelet, namespace, kubectl):
    manifest = pod_manifest("ghost", kubelet.node, container={"image": "kubemini/does-not-exist:1.0"})
    create_pod(api, namespace, manifest)
    seen: set[str] = set()

    def reasons(pod: dict) -> bool:
        seen.add(waiting_reason(pod))
        return "ImagePullBackOff" in seen

    pod = wait_for_pod(api, namespace, "ghost", reasons, what="ImagePullBackOff", timeout=15)
    assert phase(pod) == "Pending"
    messages = [e["message"] for e in api.get(f"/api/v1/namespaces/{namespace}/events").json()["items"]]
    assert "Error: ErrImagePull" in messages and any("Back-off pulling image" in m for m in messages)
    logs = kubectl.run("logs", "-n", namespace, "ghost", check=False)
    assert logs.returncode != 0 and 'container "app" in pod "ghost" is waiting to start' in logs.stderr
    assert kubelet.alive()
