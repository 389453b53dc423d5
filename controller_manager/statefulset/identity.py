"""A StatefulSet pod's stable identity and what it is made from (pure).

ordinal n ──pod_for()──► `<set>-<n>`, hostname = name, subdomain = serviceName, labels
    `statefulset.kubernetes.io/pod-name`, `apps.kubernetes.io/pod-index`,
    `controller-revision-hash = <revision name>`; each volumeClaimTemplate mounted from
    its claim `<claim>-<set>-<n>`
ordinal n ──claims_for()──► the PersistentVolumeClaims, labelled with the set's selector;
    owned by the set when persistentVolumeClaimRetentionPolicy.whenDeleted is Delete
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from controller_manager.history import REVISION_HASH_LABEL
from controller_manager.ownership import meta, new_controller_ref, uid_of

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"

Obj = dict[str, Any]


def start_ordinal(sts: Mapping[str, Any]) -> int:
    return int(((sts.get("spec") or {}).get("ordinals") or {}).get("start") or 0)


def wanted_ordinals(sts: Mapping[str, Any]) -> range:
    start = start_ordinal(sts)
    replicas = int((sts.get("spec") or {}).get("replicas", 1) or 0)
    return range(start, start + replicas)


def ordinal_of(sts: Mapping[str, Any], pod: Mapping[str, Any]) -> int | None:
    match = re.fullmatch(rf"{re.escape(meta(sts)['name'])}-(\d+)", meta(pod).get("name") or "")
    return int(match[1]) if match else None


def pod_name(sts: Mapping[str, Any], ordinal: int) -> str:
    return f"{meta(sts)['name']}-{ordinal}"


def claim_name(template: Mapping[str, Any], sts: Mapping[str, Any], ordinal: int) -> str:
    return f"{meta(template)['name']}-{pod_name(sts, ordinal)}"


def revision_of(pod: Mapping[str, Any]) -> str:
    return str((meta(pod).get("labels") or {}).get(REVISION_HASH_LABEL) or "")


def pod_for(sts: Mapping[str, Any], ordinal: int, *, template: Mapping[str, Any], revision: str) -> Obj:
    """The pod for `ordinal` from `template` (the current or the update revision's)."""
    template = copy.deepcopy(dict(template))
    template_meta = template.get("metadata") or {}
    spec = template.get("spec") or {}
    name = pod_name(sts, ordinal)
    labels = {
        **(template_meta.get("labels") or {}),
        POD_NAME_LABEL: name,
        POD_INDEX_LABEL: str(ordinal),
        REVISION_HASH_LABEL: revision,
    }
    spec["hostname"] = name
    if (sts.get("spec") or {}).get("serviceName"):
        spec["subdomain"] = sts["spec"]["serviceName"]
    claims = {meta(t)["name"]: t for t in (sts.get("spec") or {}).get("volumeClaimTemplates") or []}
    volumes = [v for v in spec.get("volumes") or [] if v.get("name") not in claims]
    for claim in claims.values():
        volumes.append(
            {"name": meta(claim)["name"], "persistentVolumeClaim": {"claimName": claim_name(claim, sts, ordinal)}}
        )
    if volumes:
        spec["volumes"] = volumes
    metadata: Obj = {
        "name": name,
        "namespace": meta(sts).get("namespace"),
        "labels": labels,
        "ownerReferences": [new_controller_ref(sts)],
    }
    if template_meta.get("annotations"):
        metadata["annotations"] = dict(template_meta["annotations"])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


def retention(sts: Mapping[str, Any]) -> tuple[str, str]:
    policy = (sts.get("spec") or {}).get("persistentVolumeClaimRetentionPolicy") or {}
    return policy.get("whenDeleted") or "Retain", policy.get("whenScaled") or "Retain"


def set_reference(sts: Mapping[str, Any]) -> Obj:
    return {**new_controller_ref(sts), "blockOwnerDeletion": False}


def claims_for(sts: Mapping[str, Any], ordinal: int) -> list[Obj]:
    selector_labels = ((sts.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    when_deleted, _ = retention(sts)
    claims = []
    for template in (sts.get("spec") or {}).get("volumeClaimTemplates") or []:
        template_meta = template.get("metadata") or {}
        metadata: Obj = {
            "name": claim_name(template, sts, ordinal),
            "namespace": meta(sts).get("namespace"),
            "labels": {**(template_meta.get("labels") or {}), **selector_labels},
        }
        if template_meta.get("annotations"):
            metadata["annotations"] = dict(template_meta["annotations"])
        if when_deleted == "Delete":
            metadata["ownerReferences"] = [set_reference(sts)]
        claims.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": metadata,
                       "spec": copy.deepcopy(template.get("spec") or {})})  # fmt: skip
    return claims


def owned_by(obj: Mapping[str, Any], owner: Mapping[str, Any]) -> bool:
    return any(ref.get("uid") == uid_of(owner) for ref in meta(obj).get("ownerReferences") or [])
