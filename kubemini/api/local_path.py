"""The local-path provisioner's shape (`kubemini.io/local-path`), shared by the controller-manager and the kubelet.

    claim + class + node (+ the node's local-path dir, from its annotation)
        ──► provisioned_volume(): PV `pvc-<claim uid>`, hostPath <dir>/pvc-<uid>_<ns>_<claim>
            (DirectoryOrCreate: the node's kubelet makes it at the first mount), node affinity
            kubernetes.io/hostname In [node], claimRef pre-bound to the claim, capacity = the request,
            finalizer kubemini.io/local-path-cleanup when the node has a real directory
    PV being deleted with that finalizer ──► the kubelet of volume_node(pv) removes cleanup_path(pv)
        (only a direct child of its own local-path dir), then the finalizer

A directory rather than a Docker named volume: a directory is what hostPath/local PVs already
are, so provisioned and hand-made volumes take one mount path in the kubelet; it survives
`docker volume prune`; and `ls` on the node shows the data. Capacity is recorded, not enforced.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from kubemini.api.persistent_volumes import PROVISIONED_BY_ANNOTATION

PROVISIONER = "kubemini.io/local-path"
DEFAULT_CLASS_NAME = "standard"
NODE_DIR_ANNOTATION = "kubemini.io/local-path-dir"
CLEANUP_FINALIZER = "kubemini.io/local-path-cleanup"
FALLBACK_DIR = "/var/lib/kubemini/local-path"
HOSTNAME_LABEL = "kubernetes.io/hostname"


def default_storage_class() -> dict:
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {
            "name": DEFAULT_CLASS_NAME,
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
        },
        "provisioner": PROVISIONER,
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer",
        "allowVolumeExpansion": True,
    }


def node_dir(node: Mapping[str, Any] | None) -> str | None:
    """The node's local-path directory, published by its kubelet (None: a hollow node, nothing on disk)."""
    annotations = ((node or {}).get("metadata") or {}).get("annotations") or {}
    value = annotations.get(NODE_DIR_ANNOTATION)
    return str(value) if value else None


def volume_name(claim: Mapping[str, Any]) -> str:
    return f"pvc-{claim['metadata']['uid']}"


def provisioned_volume(
    claim: Mapping[str, Any], storage_class: Mapping[str, Any], *, node_name: str, base_dir: str | None
) -> dict:
    meta = claim["metadata"]
    name = volume_name(claim)
    spec = claim.get("spec") or {}
    volume_meta: dict[str, Any] = {"name": name, "annotations": {PROVISIONED_BY_ANNOTATION: PROVISIONER}}
    if base_dir:
        volume_meta["finalizers"] = [CLEANUP_FINALIZER]
    term = {"matchExpressions": [{"key": HOSTNAME_LABEL, "operator": "In", "values": [node_name]}]}
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": volume_meta,
        "spec": {
            "capacity": {"storage": str(((spec.get("resources") or {}).get("requests") or {}).get("storage"))},
            "accessModes": list(spec.get("accessModes") or ["ReadWriteOnce"]),
            "volumeMode": spec.get("volumeMode") or "Filesystem",
            "persistentVolumeReclaimPolicy": storage_class.get("reclaimPolicy") or "Delete",
            "storageClassName": storage_class["metadata"]["name"],
            "hostPath": {
                "path": os.path.join(base_dir or FALLBACK_DIR, f"{name}_{meta['namespace']}_{meta['name']}"),
                "type": "DirectoryOrCreate",
            },
            "nodeAffinity": {"required": {"nodeSelectorTerms": [term]}},
            "claimRef": {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "namespace": meta["namespace"],
                "name": meta["name"],
                "uid": meta["uid"],
            },
        },
    }


def provisioned_here(volume: Mapping[str, Any]) -> bool:
    annotations = (volume.get("metadata") or {}).get("annotations") or {}
    return annotations.get(PROVISIONED_BY_ANNOTATION) == PROVISIONER


def volume_node(volume: Mapping[str, Any]) -> str | None:
    """The one node a provisioned volume lives on (its hostname affinity term)."""
    required = ((volume.get("spec") or {}).get("nodeAffinity") or {}).get("required") or {}
    for term in required.get("nodeSelectorTerms") or []:
        for expression in term.get("matchExpressions") or []:
            if expression.get("key") == HOSTNAME_LABEL and expression.get("operator") == "In":
                values = expression.get("values") or []
                if len(values) == 1:
                    return str(values[0])
    return None


def cleanup_path(volume: Mapping[str, Any], base_dir: str) -> str | None:
    """The directory to remove: the volume's hostPath when it is a direct child of `base_dir`, else None."""
    path = str(((volume.get("spec") or {}).get("hostPath") or {}).get("path") or "")
    if not path or os.path.dirname(os.path.normpath(path)) != os.path.normpath(base_dir):
        return None
    return path
