"""Server-owned metadata: uid, creationTimestamp, generation, names from generateName."""

from __future__ import annotations

import copy
import secrets
import uuid

from apiserver.errors import bad_request
from kubemini.api import timestamps
from kubemini.api.registry import ResourceType

_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
GENERATED_SUFFIX_LENGTH = 5
SERVER_OWNED = ("uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds")


def generated_name(prefix: str) -> str:
    suffix = "".join(secrets.choice(_GENERATE_ALPHABET) for _ in range(GENERATED_SUFFIX_LENGTH))
    return f"{prefix[: 63 - GENERATED_SUFFIX_LENGTH]}{suffix}"


def check_type_meta(resource: ResourceType, obj: dict) -> None:
    """A body's kind/apiVersion, when given, must be the path's; fill them when absent."""
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if kind and kind != resource.kind:
        raise bad_request(f"the kind of the object ({kind}) does not match the path ({resource.kind})")
    if api_version and api_version != resource.api_version:
        raise bad_request(
            f"the API version in the data ({api_version}) does not match the expected API version "
            f"({resource.api_version})"
        )
    obj["kind"], obj["apiVersion"] = resource.kind, resource.api_version


def check_namespace_matches(resource: ResourceType, obj: dict, namespace: str | None) -> None:
    metadata = obj.setdefault("metadata", {})
    if not isinstance(metadata, dict):
        raise bad_request("metadata must be an object")
    if not resource.namespaced:
        metadata.pop("namespace", None)
        return
    body_namespace = metadata.get("namespace")
    if body_namespace and namespace and body_namespace != namespace:
        raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
    metadata["namespace"] = namespace or body_namespace or "default"


def prepare_create(obj: dict) -> bool:
    """Set server-owned fields; returns True when the name was generated from generateName."""
    metadata = obj["metadata"]
    for key in SERVER_OWNED + ("resourceVersion", "selfLink"):
        metadata.pop(key, None)
    generated = False
    if not metadata.get("name") and isinstance(metadata.get("generateName"), str) and metadata["generateName"]:
        metadata["name"] = generated_name(metadata["generateName"])
        generated = True
    metadata["uid"] = str(uuid.uuid4())
    metadata["creationTimestamp"] = timestamps.now()
    metadata["generation"] = 1
    return generated


def prepare_update(old: dict, new: dict, *, subresource: str | None, has_status: bool) -> dict:
    """Carry server-owned fields over; split spec writes from status writes; bump generation."""
    merged = copy.deepcopy(new)
    old_meta, new_meta = old.get("metadata", {}), merged.setdefault("metadata", {})
    for key in SERVER_OWNED:
        if key in old_meta:
            new_meta[key] = old_meta[key]
        else:
            new_meta.pop(key, None)
    new_meta.pop("selfLink", None)
    if subresource == "status":
        result = copy.deepcopy(old)
        result["status"] = merged.get("status", {})
        result["metadata"]["resourceVersion"] = new_meta.get("resourceVersion")
        return result
    if has_status:
        if "status" in old:
            merged["status"] = copy.deepcopy(old["status"])
        else:
            merged.pop("status", None)
    if old.get("spec") != merged.get("spec") or _non_meta_data_changed(old, merged):
        new_meta["generation"] = int(old_meta.get("generation", 1)) + 1
    return merged


def _non_meta_data_changed(old: dict, new: dict) -> bool:
    """Kinds without spec (ConfigMap, Secret) count a data change as a new generation."""
    if "spec" in old or "spec" in new:
        return False
    return old.get("data") != new.get("data")
