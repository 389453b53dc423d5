"""Subresources with their own shapes: `/scale` (autoscaling/v1 Scale) and `pods/binding`."""

from __future__ import annotations

from apiserver.errors import ApiError, bad_request, conflict
from apiserver.request_info import RequestInfo
from kubemini.api import timestamps
from kubemini.api.selectors import selector_to_string


def to_scale(obj: dict) -> dict:
    metadata = obj["metadata"]
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            key: metadata[key]
            for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if key in metadata
        },
        "spec": {"replicas": obj.get("spec", {}).get("replicas", 0)},
        "status": {
            "replicas": obj.get("status", {}).get("replicas", 0),
            "selector": selector_to_string(obj.get("spec", {}).get("selector")),
        },
    }


def replicas_from_scale(scale: dict) -> int:
    if scale.get("kind") not in (None, "Scale"):
        raise bad_request(f"expected a Scale, got {scale.get('kind')}")
    replicas = scale.get("spec", {}).get("replicas", 0) if isinstance(scale.get("spec"), dict) else None
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        raise ApiError(
            422,
            f"Scale is invalid: spec.replicas: Invalid value: {replicas!r}: must be greater than or equal to 0",
            reason="Invalid",
            details={"kind": "Scale", "causes": [{"reason": "FieldValueInvalid", "field": "spec.replicas"}]},
        )
    return replicas


def bind_pod(info: RequestInfo, pod: dict, binding: dict) -> dict:
    """The pod with `spec.nodeName` set from a Binding; 409 when already bound elsewhere."""
    target = binding.get("target") if isinstance(binding.get("target"), dict) else {}
    node = target.get("name")
    if not node:
        raise ApiError(
            422,
            "Binding is invalid: target.name: Required value",
            reason="Invalid",
            details={"kind": "Binding", "causes": [{"reason": "FieldValueRequired", "field": "target.name"}]},
        )
    if pod["metadata"].get("deletionTimestamp"):
        raise conflict(info.resource, info.name or "", "pod is being deleted, cannot be assigned to a host")
    current = pod.get("spec", {}).get("nodeName")
    if current:
        raise conflict(info.resource, info.name or "", f'pod {info.name} is already assigned to node "{current}"')
    pod["spec"]["nodeName"] = node
    conditions = [c for c in pod.setdefault("status", {}).get("conditions", []) if c.get("type") != "PodScheduled"]
    conditions.append({"type": "PodScheduled", "status": "True", "lastTransitionTime": timestamps.now()})
    pod["status"]["conditions"] = conditions
    return pod
