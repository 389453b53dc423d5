"""The Node object a kubelet registers, and its status: pure functions of what the runtime reports.

    NodeResources (docker info / fake) + runtime reachable? + previous conditions
        ──► capacity, allocatable (cpu, memory, ephemeral-storage of the runtime's disk, pods 110),
            conditions (Ready + pressures),
            addresses (InternalIP, Hostname), daemonEndpoints (kubelet port), nodeInfo

`Ready` keeps its lastTransitionTime while it holds; lastHeartbeatTime is
always now, so every status write is also a heartbeat for readers that still
look at conditions rather than the Lease.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping
from typing import Any

from kubelet.node_context import KUBELET_VERSION, KubeletSettings
from kubelet.runtime import NodeResources
from kubelet.volumes.layout import local_path_dir
from kubemini.api import timestamps
from kubemini.api.local_path import NODE_DIR_ANNOTATION
from kubemini.api.quantity import format_cpu_millis

MAX_PODS = 110
ARCHITECTURES = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
PRESSURE_CONDITIONS = (
    ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
)


def architecture() -> str:
    machine = platform.machine()
    return ARCHITECTURES.get(machine, machine or "amd64")


def node_labels(name: str, settings: KubeletSettings) -> dict[str, str]:
    labels = {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": architecture(),
        "beta.kubernetes.io/os": "linux",
        "beta.kubernetes.io/arch": architecture(),
    }
    if settings.hollow:
        labels["kubemini.io/hollow"] = "true"
    labels.update(settings.node_labels)
    return labels


def node_annotations(settings: KubeletSettings) -> dict[str, str]:
    """Where the local-path provisioner puts this node's volumes (none on a hollow node)."""
    return {} if settings.root_dir is None else {NODE_DIR_ANNOTATION: local_path_dir(settings.root_dir)}


def memory_quantity(memory_bytes: int) -> str:
    """The largest binary unit that divides it exactly (16Gi, 512Mi), else Ki rounded down."""
    for unit, size in (("Gi", 2**30), ("Mi", 2**20)):
        if memory_bytes % size == 0:
            return f"{memory_bytes // size}{unit}"
    return f"{memory_bytes // 1024}Ki"


def node_conditions(
    *, ready: bool, not_ready_message: str, previous: list[Mapping[str, Any]] | None
) -> list[dict[str, Any]]:
    now = timestamps.now()
    old = {c.get("type"): c for c in previous or []}
    fresh = [(type_, "False", reason, message) for type_, reason, message in PRESSURE_CONDITIONS]
    if ready:
        fresh.append(("Ready", "True", "KubeletReady", "kubelet is posting ready status"))
    else:
        fresh.append(("Ready", "False", "KubeletNotReady", not_ready_message))
    conditions = []
    for type_, status, reason, message in fresh:
        before = old.get(type_)
        transition = before.get("lastTransitionTime") if before and before.get("status") == status else None
        conditions.append(
            {
                "type": type_,
                "status": status,
                "reason": reason,
                "message": message,
                "lastHeartbeatTime": now,
                "lastTransitionTime": transition or now,
            }
        )
    return conditions


def node_status(
    name: str,
    *,
    resources: NodeResources,
    settings: KubeletSettings,
    ready: bool,
    not_ready_message: str = "",
    previous_conditions: list[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    capacity = {
        "cpu": format_cpu_millis(resources.cpu_millis),
        "memory": memory_quantity(resources.memory_bytes),
        "ephemeral-storage": memory_quantity(resources.ephemeral_storage_bytes),
        "pods": str(MAX_PODS),
    }
    return {
        "capacity": capacity,
        "allocatable": dict(capacity),
        "conditions": node_conditions(ready=ready, not_ready_message=not_ready_message, previous=previous_conditions),
        "addresses": [
            {"type": "InternalIP", "address": settings.host_ip},
            {"type": "Hostname", "address": name},
        ],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": settings.port}},
        "nodeInfo": {
            "machineID": resources.machine_id,
            "systemUUID": resources.machine_id,
            "bootID": "",
            "kernelVersion": resources.kernel_version or platform.release(),
            "osImage": resources.os_image or "kubemini",
            "containerRuntimeVersion": resources.runtime_version,
            "kubeletVersion": KUBELET_VERSION,
            "kubeProxyVersion": KUBELET_VERSION,
            "operatingSystem": "linux",
            "architecture": architecture(),
        },
    }


def node_object(name: str, *, settings: KubeletSettings, status: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": node_labels(name, settings), "annotations": node_annotations(settings)},
        "spec": {},
        "status": status,
    }
