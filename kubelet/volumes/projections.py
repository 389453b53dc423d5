"""The files of API-backed volumes: configMap, secret, downwardAPI and projected.

    volume source + the objects it names (ReferencedObjects) + the pod ──► {path: File(content, mode)}
        configMap / secret   every key (or `items`: key ──► path, mode); `optional` tolerates absence
        downwardAPI          fieldRef (labels, annotations, name, namespace, uid) and resourceFieldRef
        projected            the union of its sources, one defaultMode
        serviceAccountToken  a token for the pod's account (volumes/tokens.py), at its `path`

Errors read like Kubernetes' FailedMount messages: `configmap "app" not found`,
`configmap references non-existent config key: k`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubelet.referenced_objects import ReferencedObjects
from kubelet.volumes import VolumeError
from kubelet.volumes.atomic_writing import File
from kubemini.api.downward_api import DownwardApiError, field_value, resource_value

DEFAULT_MODE = 0o644
Payload = dict[str, File]


def _mode(value: Any, default: int) -> int:
    return value if isinstance(value, int) and 0 <= value <= 0o777 else default


async def object_files(
    objects: ReferencedObjects, kind: str, source: Mapping[str, Any], *, default_mode: int
) -> Payload:
    name = str(source.get("secretName" if kind == "Secret" and "secretName" in source else "name") or "")
    optional = bool(source.get("optional"))
    data = await objects.data(kind, name)
    if data is None:
        if optional:
            return {}
        raise VolumeError(f'{kind.lower()} "{name}" not found')
    items = source.get("items")
    if not items:
        return {key: File(value, default_mode) for key, value in data.items()}
    payload: Payload = {}
    for item in items:
        key = item.get("key", "")
        if key not in data:
            if optional:
                continue
            what = (
                "configmap references non-existent config key"
                if kind == "ConfigMap"
                else ("references non-existent secret key")
            )
            raise VolumeError(f"{what}: {key}")
        payload[str(item.get("path") or key)] = File(data[key], _mode(item.get("mode"), default_mode))
    return payload


def downward_files(
    pod: Mapping[str, Any], items: list[Mapping[str, Any]], *, default_mode: int, node_allocatable: Mapping[str, Any]
) -> Payload:
    payload: Payload = {}
    spec = pod.get("spec") or {}
    containers = {c.get("name"): c for c in (spec.get("containers") or []) + (spec.get("initContainers") or [])}
    for item in items:
        try:
            if item.get("fieldRef"):
                value = field_value(pod, item["fieldRef"].get("fieldPath", ""), pod_ip="", host_ip="", volume=True)
            elif item.get("resourceFieldRef"):
                reference = item["resourceFieldRef"]
                container = containers.get(reference.get("containerName"))
                if container is None:
                    raise VolumeError(f"container {reference.get('containerName')!r} not found for {item.get('path')}")
                value = resource_value(container, reference, node_allocatable=node_allocatable)
            else:
                continue
        except DownwardApiError as error:
            raise VolumeError(str(error)) from error
        payload[str(item.get("path"))] = File(value.encode(), _mode(item.get("mode"), default_mode))
    return payload


async def volume_files(
    pod: Mapping[str, Any],
    volume: Mapping[str, Any],
    *,
    objects: ReferencedObjects,
    node_allocatable: Mapping[str, Any],
) -> Payload | None:
    """The files of an API volume; None for a volume of another kind."""
    for plugin, kind in (("configMap", "ConfigMap"), ("secret", "Secret")):
        if volume.get(plugin) is not None:
            source = volume[plugin]
            return await object_files(
                objects, kind, source, default_mode=_mode(source.get("defaultMode"), DEFAULT_MODE)
            )
    if volume.get("downwardAPI") is not None:
        source = volume["downwardAPI"]
        mode = _mode(source.get("defaultMode"), DEFAULT_MODE)
        return downward_files(pod, source.get("items") or [], default_mode=mode, node_allocatable=node_allocatable)
    if volume.get("projected") is not None:
        source = volume["projected"]
        mode = _mode(source.get("defaultMode"), DEFAULT_MODE)
        payload: Payload = {}
        for projection in source.get("sources") or []:
            if projection.get("configMap") is not None:
                payload.update(await object_files(objects, "ConfigMap", projection["configMap"], default_mode=mode))
            elif projection.get("secret") is not None:
                payload.update(await object_files(objects, "Secret", projection["secret"], default_mode=mode))
            elif projection.get("downwardAPI") is not None:
                items = projection["downwardAPI"].get("items") or []
                payload.update(downward_files(pod, items, default_mode=mode, node_allocatable=node_allocatable))
            elif projection.get("serviceAccountToken") is not None:
                source = projection["serviceAccountToken"]
                token = await objects.token(pod, source)
                payload[str(source.get("path") or "token")] = File(token.encode(), mode)
        return payload
    return None
