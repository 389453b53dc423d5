"""A container's environment as Kubernetes builds it.

    envFrom (ConfigMaps, Secrets; prefixed)  ─┐  later entries win
    env[] value / valueFrom                   ─┴─► $(VAR) expansion ──► {name: value}

`valueFrom.fieldRef` reads the pod (name, namespace, uid, labels/annotations,
nodeName, serviceAccountName, podIP, hostIP); `resourceFieldRef` reads the
container's requests/limits; ConfigMap and Secret references are fetched
from the apiserver. A missing required reference raises `ConfigError`, which
the sync reports as the waiting reason CreateContainerConfigError.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubelet.referenced_objects import ReferencedObjects
from kubemini.api.downward_api import DownwardApiError, field_value, resource_value
from kubemini.api.env_expansion import expand
from kubemini.client.api_client import ApiClient

__all__ = ["ConfigError", "EnvironmentBuilder", "expand"]


class ConfigError(Exception):
    """The environment cannot be built (a missing ConfigMap, an unknown fieldPath)."""


class EnvironmentBuilder:
    """Builds environments for one pod, caching the ConfigMaps and Secrets it reads."""

    def __init__(
        self,
        client: ApiClient,
        pod: Mapping[str, Any],
        *,
        pod_ip: str,
        host_ip: str,
        node_allocatable: Mapping[str, Any] | None = None,
        objects: ReferencedObjects | None = None,
    ):
        self.client = client
        self.pod = pod
        self.pod_ip = pod_ip
        self.host_ip = host_ip
        self.node_allocatable = node_allocatable or {}
        self.namespace = (pod.get("metadata") or {}).get("namespace") or "default"
        self.objects = objects or ReferencedObjects(client, self.namespace)

    async def _data(self, kind: str, name: str) -> dict[str, str] | None:
        data = await self.objects.data(kind, name)
        return None if data is None else {key: value.decode(errors="replace") for key, value in data.items()}

    async def _key_ref(self, kind: str, reference: Mapping[str, Any]) -> str | None:
        name, key = reference.get("name", ""), reference.get("key", "")
        data = await self._data(kind, name)
        optional = bool(reference.get("optional"))
        if data is None:
            if optional:
                return None
            raise ConfigError(f'{kind.lower()} "{name}" not found')
        if key not in data:
            if optional:
                return None
            raise ConfigError(f"couldn't find key {key} in {kind} {self.namespace}/{name}")
        return data[key]

    async def build(self, container: Mapping[str, Any], *, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """`base` (the Service variables) comes first: the container's own entries win over it."""
        env: dict[str, str] = dict(base or {})
        for source in container.get("envFrom") or []:
            prefix = source.get("prefix") or ""
            for kind, field_name in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                reference = source.get(field_name)
                if not reference:
                    continue
                data = await self._data(kind, reference.get("name", ""))
                if data is None and not reference.get("optional"):
                    raise ConfigError(f'{kind.lower()} "{reference.get("name")}" not found')
                env.update({prefix + k: v for k, v in (data or {}).items()})
        for entry in container.get("env") or []:
            value = await self._value(container, entry, env=env)
            if value is not None:
                env[entry["name"]] = value
        return env

    async def _value(
        self, container: Mapping[str, Any], entry: Mapping[str, Any], *, env: Mapping[str, str]
    ) -> str | None:
        source = entry.get("valueFrom")
        if not source:
            return expand(str(entry.get("value", "")), env)  # may refer to variables defined above it
        try:
            if "fieldRef" in source:
                path = source["fieldRef"].get("fieldPath", "")
                return field_value(self.pod, path, pod_ip=self.pod_ip, host_ip=self.host_ip)
            if "resourceFieldRef" in source:
                return resource_value(
                    _named(self.pod, source["resourceFieldRef"], container),
                    source["resourceFieldRef"],
                    node_allocatable=self.node_allocatable,
                )
        except DownwardApiError as error:
            raise ConfigError(str(error)) from error
        if "configMapKeyRef" in source:
            return await self._key_ref("ConfigMap", source["configMapKeyRef"])
        if "secretKeyRef" in source:
            return await self._key_ref("Secret", source["secretKeyRef"])
        raise ConfigError(f"env {entry.get('name')}: unsupported valueFrom {sorted(source)}")


def _named(pod: Mapping[str, Any], reference: Mapping[str, Any], container: Mapping[str, Any]) -> Mapping[str, Any]:
    """The container a resourceFieldRef names (`containerName`), by default the one being built."""
    name = reference.get("containerName")
    if not name:
        return container
    spec = pod.get("spec") or {}
    for candidate in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        if candidate.get("name") == name:
            return candidate
    raise ConfigError(f"container {name} not found for resourceFieldRef")
