"""DELETE: preconditions, graceful deletion, finalizers and propagation policy.

An object with finalizers, or one its strategy deletes gracefully (a pod on a
node), is only marked (`deletionTimestamp`); the last finalizer's removal
deletes it (writing.update_object). The propagation policy is recorded as the
finalizer the garbage collector acts on.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apiserver.admission import DELETE, Attributes, mutate, validate
from apiserver.errors import ApiError, bad_request, conflict, from_storage
from apiserver.request_info import RequestInfo
from apiserver.storage.errors import KeyNotFound, RevisionConflict, StorageError
from apiserver.writing import read_stored, served
from kubemini.api.registry import stored_version

ORPHAN_FINALIZER = "orphan"
FOREGROUND_FINALIZER = "foregroundDeletion"
POLICIES = ("Orphan", "Foreground", "Background")
MAX_CONFLICT_RETRIES = 10
LATEST_DEADLINE = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


@dataclass(frozen=True)
class DeleteOptions:
    grace_period_seconds: int | None = None
    propagation_policy: str | None = None
    preconditions: dict | None = None
    dry_run: bool = False

    @classmethod
    def from_body(cls, body: dict) -> DeleteOptions:
        """From a DeleteOptions body already checked against the upstream schema."""
        policy = body.get("propagationPolicy")
        if policy is None and body.get("orphanDependents") is not None:
            policy = "Orphan" if body["orphanDependents"] else "Background"
        if policy is not None and policy not in POLICIES:
            raise bad_request(f'propagationPolicy "{policy}" is invalid; valid values are: {", ".join(POLICIES)}')
        if body.get("propagationPolicy") is not None and body.get("orphanDependents") is not None:
            raise bad_request("orphanDependents and propagationPolicy cannot both be set")
        dry_run = body.get("dryRun") or []
        if any(value != "All" for value in dry_run):
            raise bad_request(f"dryRun must be All, got {dry_run}")
        return cls(body.get("gracePeriodSeconds"), policy, body.get("preconditions"), bool(dry_run))


def _check_preconditions(info: RequestInfo, obj: dict, options: DeleteOptions) -> None:
    preconditions = options.preconditions or {}
    metadata = obj["metadata"]
    record = stored_version(info.resource)
    if preconditions.get("uid") and preconditions["uid"] != metadata.get("uid"):
        raise conflict(
            record,
            info.name or "",
            f"Precondition failed: UID in precondition: {preconditions['uid']}, "
            f"UID in object meta: {metadata.get('uid')}",
        )
    wanted_rv = preconditions.get("resourceVersion")
    if wanted_rv and wanted_rv != metadata.get("resourceVersion"):
        raise conflict(
            record,
            info.name or "",
            f"Precondition failed: ResourceVersion in precondition: {wanted_rv}, "
            f"ResourceVersion in object meta: {metadata.get('resourceVersion')}",
        )


def _deadline(grace: int) -> str:
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=grace)
    except OverflowError:
        deadline = LATEST_DEADLINE
    return min(deadline, LATEST_DEADLINE).strftime("%Y-%m-%dT%H:%M:%SZ")


def _marked(record, obj: dict, *, grace: int, policy: str | None) -> dict:
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
        metadata["deletionTimestamp"] = _deadline(grace)
        metadata["deletionGracePeriodSeconds"] = grace
    elif grace < metadata.get("deletionGracePeriodSeconds", grace):
        metadata["deletionGracePeriodSeconds"] = grace  # a shorter grace period may replace a longer one
    record.strategy.mark_deleting(marked)
    return marked


async def delete_object(ctx, info: RequestInfo, options: DeleteOptions) -> tuple[dict, bool]:
    """Returns (object served, deleted_now). Not deleted now means it was marked for graceful deletion."""
    record = info.resource
    stored_record = stored_version(record)
    for _ in range(MAX_CONFLICT_RETRIES):
        current = await read_stored(ctx, info)
        obj = current.obj
        _check_preconditions(info, obj, options)
        await validate(ctx, Attributes(stored_record, DELETE, obj, namespace=info.namespace, dry_run=ctx.dry_run))
        grace = record.strategy.deletion_grace_seconds(obj, options.grace_period_seconds)
        marked = _marked(record, obj, grace=grace, policy=options.propagation_policy)
        needs_mark = grace > 0 or marked["metadata"].get("finalizers") or record.strategy.blocks_deletion(obj)
        try:
            if needs_mark:
                if marked == obj:
                    return served(record, obj), False
                stored = await ctx.store.update(info.storage_key, marked, expected_revision=current.mod_revision)
                return served(record, stored.obj), False
            attrs = Attributes(stored_record, DELETE, obj, namespace=info.namespace, dry_run=ctx.dry_run)
            await mutate(ctx, attrs)
            revision = await ctx.store.delete(info.storage_key, expected_revision=current.mod_revision, side=attrs.side)
            obj["metadata"]["resourceVersion"] = str(revision)
            return served(record, obj), True
        except RevisionConflict:
            continue
        except KeyNotFound:
            raise from_storage(KeyNotFound(), stored_record, info.name or "") from None
        except StorageError as exc:
            raise from_storage(exc, stored_record, info.name or "") from exc
    raise ApiError(409, "too many concurrent changes while deleting", reason="Conflict")
