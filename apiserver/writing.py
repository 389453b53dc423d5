"""Create and update: the write paths every verb (PUT, PATCH, subresources) ends in.

No write is half-done: each ends in one etcd transaction, compare-and-swap on
the revision the change was computed from.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from apiserver.admission import NAMESPACES, check_namespace_open, default_and_validate
from apiserver.body import MAX_OBJECT_BYTES, too_large
from apiserver.context import ServerContext
from apiserver.errors import ApiError, conflict, from_storage, not_found
from apiserver.metadata import (
    check_namespace_matches,
    check_type_meta,
    generated_name,
    prepare_create,
    prepare_update,
)
from apiserver.request_info import RequestInfo
from apiserver.service_allocation import Allocation, drop_type_dependent_fields, release_keys
from apiserver.storage.errors import KeyExists, KeyNotFound, RevisionConflict, SideKeyTaken, StorageError
from apiserver.storage.etcd_store import SideKeys, Stored, encode
from kubemini.api.registry import ResourceType

MAX_CONFLICT_RETRIES = 10
CREATE_ATTEMPTS = 8


def _check_size(obj: dict) -> None:
    if len(encode(obj)) > MAX_OBJECT_BYTES:
        raise too_large()


async def create_object(ctx: ServerContext, resource: ResourceType, obj: dict, *, namespace: str | None) -> dict:
    check_type_meta(resource, obj)
    check_namespace_matches(resource, obj, namespace)
    generated = prepare_create(obj)
    default_and_validate(resource, obj)
    ns = obj["metadata"].get("namespace")
    namespace_revision = await check_namespace_open(ctx, ns) if resource.namespaced else 0
    _check_size(obj)
    original = copy.deepcopy(obj)
    for attempt in range(CREATE_ATTEMPTS):
        candidate = copy.deepcopy(original)
        if attempt and generated:
            # A generated name that collided is drawn again, as Kubernetes does.
            candidate["metadata"]["name"] = generated_name(candidate["metadata"]["generateName"])
        name = candidate["metadata"]["name"]
        allocation = await _allocate(ctx, resource, candidate, old=None)
        side = (
            SideKeys(creates=dict(allocation.side.creates), deletes=list(allocation.side.deletes))
            if allocation
            else SideKeys()
        )
        if namespace_revision:
            side.unchanged[NAMESPACES.storage_key(ns)] = namespace_revision
        try:
            return (await ctx.store.create(resource.storage_key(name, ns), candidate, side=side)).obj
        except KeyExists as exc:
            if not generated:
                raise from_storage(exc, resource, name) from exc
        except SideKeyTaken:
            # Another Service took a picked IP or port in the meantime: pick again,
            # unless the user asked for that very IP or port. Or the namespace
            # changed (maybe it is terminating now): look at it again in etcd.
            if allocation and (error := await ctx.allocator.explain_taken(allocation)):
                raise error from None
            if namespace_revision:
                namespace_revision = await check_namespace_open(ctx, ns, fresh=True)
        except StorageError as exc:
            raise from_storage(exc, resource, name) from exc
    raise ApiError(409, "could not create the object after repeated conflicts; try again", reason="Conflict")


async def _allocate(ctx: ServerContext, resource: ResourceType, obj: dict, *, old: dict | None) -> Allocation | None:
    """Kind-specific bookkeeping written with the object (today: Service IPs and NodePorts)."""
    if resource.kind != "Service":
        return None
    return await ctx.allocator.assign(obj, old)


async def read_stored(ctx: ServerContext, info: RequestInfo) -> Stored:
    try:
        return await ctx.store.get(info.storage_key)
    except StorageError as exc:
        raise from_storage(exc, info.resource, info.name or "") from exc


def _finalized(obj: dict) -> bool:
    """An object marked for deletion whose finalizers are all gone is deleted, not updated."""
    metadata = obj.get("metadata", {})
    if obj.get("kind") == "Namespace" and obj.get("spec", {}).get("finalizers"):
        return False
    return bool(metadata.get("deletionTimestamp")) and not metadata.get("finalizers")


def build_update(info: RequestInfo, old: dict, new: dict) -> dict:
    """Check identity and apply the update rules; returns the object to store."""
    resource = info.resource
    check_type_meta(resource, new)
    check_namespace_matches(resource, new, info.namespace)
    metadata = new["metadata"]
    if metadata.get("name") and metadata["name"] != info.name:
        raise ApiError(400, "the name of the object does not match the name on the URL", reason="BadRequest")
    metadata["name"] = info.name
    uid = metadata.get("uid")
    if uid and uid != old["metadata"].get("uid"):
        raise conflict(resource, info.name or "", f"Precondition failed: UID in object meta: {uid}")
    # A binding writes spec.nodeName and the PodScheduled condition together.
    has_status = "status" in resource.subresources and info.subresource != "binding"
    merged = prepare_update(old, new, subresource=info.subresource, has_status=has_status)
    if resource.kind == "Service":
        drop_type_dependent_fields(old, merged)
    if info.subresource != "status":
        default_and_validate(resource, merged, old=old)
    _check_size(merged)
    return merged


async def update_object(
    ctx: ServerContext, info: RequestInfo, change: Callable[[dict], dict], *, expected_revision: str | None = None
) -> dict:
    """Read-modify-write: `change(current)` returns the new desired object.

    With `expected_revision` (from the body's metadata.resourceVersion) a moved
    object is a 409; without it the change is re-applied to the latest state.
    """
    for _ in range(MAX_CONFLICT_RETRIES):
        current = await read_stored(ctx, info)
        if expected_revision and str(current.mod_revision) != expected_revision:
            raise conflict(info.resource, info.name or "")
        new = build_update(info, current.obj, change(copy.deepcopy(current.obj)))
        new["metadata"]["resourceVersion"] = current.obj["metadata"]["resourceVersion"]
        finalized = _finalized(new)
        allocation = None if finalized else await _allocate(ctx, info.resource, new, old=current.obj)
        if new == current.obj:
            return current.obj
        try:
            if finalized:
                release = release_keys(info.resource, current.obj)
                revision = await ctx.store.delete(
                    info.storage_key, expected_revision=current.mod_revision, side=release
                )
                new["metadata"]["resourceVersion"] = str(revision)
                return new
            side = allocation.side if allocation else None
            stored = await ctx.store.update(info.storage_key, new, expected_revision=current.mod_revision, side=side)
            return stored.obj
        except SideKeyTaken:
            if error := await ctx.allocator.explain_taken(allocation):
                raise error from None
            continue
        except RevisionConflict:
            if expected_revision:
                raise conflict(info.resource, info.name or "") from None
            continue
        except KeyNotFound:
            raise not_found(info.resource, info.name or "") from None
        except StorageError as exc:
            raise from_storage(exc, info.resource, info.name or "") from exc
    raise conflict(info.resource, info.name or "")
