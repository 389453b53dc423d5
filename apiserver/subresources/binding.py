"""`pods/binding` and the `bindings` resource: the only way `spec.nodeName` is set on an existing pod."""

from __future__ import annotations

from fastapi.responses import JSONResponse, Response

from apiserver.errors import ApiError, conflict
from apiserver.metadata import DIRECT
from apiserver.typed_objects import typed_document
from apiserver.writing import update_object
from kubemini.api import timestamps
from kubemini.api.status import success_status

BINDING_DEFINITION = "io.k8s.api.core.v1.Binding"


def check_binding(binding: object) -> dict:
    binding = typed_document(BINDING_DEFINITION, binding, kind="Binding")
    if not (binding.get("target") or {}).get("name"):
        raise ApiError(
            422,
            f'Binding "{(binding.get("metadata") or {}).get("name", "")}" is invalid: target.name: Required value',
            reason="Invalid",
            details={
                "kind": "Binding",
                "causes": [{"reason": "FieldValueRequired", "message": "Required value", "field": "target.name"}],
            },
        )
    return binding


def bind_pod(record, name: str, pod: dict, binding: dict) -> dict:
    """The pod with `spec.nodeName` set from a Binding; 409 when already bound or being deleted."""
    node = binding["target"]["name"]
    if pod["metadata"].get("deletionTimestamp"):
        raise conflict(record, name, "pod is being deleted, cannot be assigned to a host")
    current = (pod.get("spec") or {}).get("nodeName")
    if current:
        raise conflict(record, name, f'pod {name} is already assigned to node "{current}"')
    pod.setdefault("spec", {})["nodeName"] = node
    status = pod.setdefault("status", {})
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
    conditions.append(
        {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": timestamps.now()}
    )
    status["conditions"] = conditions
    return pod


async def bind(ctx, info, target: dict) -> Response:
    """Bind the pod `info` names to `target`'s node (the write goes around the pod's update rules)."""
    bound = await update_object(ctx, info, lambda pod: bind_pod(info.resource, info.name, pod, target), mode=DIRECT)
    return JSONResponse(success_status(kind="pods", name=bound["metadata"]["name"]), status_code=201)
