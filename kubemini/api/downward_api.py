"""The downward API: what a pod may learn about itself, in env vars (`fieldRef`,
`resourceFieldRef`) and in downwardAPI/projected volume files.

    fieldRef.fieldPath ──► field_value(pod, path, pod_ip, host_ip)
        env and volumes: metadata.name, .namespace, .uid, .labels['k'], .annotations['k']
        env only:        spec.nodeName, spec.serviceAccountName, status.hostIP(s), status.podIP(s)
        volumes only:    metadata.labels, metadata.annotations (`k="v"` lines, sorted)
    resourceFieldRef ──► resource_value(container, ref, node_allocatable)
        a limit not set reads the node's allocatable; CPU rounds up to whole divisors
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from kubemini.api.quantity import parse_quantity

ENV_ONLY_PATHS = (
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
)
COMMON_PATHS = ("metadata.name", "metadata.namespace", "metadata.uid")
VOLUME_ONLY_PATHS = ("metadata.labels", "metadata.annotations")
RESOURCES = ("limits.cpu", "limits.memory", "limits.ephemeral-storage", "requests.cpu", "requests.memory",
             "requests.ephemeral-storage")  # fmt: skip
_SUBSCRIPT = re.compile(r"^metadata\.(labels|annotations)\['(.+)'\]$")


class DownwardApiError(ValueError):
    """A fieldPath or resource the downward API does not offer."""


def format_map(values: Mapping[str, str]) -> str:
    """Labels or annotations as a downwardAPI file: `key="value"` lines sorted by key (Go's %q quoting)."""
    return "\n".join(f"{key}={json.dumps(values[key], ensure_ascii=False)}" for key in sorted(values))


def field_value(pod: Mapping[str, Any], path: str, *, pod_ip: str, host_ip: str, volume: bool = False) -> str:
    meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
    if path in COMMON_PATHS:
        return str(meta.get(path.split(".", 1)[1]) or "")
    subscript = _SUBSCRIPT.match(path)
    if subscript:
        return str((meta.get(subscript.group(1)) or {}).get(subscript.group(2), ""))
    if volume and path in VOLUME_ONLY_PATHS:
        return format_map(meta.get(path.split(".", 1)[1]) or {})
    if not volume and path in ENV_ONLY_PATHS:
        return {
            "spec.nodeName": str(spec.get("nodeName") or ""),
            "spec.serviceAccountName": str(spec.get("serviceAccountName") or ""),
            "status.hostIP": host_ip,
            "status.hostIPs": host_ip,
            "status.podIP": pod_ip,
            "status.podIPs": pod_ip,
        }[path]
    raise DownwardApiError(f'unsupported fieldPath: "{path}"')


def resource_value(
    container: Mapping[str, Any], reference: Mapping[str, Any], *, node_allocatable: Mapping[str, Any]
) -> str:
    resource = str(reference.get("resource", ""))
    kind, _, name = resource.partition(".")
    if resource not in RESOURCES and not name.startswith("hugepages-"):
        raise DownwardApiError(f"unsupported container resource: {resource}")
    value = ((container.get("resources") or {}).get(kind) or {}).get(name)
    if value is None:
        value = node_allocatable.get(name, 0) if kind == "limits" else 0
    amount = parse_quantity(value)
    divisor = parse_quantity(reference.get("divisor") or "1")
    if divisor <= 0:
        raise DownwardApiError(f"invalid divisor {reference.get('divisor')!r}")
    if name == "cpu":
        # Kubernetes rounds CPU up to whole divisor units, counted in millicores.
        return str(math.ceil(math.ceil(amount * 1000) / math.ceil(divisor * 1000)))
    return str(math.ceil(math.ceil(amount) / math.ceil(divisor)))
