"""Turning a request path into (resource, namespace, name, subresource)."""

from __future__ import annotations

from dataclasses import dataclass

from apiserver.errors import ApiError, path_not_found
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

    def main(self) -> RequestInfo:
        """The object itself, for a subresource that writes through it (`/scale`, `/eviction`)."""
        return RequestInfo(self.resource, self.namespace, self.name, None)

    def with_subresource(self, subresource: str) -> RequestInfo:
        return RequestInfo(self.resource, self.namespace, self.name, subresource)

    def child(self, namespace: str | None, name: str) -> RequestInfo:
        return RequestInfo(self.resource, namespace, name, None)


def _unknown(path: str) -> ApiError:
    return path_not_found()


def parse_path(path: str) -> RequestInfo:
    """Parse `/api/v1/...` or `/apis/<group>/<version>/...`; 404 Status for anything unknown."""
    parts = path.split("/")[1:] if path.startswith("/") else path.split("/")
    if parts and parts[-1] == "":
        parts = parts[:-1]
    if "" in parts:
        raise _unknown(path)
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
