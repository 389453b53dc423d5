"""Node and Pod dicts shaped as the apiserver returns them, for scheduler tests (unit and integration)."""

from __future__ import annotations

import uuid
from typing import Any

from scheduler.node_info import NodeInfo
from scheduler.pod_info import PodInfo, pod_info


def make_node(
    name: str,
    *,
    cpu: str = "4",
    memory: str = "8Gi",
    pods: str = "110",
    labels: dict[str, str] | None = None,
    taints: list[dict[str, str]] | None = None,
    ready: str | None = "True",
    unschedulable: bool = False,
    extra: dict[str, str] | None = None,
) -> dict[str, Any]:
    allocatable = {"cpu": cpu, "memory": memory, "pods": pods, **(extra or {})}
    status: dict[str, Any] = {"capacity": dict(allocatable), "allocatable": allocatable, "conditions": []}
    if ready is not None:
        status["conditions"].append({"type": "Ready", "status": ready, "reason": "KubeletReady"})
    spec: dict[str, Any] = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
        "spec": spec,
        "status": status,
    }


def make_pod(
    name: str,
    *,
    namespace: str = "default",
    cpu: str | None = None,
    memory: str | None = None,
    node_name: str | None = None,
    owner_uid: str | None = None,
    node_selector: dict[str, str] | None = None,
    affinity: dict[str, Any] | None = None,
    tolerations: list[dict[str, Any]] | None = None,
    host_port: int | None = None,
    priority: int | None = None,
    phase: str = "Pending",
    scheduler_name: str | None = None,
    uid: str | None = None,
) -> dict[str, Any]:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    container: dict[str, Any] = {"name": "app", "image": "busybox:1", "resources": {"requests": requests}}
    if host_port:
        container["ports"] = [{"containerPort": 80, "hostPort": host_port, "protocol": "TCP"}]
    spec: dict[str, Any] = {"containers": [container]}
    for field, value in (
        ("nodeName", node_name),
        ("nodeSelector", node_selector),
        ("affinity", affinity),
        ("tolerations", tolerations),
        ("priority", priority),
        ("schedulerName", scheduler_name),
    ):
        if value is not None:
            spec[field] = value
    metadata: dict[str, Any] = {"name": name, "namespace": namespace, "uid": uid or str(uuid.uuid4())}
    if owner_uid:
        metadata["ownerReferences"] = [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": owner_uid, "controller": True}
        ]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": {"phase": phase}}


def node_info(node: dict[str, Any], *pods: dict[str, Any]) -> NodeInfo:
    """A NodeInfo for `node` already charged with `pods`."""
    from scheduler.resources import pod_usage

    info = NodeInfo(node["metadata"]["name"])
    info.set_node(node)
    for pod in pods:
        info.add_pod(pod_usage(pod))
    return info


def info_of(pod: dict[str, Any]) -> PodInfo:
    return pod_info(pod)
