"""Probes on real containers: liveness restarts, readiness drives Ready, httpGet and tcpSocket to the pod IP."""

from __future__ import annotations

from tests.e2e.kubelet.pods import (
    app_container_id,
    condition,
    container_status,
    create_pod,
    docker_exec,
    event_reasons,
    events,
    phase,
    pod_manifest,
    wait_for_pod,
)

WEB = "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"


def test_failed_liveness_probe_restarts_the_container(api, kubelet, namespace):
    probe = {"exec": {"command": ["test", "-f", "/tmp/alive"]}, "periodSeconds": 1, "failureThreshold": 2}
    command = ["sh", "-c", "touch /tmp/alive; sleep 2; rm /tmp/alive; exec sleep 3600"]
    create_pod(api, namespace, pod_manifest("sick", kubelet.node, command=command, container={"livenessProbe": probe}))
    pod = wait_for_pod(
        api, namespace, "sick", lambda p: container_status(p).get("restartCount", 0) >= 1, what="a restart"
    )
    assert phase(pod) == "Running"
    assert {"Unhealthy", "Killing"} <= event_reasons(api, namespace, "sick")
    messages = [e["message"] for e in events(api, namespace, "sick")]
    assert any(m.startswith("Liveness probe failed") for m in messages)
    assert "Container app failed liveness probe, will be restarted" in messages


def test_readiness_probe_toggles_ready(api, kubelet, namespace):
    probe = {"exec": {"command": ["test", "-f", "/tmp/ready"]}, "periodSeconds": 1, "failureThreshold": 1}
    manifest = pod_manifest("gate", kubelet.node, command=["sleep", "3600"], container={"readinessProbe": probe})
    create_pod(api, namespace, manifest)
    pod = wait_for_pod(api, namespace, "gate", lambda p: phase(p) == "Running", what="Running")
    assert condition(pod, "Ready") == "False" and container_status(pod)["ready"] is False
    container = app_container_id(pod)

    docker_exec(container, "touch", "/tmp/ready")
    wait_for_pod(api, namespace, "gate", lambda p: condition(p, "Ready") == "True", what="Ready", timeout=10)
    docker_exec(container, "rm", "/tmp/ready")
    pod = wait_for_pod(api, namespace, "gate", lambda p: condition(p, "Ready") == "False", what="unready", timeout=10)
    assert condition(pod, "ContainersReady") == "False" and phase(pod) == "Running"
    assert container_status(pod)["restartCount"] == 0, "readiness never restarts a container"


def test_http_and_tcp_probes_reach_the_pod(api, kubelet, namespace):
    container = {
        "ports": [{"name": "web", "containerPort": 8080}],
        "readinessProbe": {"httpGet": {"path": "/index.html", "port": "web"}, "periodSeconds": 1},
        "livenessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 1, "failureThreshold": 1},
        "startupProbe": {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1, "failureThreshold": 10},
    }
    create_pod(api, namespace, pod_manifest("web", kubelet.node, command=["sh", "-c", WEB], container=container))
    pod = wait_for_pod(api, namespace, "web", lambda p: condition(p, "Ready") == "True", what="Ready", timeout=15)
    status = container_status(pod)
    assert status["started"] is True and status["restartCount"] == 0
