"""DELETE: preconditions, graceful pod deletion, finalizers and propagation policy.

An object with finalizers is only marked (`deletionTimestamp`); the last
finalizer's removal deletes it (see writing.update_object). The propagation
policy is recorded as the finalizers the garbage collector acts on.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from apiserver.context import ServerContext
from apiserver.errors import ApiError, bad_request, conflict, from_storage
from apiserver.request_info import RequestInfo
from apiserver.service_allocation import release_keys
from apiserver.storage.errors import KeyNotFound, RevisionConflict, StorageError
from apiserver.writing import read_stored

ORPHAN_FINALIZER = "orphan"
FOREGROUND_FINALIZER = "foregroundDeletion"
POLICIES = ("Orphan", "Foreground", "Background")
MAX_CONFLICT_RETRIES = 10


def _grace_period(info: RequestInfo, obj: dict, options: dict) -> int:
    if info.resource.kind != "Pod":
        return 0
    requested = options.get("gracePeriodSeconds")
    if requested is None:
        requested = obj.get("spec", {}).get("terminationGracePeriodSeconds", 30)
    if not isinstance(requested, int) or isinstance(requested, bool) or requested < 0:
        raise bad_request("gracePeriodSeconds must be a non-negative integer")
    # Kubernetes deletes at once a pod no kubelet runs: unbound, or already finished.
    phase = obj.get("status", {}).get("phase")
    if not obj.get("spec", {}).get("nodeName") or phase in ("Succeeded", "Failed"):
        return 0
    return requested


def _check_preconditions(info: RequestInfo, obj: dict, options: dict) -> None:
    preconditions = options.get("preconditions") or {}
    metadata = obj["metadata"]
    if preconditions.get("uid") and preconditions["uid"] != metadata.get("uid"):
        raise conflict(
            info.resource,
            info.name or "",
            f"Precondition failed: UID in precondition: {preconditions['uid']}, "
            f"UID in object meta: {metadata.get('uid')}",
        )
    wanted_rv = preconditions.get("resourceVersion")
    if wanted_rv and wanted_rv != metadata.get("resourceVersion"):
        raise conflict(
            info.resource,
            info.name or "",
            f"Precondition failed: ResourceVersion in precondition: {wanted_rv}, "
            f"ResourceVersion in object meta: {metadata.get('resourceVersion')}",
        )


def _policy(options: dict, obj: dict) -> str | None:
    policy = options.get("propagationPolicy")
    if policy is None and options.get("orphanDependents") is not None:
        policy = "Orphan" if options["orphanDependents"] else "Background"
    if policy is not None and policy not in POLICIES:
        raise bad_request(f"propagationPolicy {policy!r} is not one of {', '.join(POLICIES)}")
    return policy


def _marked(obj: dict, *, grace: int, policy: str | None) -> dict:
    """The object with deletionTimestamp set and the policy's finalizer added."""
    marked = copy.deepcopy(obj)
    metadata = marked["metadata"]
    finalizers = list(metadata.get("finalizers") or [])
    wanted = {"Orphan": ORPHAN_FINALIZER, "Foreground": FOREGROUND_FINALIZER}.get(policy or "")
    if wanted and wanted not in finalizers and not metadata.get("deletionTimestamp"):
        finalizers.append(wanted)
    if finalizers:
        metadata["finalizers"] = finalizers
    if not metadata.get("deletionTimestamp"):
        deadline = datetime.now(UTC) + timedelta(seconds=grace)
        metadata["deletionTimestamp"] = deadline.strftime("%Y-%m-%dT%H:%M:%SZ")
        metadata["deletionGracePeriodSeconds"] = grace
    elif grace < metadata.get("deletionGracePeriodSeconds", grace):
        metadata["deletionGracePeriodSeconds"] = grace  # a shorter grace period may replace a longer one
    if marked["kind"] == "Namespace":
        marked.setdefault("status", {})["phase"] = "Terminating"
    return marked


async def delete_object(ctx: ServerContext, info: RequestInfo, options: dict) -> tuple[dict, bool]:
    """Returns (object, deleted_now). Not deleted now means it was marked for graceful deletion."""
    for _ in range(MAX_CONFLICT_RETRIES):
        current = await read_stored(ctx, info)
        obj = current.obj
        _check_preconditions(info, obj, options)
        grace = _grace_period(info, obj, options)
        policy = _policy(options, obj)
        marked = _marked(obj, grace=grace, policy=policy)
        spec_finalizers = info.resource.kind == "Namespace" and obj.get("spec", {}).get("finalizers")
        needs_mark = grace > 0 or marked["metadata"].get("finalizers") or spec_finalizers
        try:
            if needs_mark:
                if marked == obj:
                    return obj, False
                stored = await ctx.store.update(info.storage_key, marked, expected_revision=current.mod_revision)
                return stored.obj, False
            release = release_keys(info.resource, obj)
            revision = await ctx.store.delete(info.storage_key, expected_revision=current.mod_revision, side=release)
            obj["metadata"]["resourceVersion"] = str(revision)
            return obj, True
        except RevisionConflict:
            continue
        except KeyNotFound:
            raise from_storage(KeyNotFound(), info.resource, info.name or "") from None
        except StorageError as exc:
            raise from_storage(exc, info.resource, info.name or "") from exc
    raise ApiError(409, "too many concurrent changes while deleting", reason="Conflict")
