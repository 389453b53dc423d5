"""Admission: namespace lifecycle, defaulting and validation, run before every write."""

from __future__ import annotations

from apiserver.context import ServerContext
from apiserver.errors import ApiError, from_storage, invalid
from apiserver.storage.errors import KeyNotFound, StorageError
from kubemini.api import registry
from kubemini.api.defaults import apply_defaults
from kubemini.api.registry import ResourceType
from kubemini.api.validation import validate

NAMESPACES = registry.by_kind("Namespace")


async def check_namespace_open(ctx: ServerContext, namespace: str, *, fresh: bool = False) -> int:
    """404 when the namespace does not exist, 403 when it is terminating; else its revision.

    The watch cache may lag a moment behind a DELETE, so the create transaction
    also requires the namespace to be unchanged since this revision; if it
    moved, the caller checks again with `fresh=True` (a read from etcd).
    """
    cached = None if fresh else ctx.cache(NAMESPACES).objects.get(NAMESPACES.storage_key(namespace))
    if cached is None:
        try:
            cached = (await ctx.store.get(NAMESPACES.storage_key(namespace))).obj
        except KeyNotFound:
            raise ApiError(
                404, f'namespaces "{namespace}" not found', details={"name": namespace, "kind": "namespaces"}
            ) from None
        except StorageError as exc:
            raise from_storage(exc, NAMESPACES, namespace) from exc
    if cached.get("metadata", {}).get("deletionTimestamp") or cached.get("status", {}).get("phase") == "Terminating":
        raise ApiError(
            403,
            f"unable to create new content in namespace {namespace} because it is being terminated",
            reason="Forbidden",
            details={"name": namespace, "kind": "namespaces", "causes": [{"reason": "NamespaceTerminating"}]},
        )
    return int(cached["metadata"]["resourceVersion"])


def default_and_validate(resource: ResourceType, obj: dict, *, old: dict | None = None) -> None:
    apply_defaults(resource.kind, obj)
    errors = validate(resource.kind, obj, namespaced=resource.namespaced, old=old)
    if errors:
        raise invalid(resource, obj.get("metadata", {}).get("name") or "", errors)
