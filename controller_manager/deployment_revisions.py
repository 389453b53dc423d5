"""Which ReplicaSet is a Deployment's current one, and the revision bookkeeping kubectl reads.

    template ──fnv32a(canonical JSON, collisionCount)──► pod-template-hash ──► RS `<deploy>-<hash>`
    ReplicaSets (oldest first) ──► new = first whose template equals the Deployment's, ignoring the hash
                               └─► old = all the others
    revisions: new RS gets max(old revisions) + 1 when it is behind (a rollback re-promotes an old RS and
    remembers its former numbers in revision-history); the Deployment carries its new RS's revision.

`kubectl rollout history/undo` reads exactly these annotations; `undo` copies an old RS's
template back into the Deployment, after which that RS is the new one again.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kubemini.api import timestamps

HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
# Never copied from a Deployment to its ReplicaSets (nor back by `kubectl rollout undo`).
SKIPPED_ANNOTATIONS = frozenset(
    {
        "kubectl.kubernetes.io/last-applied-configuration",
        REVISION,
        REVISION_HISTORY,
        DESIRED_REPLICAS,
        MAX_REPLICAS,
        "deprecated.deployment.rollback.to",
    }
)
MAX_REVISION_HISTORY_CHARS = 2000
_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_FNV32_OFFSET = 0x811C9DC5
_FNV32_PRIME = 0x01000193


def fnv32a(data: bytes) -> int:
    value = _FNV32_OFFSET
    for byte in data:
        value = ((value ^ byte) * _FNV32_PRIME) & 0xFFFFFFFF
    return value


def template_hash(template: Mapping[str, Any], collision_count: int | None = None) -> str:
    """Stable short hash of a pod template, spelled with consonants and digits only (no words)."""
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    if collision_count:
        data += str(collision_count).encode()
    return "".join(_SAFE_ALPHABET[ord(char) % len(_SAFE_ALPHABET)] for char in str(fnv32a(data)))


def _pruned(value: Any) -> Any:
    """Drop empty maps and lists, so `{}` and an absent field compare equal (apimachinery's Semantic)."""
    if isinstance(value, dict):
        pruned = {key: _pruned(item) for key, item in value.items()}
        return {key: item for key, item in pruned.items() if item not in ({}, [], None)}
    if isinstance(value, list):
        return [_pruned(item) for item in value]
    return value


def without_hash(template: Mapping[str, Any] | None) -> dict[str, Any]:
    result = copy.deepcopy(dict(template or {}))
    labels = (result.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(HASH_LABEL, None)
    return _pruned(result)


def templates_equal(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> bool:
    return without_hash(a) == without_hash(b)


def creation_order(obj: Mapping[str, Any]) -> tuple[float, str]:
    meta = obj.get("metadata") or {}
    stamp = meta.get("creationTimestamp")
    return (timestamps.parse(stamp).timestamp() if stamp else 0.0, str(meta.get("name") or ""))


def oldest_first(replicasets: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(replicasets, key=creation_order)


def find_new(deployment: Mapping[str, Any], replicasets: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The oldest ReplicaSet whose template is the Deployment's (several only after a hash collision)."""
    template = (deployment.get("spec") or {}).get("template")
    for rs in oldest_first(replicasets):
        if templates_equal((rs.get("spec") or {}).get("template"), template):
            return rs
    return None


def annotations(obj: Mapping[str, Any]) -> Mapping[str, str]:
    return (obj.get("metadata") or {}).get("annotations") or {}


def revision_of(obj: Mapping[str, Any]) -> int:
    try:
        return int(annotations(obj).get(REVISION) or 0)
    except ValueError:
        return 0


def max_revision(replicasets: Iterable[Mapping[str, Any] | None]) -> int:
    return max((revision_of(rs) for rs in replicasets if rs is not None), default=0)


def copy_deployment_annotations(deployment: Mapping[str, Any], rs: dict[str, Any]) -> bool:
    """Copy the Deployment's own annotations onto the ReplicaSet (what `rollout history` shows as
    CHANGE-CAUSE lives there). True when something changed."""
    rs_annotations = rs.setdefault("metadata", {}).setdefault("annotations", {})
    changed = False
    for key, value in annotations(deployment).items():
        if key in SKIPPED_ANNOTATIONS or rs_annotations.get(key) == value:
            continue
        rs_annotations[key] = value
        changed = True
    return changed


def set_replicas_annotations(rs: dict[str, Any], *, desired: int, maximum: int) -> bool:
    rs_annotations = rs.setdefault("metadata", {}).setdefault("annotations", {})
    wanted = {DESIRED_REPLICAS: str(desired), MAX_REPLICAS: str(maximum)}
    if all(rs_annotations.get(key) == value for key, value in wanted.items()):
        return False
    rs_annotations.update(wanted)
    return True


def set_new_rs_annotations(
    deployment: Mapping[str, Any], rs: dict[str, Any], *, new_revision: int, exists: bool, max_replicas: int
) -> bool:
    """Bring a (new or re-promoted) ReplicaSet's annotations up to date; True when they changed."""
    changed = copy_deployment_annotations(deployment, rs)
    rs_annotations = rs["metadata"]["annotations"]
    old_text = rs_annotations.get(REVISION) or ""
    try:
        old_revision = int(old_text or 0)
    except ValueError:
        return changed
    if old_revision < new_revision:
        rs_annotations[REVISION] = str(new_revision)
        changed = True
        if old_text:
            # A rollback made an old ReplicaSet current again: keep the numbers it used to answer to.
            history = [part for part in (rs_annotations.get(REVISION_HISTORY) or "").split(",") if part]
            history.append(old_text)
            while history and len(",".join(history)) > MAX_REVISION_HISTORY_CHARS:
                history.pop(0)
            rs_annotations[REVISION_HISTORY] = ",".join(history)
    if not exists:
        desired = int((deployment.get("spec") or {}).get("replicas", 1) or 0)
        changed = set_replicas_annotations(rs, desired=desired, maximum=max_replicas) or changed
    return changed


def desired_annotation(rs: Mapping[str, Any]) -> int | None:
    try:
        return int(annotations(rs)[DESIRED_REPLICAS])
    except (KeyError, ValueError):
        return None


def max_replicas_annotation(rs: Mapping[str, Any]) -> int | None:
    try:
        return int(annotations(rs)[MAX_REPLICAS])
    except (KeyError, ValueError):
        return None


def history_to_delete(old: Sequence[Mapping[str, Any]], *, limit: int) -> list[Mapping[str, Any]]:
    """Old ReplicaSets beyond revisionHistoryLimit, lowest revision first, that are safe to delete:
    scaled to zero, no pods left, status caught up, not already being deleted."""
    alive = [rs for rs in old if not (rs.get("metadata") or {}).get("deletionTimestamp")]
    excess = len(alive) - limit
    if excess <= 0:
        return []
    doomed = []
    for rs in sorted(alive, key=lambda r: (revision_of(r), creation_order(r)))[:excess]:
        spec = rs.get("spec") or {}
        status = rs.get("status") or {}
        generation = int((rs.get("metadata") or {}).get("generation") or 0)
        if int(spec.get("replicas", 1) or 0) or int(status.get("replicas") or 0):
            continue
        if generation > int(status.get("observedGeneration") or 0):
            continue
        doomed.append(rs)
    return doomed
