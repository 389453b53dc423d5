"""Server-owned metadata and the generic half of every kind's create and update rules.

create: namespace/name from the path, generateName → name, uid, creationTimestamp,
        generation (1 for kinds that track it), status reset (kinds with a status subresource)
update: the same fields carried over from the stored object; status kept (main resource) or
        everything but status kept (`/status`); generation bumped when the strategy says so
"""

from __future__ import annotations

import os
import random
import uuid

from apiserver.errors import bad_request, conflict
from kubemini import json_codec
from kubemini.api import timestamps

_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
GENERATED_SUFFIX_LENGTH = 5
MAX_GENERATE_NAME_PREFIX = 58
SERVER_OWNED = ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds")
MAIN, STATUS, DIRECT = "main", "status", "direct"  # update modes: the resource, `/status`, a subresource's own change


_suffixes = random.Random()  # not a secret: upstream draws these from math/rand too
os.register_at_fork(after_in_child=_suffixes.seed)  # --workers: each process draws its own names


def generated_name(prefix: str) -> str:
    suffix = "".join(_suffixes.choices(_GENERATE_ALPHABET, k=GENERATED_SUFFIX_LENGTH))
    return f"{prefix[:MAX_GENERATE_NAME_PREFIX]}{suffix}"


def check_namespace_matches(record, obj: dict, namespace: str | None) -> None:
    metadata = obj.setdefault("metadata", {})
    if not record.namespaced:
        metadata.pop("namespace", None)
        return
    body_namespace = metadata.get("namespace")
    if body_namespace and namespace and body_namespace != namespace:
        raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
    metadata["namespace"] = namespace or body_namespace or "default"


def prepare_create(record, obj: dict) -> bool:
    """Set server-owned fields; returns True when the name was generated from generateName."""
    metadata = obj["metadata"]
    for key in (*SERVER_OWNED, "generation", "resourceVersion", "selfLink"):
        metadata.pop(key, None)
    generated = False
    if not metadata.get("name") and metadata.get("generateName"):
        metadata["name"] = generated_name(metadata["generateName"])
        generated = True
    metadata["uid"] = str(uuid.uuid4())
    metadata["creationTimestamp"] = timestamps.now()
    strategy = record.strategy
    if strategy.tracks_generation:
        metadata["generation"] = 1
    if record.has_status:
        status = strategy.initial_status(obj)
        if status is None:
            obj.pop("status", None)
        else:
            obj["status"] = status
    return generated


def check_identity(record, name: str, new: dict, old: dict) -> None:
    metadata = new["metadata"]
    if metadata.get("name") and metadata["name"] != name:
        raise bad_request(f"the name of the object ({metadata['name']}) does not match the name on the URL ({name})")
    metadata["name"] = name
    uid = metadata.get("uid")
    if uid and uid != old["metadata"].get("uid"):
        raise conflict(
            record,
            name,
            f"Precondition failed: UID in precondition: {uid}, UID in object meta: {old['metadata'].get('uid')}",
        )


def prepare_update(record, old: dict, new: dict, *, mode: str) -> dict:
    """The object to validate and store: server-owned fields carried over, spec and status split by mode."""
    if mode == STATUS:
        result = json_codec.clone(old)
        if "status" in new:
            result["status"] = new["status"]
        else:
            result.pop("status", None)
        if "managedFields" in (new.get("metadata") or {}):
            result["metadata"]["managedFields"] = new["metadata"]["managedFields"]
        return result
    merged = new
    old_meta, new_meta = old.get("metadata", {}), merged.setdefault("metadata", {})
    for key in SERVER_OWNED:
        if key in old_meta:
            new_meta[key] = old_meta[key]
        else:
            new_meta.pop(key, None)
    new_meta.pop("selfLink", None)
    if "managedFields" not in new_meta and "managedFields" in old_meta:
        new_meta["managedFields"] = old_meta["managedFields"]
    if mode == MAIN and record.has_status:
        if "status" in old:
            merged["status"] = json_codec.clone(old["status"])
        else:
            merged.pop("status", None)
    strategy = record.strategy
    if "generation" in old_meta:
        new_meta["generation"] = old_meta["generation"]
        if strategy.tracks_generation and mode == MAIN and strategy.generation_changed(merged, old):
            new_meta["generation"] = int(old_meta["generation"]) + 1
    else:
        new_meta.pop("generation", None)
    return merged


def is_finalized(record, obj: dict) -> bool:
    """An object marked for deletion whose finalizers are all gone is deleted, not updated."""
    metadata = obj.get("metadata", {})
    if record.strategy.blocks_deletion(obj):
        return False
    return bool(metadata.get("deletionTimestamp")) and not metadata.get("finalizers")
