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

import base64
import re
from collections.abc import Mapping
from typing import Any

from kubemini.api.quantity import cpu_millis, parse_quantity, to_bytes
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import NotFound

CONFIGMAP = by_kind("ConfigMap")
SECRET = by_kind("Secret")
_REFERENCE = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")
_SUBSCRIPT = re.compile(r"^metadata\.(labels|annotations)\['(.+)'\]$")


class ConfigError(Exception):
    """The environment cannot be built (a missing ConfigMap, an unknown fieldPath)."""


def expand(text: str, env: Mapping[str, str]) -> str:
    """`$(VAR)` → value when VAR is defined (else left as written); `$$` → `$`."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        return env[name] if name in env else match.group(0)

    return _REFERENCE.sub(replace, text)


def field_value(pod: Mapping[str, Any], path: str, *, pod_ip: str, host_ip: str) -> str:
    meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
    simple = {
        "metadata.name": meta.get("name"),
        "metadata.namespace": meta.get("namespace"),
        "metadata.uid": meta.get("uid"),
        "spec.nodeName": spec.get("nodeName"),
        "spec.serviceAccountName": spec.get("serviceAccountName"),
        "status.podIP": pod_ip,
        "status.podIPs": pod_ip,
        "status.hostIP": host_ip,
        "status.hostIPs": host_ip,
    }
    if path in simple:
        return str(simple[path] or "")
    subscript = _SUBSCRIPT.match(path)
    if subscript:
        return str((meta.get(subscript.group(1)) or {}).get(subscript.group(2), ""))
    raise ConfigError(f"unsupported fieldPath {path!r}")


def resource_value(container: Mapping[str, Any], reference: Mapping[str, Any]) -> str:
    kind, _, name = str(reference.get("resource", "")).partition(".")
    value = ((container.get("resources") or {}).get(kind) or {}).get(name)
    if value is None:
        return "0"
    divisor = reference.get("divisor") or "1"
    if name == "cpu":
        # Kubernetes rounds CPU up to whole divisor units (1 core unless the divisor is smaller).
        millis, divisor_millis = cpu_millis(value), cpu_millis(divisor)
        return str(max(1, -(-millis // divisor_millis)))
    return str(-(-to_bytes(value) // int(parse_quantity(divisor))))


class EnvironmentBuilder:
    """Builds environments for one pod, caching the ConfigMaps and Secrets it reads."""

    def __init__(self, client: ApiClient, pod: Mapping[str, Any], *, pod_ip: str, host_ip: str):
        self.client = client
        self.pod = pod
        self.pod_ip = pod_ip
        self.host_ip = host_ip
        self.namespace = (pod.get("metadata") or {}).get("namespace") or "default"
        self._cache: dict[tuple[str, str], dict[str, str] | None] = {}

    async def _data(self, kind: str, name: str) -> dict[str, str] | None:
        key = (kind, name)
        if key not in self._cache:
            rt = SECRET if kind == "Secret" else CONFIGMAP
            try:
                obj = await self.client.get(rt, name, namespace=self.namespace)
            except NotFound:
                self._cache[key] = None
            else:
                data = dict(obj.get("data") or {})
                if kind == "Secret":
                    data = {k: base64.b64decode(v).decode(errors="replace") for k, v in data.items()}
                    data.update(obj.get("stringData") or {})
                self._cache[key] = data
        return self._cache[key]

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
        if "fieldRef" in source:
            path = source["fieldRef"].get("fieldPath", "")
            return field_value(self.pod, path, pod_ip=self.pod_ip, host_ip=self.host_ip)
        if "resourceFieldRef" in source:
            return resource_value(container, source["resourceFieldRef"])
        if "configMapKeyRef" in source:
            return await self._key_ref("ConfigMap", source["configMapKeyRef"])
        if "secretKeyRef" in source:
            return await self._key_ref("Secret", source["secretKeyRef"])
        raise ConfigError(f"env {entry.get('name')}: unsupported valueFrom {sorted(source)}")
