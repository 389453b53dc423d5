"""Nodes ──► rows with allocatable CPU/memory, readiness and cordon state; NodeMetrics ──► used CPU/memory.

What pods request of a node is summed in the browser from the pod rows
(`cpuRequestMillis`, `node`), so one pod event updates the bar without a node event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashboard.shaping.common import base_row
from kubemini.api.quantity import QuantityError, cpu_millis, to_bytes

ROLE_LABEL_PREFIX = "node-role.kubernetes.io/"


def _quantity(parse, value: Any) -> int:
    try:
        return parse(value) if value not in (None, "") else 0
    except (QuantityError, ValueError, TypeError):
        return 0


def node_row(node: Mapping[str, Any]) -> dict[str, Any]:
    spec, status = node.get("spec") or {}, node.get("status") or {}
    allocatable = status.get("allocatable") or status.get("capacity") or {}
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    labels = (node.get("metadata") or {}).get("labels") or {}
    roles = sorted(key[len(ROLE_LABEL_PREFIX) :] for key in labels if key.startswith(ROLE_LABEL_PREFIX))
    info = status.get("nodeInfo") or {}
    return {
        **base_row(node),
        "ready": (ready or {}).get("status") == "True",
        "unschedulable": bool(spec.get("unschedulable")),
        "roles": roles,
        "cpuAllocatableMillis": _quantity(cpu_millis, allocatable.get("cpu")),
        "memoryAllocatableBytes": _quantity(to_bytes, allocatable.get("memory")),
        "podsAllocatable": _quantity(int, allocatable.get("pods")),
        "kubeletVersion": info.get("kubeletVersion") or "",
        "taints": [f"{t.get('key')}:{t.get('effect')}" for t in spec.get("taints") or []],
    }


def node_usage(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """One NodeMetrics item ──► {name, cpuUsedMillis, memoryUsedBytes}."""
    usage = metrics.get("usage") or {}
    return {
        "key": (metrics.get("metadata") or {}).get("name") or "",
        "cpuUsedMillis": _quantity(cpu_millis, usage.get("cpu")),
        "memoryUsedBytes": _quantity(to_bytes, usage.get("memory")),
        "timestamp": metrics.get("timestamp") or "",
    }
