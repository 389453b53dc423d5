"""Helpers for kubelet end-to-end tests: pod manifests, waiting with deadlines, reading status and events."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import Any

import httpx

IMAGE = "kubemini/busybox:1.35"
DEFAULT_TIMEOUT_SECONDS = 30.0


def wait_until(
    predicate: Callable[[], Any],
    *,
    what: str,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    interval: float = 0.1,
    context: Callable[[], str] = lambda: "",
) -> Any:
    """The predicate's first truthy answer; an AssertionError naming what was awaited and last seen."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last seen: {last!r}\n{context()}")


def node_ready(api: httpx.Client, name: str) -> bool:
    response = api.get(f"/api/v1/nodes/{name}")
    if response.status_code != 200:
        return False
    conditions = {c["type"]: c["status"] for c in response.json().get("status", {}).get("conditions") or []}
    return conditions.get("Ready") == "True"


def pod_manifest(name: str, node: str, *, command: list[str] | None = None, **spec: Any) -> dict:
    container: dict[str, Any] = {"name": "app", "image": IMAGE}
    if command:
        container["command"] = command
    container.update(spec.pop("container", {}))
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"nodeName": node, "terminationGracePeriodSeconds": 2, "containers": [container], **spec},
    }


def create_pod(api: httpx.Client, namespace: str, manifest: dict) -> dict:
    response = api.post(f"/api/v1/namespaces/{namespace}/pods", json=manifest)
    assert response.status_code == 201, response.text
    return response.json()


def get_pod(api: httpx.Client, namespace: str, name: str) -> dict | None:
    response = api.get(f"/api/v1/namespaces/{namespace}/pods/{name}")
    return response.json() if response.status_code == 200 else None


def wait_for_pod(
    api: httpx.Client,
    namespace: str,
    name: str,
    predicate: Callable[[dict], Any],
    *,
    what: str,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> dict:
    seen: dict[str, Any] = {}

    def check() -> dict | None:
        pod = get_pod(api, namespace, name)
        seen["status"] = (pod or {}).get("status")
        return pod if pod is not None and predicate(pod) else None

    return wait_until(check, what=f"pod {name}: {what}", timeout=timeout, context=lambda: f"status: {seen}")


def phase(pod: dict) -> str:
    return (pod.get("status") or {}).get("phase", "")


def container_status(pod: dict, name: str = "app", *, init: bool = False) -> dict:
    key = "initContainerStatuses" if init else "containerStatuses"
    for status in (pod.get("status") or {}).get(key) or []:
        if status["name"] == name:
            return status
    return {}


def waiting_reason(pod: dict, name: str = "app") -> str:
    return ((container_status(pod, name).get("state") or {}).get("waiting") or {}).get("reason", "")


def condition(pod: dict, type_: str) -> str:
    for entry in (pod.get("status") or {}).get("conditions") or []:
        if entry["type"] == type_:
            return entry["status"]
    return ""


def events(api: httpx.Client, namespace: str, name: str) -> list[dict]:
    selector = f"involvedObject.name={name}"
    items = api.get(f"/api/v1/namespaces/{namespace}/events", params={"fieldSelector": selector}).json()["items"]
    return [e for e in items if e.get("involvedObject", {}).get("name") == name]


def event_reasons(api: httpx.Client, namespace: str, name: str) -> set[str]:
    return {e["reason"] for e in events(api, namespace, name)}


def pod_containers(uid: str, *, all_states: bool = True) -> list[str]:
    argv = ["docker", "ps", "-q", "--no-trunc", "--filter", f"label=io.kubemini.pod.uid={uid}"]
    if all_states:
        argv.insert(2, "-a")
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.split()


def docker_exec(container_id: str, *command: str) -> None:
    subprocess.run(["docker", "exec", container_id, *command], check=True, capture_output=True)


def app_container_id(pod: dict, name: str = "app") -> str:
    return container_status(pod, name)["containerID"].removeprefix("docker://")


def delete_all_pods(api: httpx.Client, namespace: str) -> None:
    for pod in api.get(f"/api/v1/namespaces/{namespace}/pods").json().get("items") or []:
        path = f"/api/v1/namespaces/{namespace}/pods/{pod['metadata']['name']}"
        api.request("DELETE", path, json={"gracePeriodSeconds": 0})
