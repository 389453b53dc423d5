"""What a pod reads from the API besides itself (the Node authorizer's edges, as upstream's graph).

pod ──► Secrets:  imagePullSecrets, secret volumes, projected secrets, env/envFrom secret refs,
                  volume plugins' secretRef / nodePublishSecretRef
    ──► ConfigMaps: configMap volumes, projected configMaps, env/envFrom configMap refs
    ──► PersistentVolumeClaims: claim volumes and generic ephemeral volumes (`<pod>-<volume>`)
    ──► ServiceAccount: spec.serviceAccountName (default `default`)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kubemini.api.persistent_volumes import pod_claim_names

Obj = Mapping[str, Any]
SECRET_REF_PLUGINS = ("cephfs", "flexVolume", "iscsi", "rbd", "scaleIO", "storageos")


def _containers(spec: Obj) -> Iterator[Obj]:
    for field in ("initContainers", "containers", "ephemeralContainers"):
        yield from spec.get(field) or ()


def _volume_secrets(volume: Obj) -> Iterator[str]:
    if secret := volume.get("secret"):
        yield secret.get("secretName", "")
    if azure := volume.get("azureFile"):
        yield azure.get("secretName", "")
    if csi := volume.get("csi"):
        yield (csi.get("nodePublishSecretRef") or {}).get("name", "")
    for plugin in SECRET_REF_PLUGINS:
        if source := volume.get(plugin):
            yield (source.get("secretRef") or {}).get("name", "")
    for projection in (volume.get("projected") or {}).get("sources") or ():
        if secret := projection.get("secret"):
            yield secret.get("name", "")


def secret_names(pod: Obj) -> set[str]:
    spec = pod.get("spec") or {}
    names = {ref.get("name", "") for ref in spec.get("imagePullSecrets") or ()}
    for volume in spec.get("volumes") or ():
        names.update(_volume_secrets(volume))
    for container in _containers(spec):
        for env in container.get("env") or ():
            names.add(((env.get("valueFrom") or {}).get("secretKeyRef") or {}).get("name", ""))
        for source in container.get("envFrom") or ():
            names.add((source.get("secretRef") or {}).get("name", ""))
    names.discard("")
    return names


def config_map_names(pod: Obj) -> set[str]:
    spec = pod.get("spec") or {}
    names: set[str] = set()
    for volume in spec.get("volumes") or ():
        names.add((volume.get("configMap") or {}).get("name", ""))
        for projection in (volume.get("projected") or {}).get("sources") or ():
            names.add((projection.get("configMap") or {}).get("name", ""))
    for container in _containers(spec):
        for env in container.get("env") or ():
            names.add(((env.get("valueFrom") or {}).get("configMapKeyRef") or {}).get("name", ""))
        for source in container.get("envFrom") or ():
            names.add((source.get("configMapRef") or {}).get("name", ""))
    names.discard("")
    return names


def claim_names(pod: Obj) -> set[str]:
    return set(pod_claim_names(pod))


def service_account_name(pod: Obj) -> str:
    return (pod.get("spec") or {}).get("serviceAccountName") or "default"
