"""Rules that compare an update with the stored object: immutable fields."""

from __future__ import annotations

import copy

from kubemini.api.field_errors import FieldErrors

_IMMUTABLE = "field is immutable"


def _get(obj: dict, *path: str) -> object:
    current: object = obj
    for key in path:
        if not isinstance(current, dict):
            return None
        current = current.get(key)
    return current


def _pod_spec_without_mutable(spec: object) -> object:
    """A pod spec with the fields Kubernetes lets an update change masked out."""
    if not isinstance(spec, dict):
        return spec
    masked = copy.deepcopy(spec)
    for key in ("containers", "initContainers"):
        for container in masked.get(key) or []:
            if isinstance(container, dict):
                container.pop("image", None)
    for key in ("activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds"):
        masked.pop(key, None)
    return masked


def validate_update(kind: str, old: dict, new: dict, errors: FieldErrors) -> None:
    if kind in ("Deployment", "ReplicaSet"):
        if _get(old, "spec", "selector") != _get(new, "spec", "selector"):
            errors.invalid("spec.selector", _get(new, "spec", "selector"), _IMMUTABLE)
    elif kind == "Pod":
        old_node, new_node = _get(old, "spec", "nodeName"), _get(new, "spec", "nodeName")
        if old_node and old_node != new_node:
            errors.invalid("spec.nodeName", new_node, _IMMUTABLE)
        old_spec, new_spec = dict(old.get("spec") or {}), dict(new.get("spec") or {})
        old_spec.pop("nodeName", None)
        new_spec.pop("nodeName", None)
        if _pod_spec_without_mutable(old_spec) != _pod_spec_without_mutable(new_spec):
            errors.forbidden(
                "spec",
                "pod updates may not change fields other than `spec.containers[*].image`, "
                "`spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` "
                "(only additions to existing tolerations), `spec.terminationGracePeriodSeconds`",
            )
    elif kind == "Service":
        old_ip = _get(old, "spec", "clusterIP")
        new_ip = _get(new, "spec", "clusterIP")
        if old_ip and new_ip and old_ip != new_ip and _get(new, "spec", "type") != "ExternalName":
            errors.invalid("spec.clusterIP", new_ip, _IMMUTABLE)
