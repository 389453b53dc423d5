"""NamespaceLifecycle: no new content in a namespace that is missing (404) or terminating (403).

The watch cache may lag a moment behind a DELETE, so the create transaction
also requires the namespace key to be unchanged since the revision checked
here (`attrs.side.unchanged`); if it moved, the write checks again from etcd.
"""

from __future__ import annotations

from apiserver.admission import CREATE, DELETE, AdmissionPlugin, Attributes
from apiserver.errors import ApiError, from_storage
from apiserver.storage.errors import KeyNotFound, StorageError
from kubemini.api import registry

NAMESPACES = registry.by_kind("Namespace")
IMMORTAL_NAMESPACES = ("default", "kube-system", "kube-public")


def namespace_gone(namespace: str) -> ApiError:
    return ApiError(
        404, f'namespaces "{namespace}" not found', reason="NotFound", details={"name": namespace, "kind": "namespaces"}
    )


def namespace_terminating(namespace: str) -> ApiError:
    return ApiError(
        403,
        f"unable to create new content in namespace {namespace} because it is being terminated",
        reason="Forbidden",
        details={
            "name": namespace,
            "kind": "namespaces",
            "causes": [
                {
                    "reason": "NamespaceTerminating",
                    "message": f"namespace {namespace} is being terminated",
                    "field": "metadata.namespace",
                }
            ],
        },
    )


async def namespace_revision(ctx, namespace: str, *, fresh: bool = False) -> int:
    """The namespace's revision if content may be created in it; 404 or 403 otherwise."""
    key = NAMESPACES.storage_key(namespace)
    cached = None if fresh else ctx.cache(NAMESPACES).objects.get(key)
    if cached is None:
        try:
            cached = (await ctx.store.get(key)).obj
        except KeyNotFound:
            raise namespace_gone(namespace) from None
        except StorageError as exc:
            raise from_storage(exc, NAMESPACES, namespace) from exc
    if (cached.get("metadata") or {}).get("deletionTimestamp") or (cached.get("status") or {}).get(
        "phase"
    ) == "Terminating":
        raise namespace_terminating(namespace)
    return int(cached["metadata"]["resourceVersion"])


class NamespaceLifecycle(AdmissionPlugin):
    name = "NamespaceLifecycle"

    def handles(self, attrs: Attributes) -> bool:
        if attrs.operation == DELETE:
            return attrs.record is NAMESPACES
        return attrs.operation == CREATE and attrs.record.namespaced and bool(attrs.namespace)

    async def validate(self, ctx, attrs: Attributes) -> None:
        if attrs.operation == DELETE:
            name = (attrs.obj.get("metadata") or {}).get("name")
            if name in IMMORTAL_NAMESPACES:
                raise ApiError(
                    403,
                    f'namespaces "{name}" is forbidden: this namespace may not be deleted',
                    reason="Forbidden",
                    details={"name": name, "kind": "namespaces"},
                )
            return
        fresh = attrs.notes.get("namespace_moved", False)
        revision = await namespace_revision(ctx, attrs.namespace, fresh=fresh)
        attrs.side.unchanged[NAMESPACES.storage_key(attrs.namespace)] = revision

    async def explain_taken(self, ctx, attrs: Attributes):
        # The namespace may have started terminating: look at it again in etcd on the next attempt.
        try:
            await namespace_revision(ctx, attrs.namespace, fresh=True)
        except ApiError as error:
            return error
        attrs.notes["namespace_moved"] = True
        return None
