"""The `customresourcecleanup.apiextensions.k8s.io` finalizer of a deleted CRD.

    CRD marked for deletion ──► DELETE every stored custom resource (their own finalizers are honoured:
        such an object is only marked) ──► none left: the finalizer is removed, the CRD is deleted,
        and the controller drops its routes

Returns whether the CRD is done; the controller calls again until it is.
"""

from __future__ import annotations

import logging

from apiserver.deleting import DeleteOptions, delete_object
from apiserver.errors import ApiError
from apiserver.metadata import MAIN
from apiserver.request_info import RequestInfo
from apiserver.writing import update_object
from kubemini.api import registry
from kubemini.api.kinds.apiextensions.crd import CLEANUP_FINALIZER
from kubemini.api.registry import ResourceType

log = logging.getLogger("apiserver.crds")
CRDS = registry.lookup("apiextensions.k8s.io", "v1", "customresourcedefinitions")


async def _delete_instances(ctx, stored: ResourceType) -> int:
    """Ask every object to go; how many are still there."""
    listing = await ctx.store.list(stored.storage_prefix())
    left = 0
    for item in listing.items:
        metadata = item.obj.get("metadata") or {}
        info = RequestInfo(stored, metadata.get("namespace"), metadata.get("name"), None)
        try:
            _, deleted = await delete_object(ctx, info, DeleteOptions())
        except ApiError as error:
            if error.code == 404:
                continue
            raise
        left += 0 if deleted else 1
    return left


def _without_finalizer(crd: dict) -> dict:
    finalizers = [f for f in crd["metadata"].get("finalizers") or [] if f != CLEANUP_FINALIZER]
    if finalizers:
        crd["metadata"]["finalizers"] = finalizers
    else:
        crd["metadata"].pop("finalizers", None)
    return crd


async def finalize(ctx, crd: dict, records: tuple[ResourceType, ...]) -> bool:
    stored = next((r for r in records if r.stored), None)
    if stored is not None and await _delete_instances(ctx, stored):
        return False
    name = crd["metadata"]["name"]
    try:
        await update_object(ctx, RequestInfo(CRDS, None, name, None), _without_finalizer, mode=MAIN)
    except ApiError as error:
        if error.code != 404:
            raise
    log.info("custom resources of %s deleted; finalizer removed", name)
    return True
