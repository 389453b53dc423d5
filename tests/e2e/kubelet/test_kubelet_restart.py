"""kill -9 the kubelet: on restart it adopts what runs, finishes what was deleted, and touches nothing else."""

from __future__ import annotations

import subprocess
import time

from tests.e2e.kubelet.pods import (
    IMAGE,
    app_container_id,
    container_status,
    create_pod,
    get_pod,
    phase,
    pod_containers,
    pod_manifest,
    wait_for_pod,
    wait_until,
)


def test_restart_adopts_running_containers_and_cleans_up_deleted_pods(api, own_kubelet, namespace):
    kubelet = own_kubelet.start()
    node = kubelet.node
    create_pod(api, namespace, pod_manifest("steady", node, command=["sleep", "3600"]))
    create_pod(api, namespace, pod_manifest("crashy", node, command=["sh", "-c", "exit 1"]))
    create_pod(api, namespace, pod_manifest("graceful", node, command=["sleep", "3600"]))
    forced = create_pod(api, namespace, pod_manifest("forced", node, command=["sleep", "3600"]))
    for name in ("steady", "graceful", "forced"):
        wait_for_pod(api, namespace, name, lambda p: phase(p) == "Running", what="Running")
    crashy = wait_for_pod(
        api, namespace, "crashy", lambda p: container_status(p).get("restartCount") == 1, what="one restart"
    )
    steady = get_pod(api, namespace, "steady")
    steady_ids = sorted(pod_containers(steady["metadata"]["uid"]))
    foreign = subprocess.run(
        ["docker", "run", "-d", "--label", f"io.kubemini.node={node}", "--label", "io.kubemini.pod.uid=foreign",
         IMAGE, "sleep", "300"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    try:
        kubelet.kill()
        api.request("DELETE", f"/api/v1/namespaces/{namespace}/pods/graceful", json={})
        api.request("DELETE", f"/api/v1/namespaces/{namespace}/pods/forced", json={"gracePeriodSeconds": 0})
        assert get_pod(api, namespace, "forced") is None
        assert pod_containers(forced["metadata"]["uid"], all_states=False), "nothing stops containers meanwhile"

        kubelet.start()
        wait_until(lambda: get_pod(api, namespace, "graceful") is None, what="graceful deletion finished")
        wait_until(lambda: pod_containers(forced["metadata"]["uid"]) == [], what="orphaned containers removed")
        steady_now = wait_for_pod(api, namespace, "steady", lambda p: phase(p) == "Running", what="Running")
        assert sorted(pod_containers(steady["metadata"]["uid"])) == steady_ids, "adopted, not restarted"
        assert app_container_id(steady_now) == app_container_id(steady)
        assert container_status(steady_now)["restartCount"] == 0
        crashy_now = get_pod(api, namespace, "crashy")
        assert container_status(crashy_now)["restartCount"] >= container_status(crashy)["restartCount"]
        running = subprocess.run(
            ["docker", "inspect", "-f", "{{.State.Running}}", foreign], capture_output=True, text=True, check=True
        )
        assert running.stdout.strip() == "true", "a container without io.kubemini.managed=true is never touched"
    finally:
        subprocess.run(["docker", "rm", "-f", foreign], capture_output=True)


def test_kill_during_pod_starts_leaves_exactly_one_instance_each(api, own_kubelet, namespace):
    kubelet = own_kubelet.start()
    names = [f"burst-{i}" for i in range(6)]
    for name in names:
        create_pod(api, namespace, pod_manifest(name, kubelet.node, command=["sleep", "3600"]))
    time.sleep(0.4)  # let some sandboxes and containers be created, some started, some not yet
    kubelet.kill()
    kubelet.start()
    for name in names:
        pod = wait_for_pod(api, namespace, name, lambda p: phase(p) == "Running", what="Running")
        assert container_status(pod)["restartCount"] == 0
        live = pod_containers(pod["metadata"]["uid"], all_states=False)
        assert len(live) == 2, f"{name}: one sandbox and one app container should run, found {len(live)}"
