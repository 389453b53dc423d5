"""The dashboard's actions as API requests, decided here and sent by the route with the user's token.

    scale    PATCH apps/v1 deployments|statefulsets/<name>/scale   {"spec":{"replicas":N}} (merge patch)
    restart  PATCH the workload's pod template annotation kubectl.kubernetes.io/restartedAt, as
             `kubectl rollout restart` does (strategic merge patch, the time in RFC 3339)
    delete   DELETE v1 pods/<name>
    cordon   PATCH v1 nodes/<name> {"spec":{"unschedulable":true|false}} (strategic merge, as kubectl cordon)
`access_checks` names, for each action, the SelfSubjectAccessReview the UI asks before it offers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kubemini.api.names import dns1123_subdomain_problem
from kubemini.api.registry import by_kind

RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
SCALABLE = {"Deployment", "StatefulSet"}
RESTARTABLE = {"Deployment", "StatefulSet", "DaemonSet"}
MAX_REPLICAS = 10_000


class InvalidAction(ValueError):
    pass


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str
    body: dict[str, Any] | None = None
    content_type: str = "application/json"


def _name(value: Any, what: str) -> str:
    if not isinstance(value, str) or dns1123_subdomain_problem(value):
        raise InvalidAction(f"{what} must be a DNS subdomain name, not {value!r}")
    return value


def _kind(value: Any, allowed: set[str]) -> str:
    if value not in allowed:
        raise InvalidAction(f"kind must be one of {', '.join(sorted(allowed))}, not {value!r}")
    return str(value)


def build_request(action: dict[str, Any], *, now: datetime) -> ApiRequest:
    """An action from the browser (`{"action": "scale", "kind", "namespace", "name", "replicas"}`) ──► a request."""
    verb = action.get("action")
    if verb == "scale":
        rt = by_kind(_kind(action.get("kind", "Deployment"), SCALABLE))
        replicas = action.get("replicas")
        if not isinstance(replicas, int) or isinstance(replicas, bool) or not 0 <= replicas <= MAX_REPLICAS:
            raise InvalidAction(f"replicas must be an integer from 0 to {MAX_REPLICAS}, not {replicas!r}")
        path = rt.object_path(_name(action.get("name"), "name"), _name(action.get("namespace"), "namespace"), "scale")
        return ApiRequest("PATCH", path, {"spec": {"replicas": replicas}}, MERGE_PATCH)
    if verb == "restart":
        rt = by_kind(_kind(action.get("kind", "Deployment"), RESTARTABLE))
        path = rt.object_path(_name(action.get("name"), "name"), _name(action.get("namespace"), "namespace"))
        stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT_ANNOTATION: stamp}}}}}
        return ApiRequest("PATCH", path, body, STRATEGIC_PATCH)
    if verb == "delete-pod":
        path = by_kind("Pod").object_path(
            _name(action.get("name"), "name"), _name(action.get("namespace"), "namespace")
        )
        return ApiRequest("DELETE", path, {"kind": "DeleteOptions", "apiVersion": "v1"})
    if verb in ("cordon", "uncordon"):
        path = by_kind("Node").object_path(_name(action.get("name"), "name"))
        return ApiRequest("PATCH", path, {"spec": {"unschedulable": verb == "cordon"}}, STRATEGIC_PATCH)
    raise InvalidAction(f"action must be one of scale, restart, delete-pod, cordon, uncordon, not {verb!r}")


# action ──► (group, resource, subresource, verb, namespaced): what SelfSubjectAccessReview is asked.
ACCESS_CHECKS: dict[str, tuple[str, str, str, str, bool]] = {
    "scale": ("apps", "deployments", "scale", "patch", True),
    "restart": ("apps", "deployments", "", "patch", True),
    "delete-pod": ("", "pods", "", "delete", True),
    "cordon": ("", "nodes", "", "patch", False),
    "logs": ("", "pods", "log", "get", True),
}


def access_review(action: str, *, namespace: str | None) -> dict[str, Any]:
    group, resource, subresource, verb, namespaced = ACCESS_CHECKS[action]
    attributes: dict[str, Any] = {"group": group, "resource": resource, "verb": verb}
    if subresource:
        attributes["subresource"] = subresource
    if namespaced and namespace:
        attributes["namespace"] = namespace
    return {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": attributes},
    }


SSAR_PATH = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
