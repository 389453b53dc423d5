"""`/scale`: an autoscaling/v1 Scale view of a workload's spec.replicas, status.replicas and selector.

A custom resource's strategy names its own paths (the CRD's `subresources.scale`): `scale_values`
and `with_replicas` on the strategy take over when it has them.
"""

from __future__ import annotations

from apiserver.errors import ApiError
from apiserver.typed_objects import typed_document
from kubemini.api.kinds import printing

SCALE_DEFINITION = "io.k8s.api.autoscaling.v1.Scale"


def selector_text(selector: object) -> str:
    """A label selector (matchLabels/matchExpressions) or a plain map (ReplicationController) as a string."""
    if not isinstance(selector, dict) or not selector:
        return ""
    if "matchLabels" in selector or "matchExpressions" in selector:
        text = printing.label_selector(selector)
        return "" if text == printing.NONE else text
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))


def to_scale(obj: dict, strategy=None) -> dict:
    metadata = obj["metadata"]
    if hasattr(strategy, "scale_values"):
        replicas, current, selector = strategy.scale_values(obj)
    else:
        replicas = printing.spec(obj).get("replicas", 0)
        current = printing.status(obj).get("replicas", 0)
        selector = selector_text(printing.spec(obj).get("selector"))
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            key: metadata[key]
            for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if key in metadata
        },
        "spec": {"replicas": replicas},
        "status": {"replicas": current, "selector": selector},
    }


def replicas_from_scale(scale: object) -> int:
    scale = typed_document(SCALE_DEFINITION, scale, kind="Scale")
    replicas = (scale.get("spec") or {}).get("replicas", 0)
    if replicas < 0:
        raise ApiError(
            422,
            f'Scale.autoscaling "{(scale.get("metadata") or {}).get("name", "")}" is invalid: '
            f"spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0",
            reason="Invalid",
            details={
                "kind": "Scale",
                "group": "autoscaling",
                "causes": [
                    {
                        "reason": "FieldValueInvalid",
                        "message": f"Invalid value: {replicas}: must be greater than or equal to 0",
                        "field": "spec.replicas",
                    }
                ],
            },
        )
    return replicas


def with_replicas(obj: dict, replicas: int, strategy=None) -> dict:
    if hasattr(strategy, "with_replicas"):
        return strategy.with_replicas(obj, replicas)
    obj.setdefault("spec", {})["replicas"] = replicas
    return obj
