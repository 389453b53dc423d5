"""ControllerRevisions: the template history of DaemonSets and StatefulSets (Kubernetes' controller/history).

    owner's spec.template ──patch_of──► data = {"spec": {"template": {..., "$patch": "replace"}}}
        (what `kubectl rollout undo` applies back as a strategic merge patch)
    data + collisionCount ──hash_of──► fnv-32a, in Kubernetes' safe alphabet ──► name `<owner>-<hash>`
    sync_revisions(owner, revisions):
        a revision with equal data exists ──► it is current; not the newest ──► renumbered newest (a rollback)
        none ──► create one, revision = newest + 1 (a name taken by other data: collisionCount + 1, retry)
        old revisions beyond revisionHistoryLimit, not used by any live pod ──► deleted, oldest first

Revisions are labelled `controller-revision-hash=<hash>` and controlled by their owner, so
`kubectl rollout history` finds them by the owner's selector.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from controller_manager.ownership import controller_ref, meta, new_controller_ref, uid_of
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import AlreadyExists, NotFound

CONTROLLER_REVISION = by_kind("ControllerRevision")
REVISION_HASH_LABEL = "controller-revision-hash"
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
MAX_COLLISIONS = 10

Obj = dict[str, Any]


def patch_of(owner: Mapping[str, Any]) -> Obj:
    template = copy.deepcopy((owner.get("spec") or {}).get("template") or {})
    template["$patch"] = "replace"
    return {"spec": {"template": template}}


def template_of(revision: Mapping[str, Any]) -> Obj:
    template = copy.deepcopy(((revision.get("data") or {}).get("spec") or {}).get("template") or {})
    template.pop("$patch", None)
    return template


def _fnv32a(data: bytes) -> int:
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def hash_of(data: Mapping[str, Any], collision_count: int = 0) -> str:
    raw = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    if collision_count:
        raw += collision_count.to_bytes(4, "little")
    text = str(_fnv32a(raw))
    return "".join(SAFE_ALPHABET[ord(char) % len(SAFE_ALPHABET)] for char in text)


def revision_number(revision: Mapping[str, Any]) -> int:
    return int(revision.get("revision") or 0)


def owned_revisions(owner: Mapping[str, Any], candidates: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    uid = uid_of(owner)
    owned = [r for r in candidates if (controller_ref(r) or {}).get("uid") == uid]
    return sorted(owned, key=lambda r: (revision_number(r), meta(r).get("name") or ""))


@dataclass
class History:
    current: Mapping[str, Any]  # the revision of the owner's template now
    revisions: list[Mapping[str, Any]]  # all the owner's revisions, oldest first
    collision_count: int

    @property
    def hash(self) -> str:
        return str((meta(self.current).get("labels") or {}).get(REVISION_HASH_LABEL) or "")

    @property
    def name(self) -> str:
        return str(meta(self.current)["name"])


def _revision_body(owner: Mapping[str, Any], data: Obj, name: str, hash_: str, number: int) -> Obj:
    template_labels = (((owner.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}
    return {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {
            "name": name,
            "namespace": meta(owner).get("namespace"),
            "labels": {**template_labels, REVISION_HASH_LABEL: hash_},
            "ownerReferences": [new_controller_ref(owner)],
        },
        "data": data,
        "revision": number,
    }


async def sync_revisions(
    client: ApiClient, owner: Mapping[str, Any], candidates: Iterable[Mapping[str, Any]]
) -> History:
    revisions = owned_revisions(owner, candidates)
    data = patch_of(owner)
    newest = max((revision_number(r) for r in revisions), default=0)
    collisions = int((owner.get("status") or {}).get("collisionCount") or 0)
    equal = [r for r in revisions if r.get("data") == data]
    namespace = meta(owner).get("namespace")
    if equal:
        current = equal[-1]
        if revision_number(current) < newest:
            body = copy.deepcopy(dict(current))
            body["revision"] = newest + 1
            current = await client.update(CONTROLLER_REVISION, body)
            revisions = [r for r in revisions if uid_of(r) != uid_of(current)] + [current]
        return History(current, revisions, collisions)
    for _ in range(MAX_COLLISIONS):
        hash_ = hash_of(data, collisions)
        name = f"{meta(owner)['name']}-{hash_}"
        try:
            current = await client.create(
                CONTROLLER_REVISION, _revision_body(owner, data, name, hash_, newest + 1), namespace=namespace
            )
            return History(current, [*revisions, current], collisions)
        except AlreadyExists:
            existing = await client.get(CONTROLLER_REVISION, name, namespace=namespace)
            if existing.get("data") == data and (controller_ref(existing) or {}).get("uid") == uid_of(owner):
                return History(existing, [*revisions, existing], collisions)
            collisions += 1  # the name is taken by other content: a different hash
    raise RuntimeError(f"too many ControllerRevision name collisions for {meta(owner)['name']}")


async def trim_history(client: ApiClient, owner: Mapping[str, Any], history: History, *, in_use: set[str]) -> None:
    """Delete the oldest revisions beyond revisionHistoryLimit that no live pod still runs."""
    limit = int((owner.get("spec") or {}).get("revisionHistoryLimit", 10) or 0)
    old = [
        r
        for r in history.revisions
        if uid_of(r) != uid_of(history.current)
        and (meta(r).get("labels") or {}).get(REVISION_HASH_LABEL) not in in_use
        and meta(r)["name"] not in in_use
    ]
    for revision in old[: max(len(old) - limit, 0)]:
        try:
            await client.delete(CONTROLLER_REVISION, meta(revision)["name"], namespace=meta(revision).get("namespace"))
        except NotFound:
            pass
