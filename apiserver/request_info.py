"""Turning a request path into (resource, namespace, name, subresource)."""

from __future__ import annotations

from dataclasses import dataclass

from apiserver.errors import ApiError
from kubemini.api import registry
from kubemini.api.registry import ResourceType


@dataclass(frozen=True)
class RequestInfo:
    resource: ResourceType
    namespace: str | None
    name: str | None
    subresource: str | None

    @property
    def storage_key(self) -> str:
        return self.resource.storage_key(self.name or "", self.namespace)


def _unknown(path: str) -> ApiError:
    return ApiError(404, f"the server could not find the requested resource ({path})", reason="NotFound")


def parse_path(path: str) -> RequestInfo:
    """Parse `/api/v1/...` or `/apis/<group>/<version>/...`; 404 Status for anything unknown."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        raise _unknown(path)
    namespace = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        namespace_resource = registry.lookup(group, version, "namespaces")
        if not (namespace_resource and len(rest) == 3 and rest[2] in namespace_resource.subresources):
            namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        raise _unknown(path)
    resource = registry.lookup(group, version, rest[0])
    if resource is None:
        raise _unknown(path)
    if namespace is not None and not resource.namespaced:
        raise _unknown(path)
    name = rest[1] if len(rest) >= 2 else None
    subresource = rest[2] if len(rest) == 3 else None
    if subresource is not None and subresource not in resource.subresources:
        raise _unknown(path)
    return RequestInfo(resource, namespace, name, subresource)
