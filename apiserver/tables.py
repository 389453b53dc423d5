"""`meta.k8s.io/v1 Table` answers for `kubectl get`, with the columns Kubernetes prints."""

from __future__ import annotations

from collections.abc import Callable

from kubemini.api import timestamps


def human_age(seconds: float) -> str:
    """Kubernetes' HumanDuration: 45s, 3m20s, 15m, 5h30m, 2d, ..."""
    seconds = int(max(seconds, 0))
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if seconds < 120:
        return f"{seconds}s"
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if days < 365 * 2:
        return f"{days}d"
    return f"{days // 365}y"


def _age(obj: dict) -> str:
    created = obj.get("metadata", {}).get("creationTimestamp")
    return human_age(timestamps.age_seconds(created)) if created else "<unknown>"


def _pod_status(pod: dict) -> str:
    if pod.get("metadata", {}).get("deletionTimestamp"):
        return "Terminating"
    status = pod.get("status", {})
    reason = status.get("reason") or status.get("phase") or "Pending"
    for container in status.get("initContainerStatuses") or []:
        state = container.get("state", {})
        if "terminated" in state and state["terminated"].get("exitCode") == 0:
            continue
        if "waiting" in state and state["waiting"].get("reason") not in (None, "PodInitializing"):
            return f"Init:{state['waiting']['reason']}"
        if "terminated" in state or "running" in state or "waiting" in state:
            return "Init:0/1" if "running" in state else reason
    for container in status.get("containerStatuses") or []:
        state = container.get("state", {})
        if "waiting" in state and state["waiting"].get("reason"):
            reason = state["waiting"]["reason"]
        elif "terminated" in state and state["terminated"].get("reason"):
            reason = state["terminated"]["reason"]
    return reason


def _pod_row(pod: dict) -> list:
    statuses = pod.get("status", {}).get("containerStatuses") or []
    total = len(pod.get("spec", {}).get("containers") or [])
    ready = sum(1 for s in statuses if s.get("ready"))
    restarts = sum(int(s.get("restartCount", 0)) for s in statuses)
    return [
        pod["metadata"]["name"],
        f"{ready}/{total}",
        _pod_status(pod),
        restarts,
        _age(pod),
        pod.get("status", {}).get("podIP") or "<none>",
        pod.get("spec", {}).get("nodeName") or "<none>",
    ]


def _deployment_row(obj: dict) -> list:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    return [
        obj["metadata"]["name"],
        f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}",
        status.get("updatedReplicas", 0),
        status.get("availableReplicas", 0),
        _age(obj),
    ]


def _replicaset_row(obj: dict) -> list:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    return [
        obj["metadata"]["name"],
        spec.get("replicas", 0),
        status.get("replicas", 0),
        status.get("readyReplicas", 0),
        _age(obj),
    ]


def _service_ports(obj: dict) -> str:
    ports = []
    for port in obj.get("spec", {}).get("ports") or []:
        node_port = f":{port['nodePort']}" if port.get("nodePort") else ""
        ports.append(f"{port.get('port')}{node_port}/{port.get('protocol', 'TCP')}")
    return ",".join(ports) or "<none>"


def _service_row(obj: dict) -> list:
    spec = obj.get("spec", {})
    ingress = obj.get("status", {}).get("loadBalancer", {}).get("ingress") or []
    external = ",".join(i.get("ip") or i.get("hostname", "") for i in ingress)
    if not external:
        external = "<pending>" if spec.get("type") == "LoadBalancer" else "<none>"
    return [
        obj["metadata"]["name"],
        spec.get("type", "ClusterIP"),
        spec.get("clusterIP") or "<none>",
        external,
        _service_ports(obj),
        _age(obj),
    ]


def _node_row(obj: dict) -> list:
    conditions = {c.get("type"): c.get("status") for c in obj.get("status", {}).get("conditions") or []}
    ready = {"True": "Ready", "False": "NotReady"}.get(conditions.get("Ready", ""), "Unknown")
    if obj.get("spec", {}).get("unschedulable"):
        ready += ",SchedulingDisabled"
    version = obj.get("status", {}).get("nodeInfo", {}).get("kubeletVersion", "")
    return [obj["metadata"]["name"], ready, "<none>", _age(obj), version]


def _namespace_row(obj: dict) -> list:
    return [obj["metadata"]["name"], obj.get("status", {}).get("phase", "Active"), _age(obj)]


def _event_row(obj: dict) -> list:
    involved = obj.get("involvedObject", {})
    last = obj.get("lastTimestamp") or obj.get("eventTime") or obj["metadata"].get("creationTimestamp")
    return [
        human_age(timestamps.age_seconds(last)) if last else "<unknown>",
        obj.get("type", ""),
        obj.get("reason", ""),
        f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}",
        obj.get("message", ""),
    ]


def _endpoints_row(obj: dict) -> list:
    addresses = []
    for subset in obj.get("subsets") or []:
        for address in subset.get("addresses") or []:
            for port in subset.get("ports") or [{}]:
                addresses.append(f"{address.get('ip')}:{port.get('port')}" if port else address.get("ip"))
    shown = ",".join(addresses[:3]) + (f" + {len(addresses) - 3} more..." if len(addresses) > 3 else "")
    return [obj["metadata"]["name"], shown or "<none>", _age(obj)]


def _default_row(obj: dict) -> list:
    return [obj["metadata"]["name"], _age(obj)]


def _columns(*specs: str) -> list[dict]:
    """`NAME:type[:priority]` specs to columnDefinitions (priority 1 shows with -o wide)."""
    columns = []
    for spec in specs:
        name, kind, *priority = spec.split(":")
        columns.append(
            {
                "name": name,
                "type": kind,
                "format": "name" if name == "Name" else "",
                "description": name,
                "priority": int(priority[0]) if priority else 0,
            }
        )
    return columns


TABLES: dict[str, tuple[list[dict], Callable[[dict], list]]] = {
    "Pod": (
        _columns(
            "Name:string",
            "Ready:string",
            "Status:string",
            "Restarts:integer",
            "Age:string",
            "IP:string:1",
            "Node:string:1",
        ),
        _pod_row,
    ),
    "Deployment": (
        _columns("Name:string", "Ready:string", "Up-to-date:integer", "Available:integer", "Age:string"),
        _deployment_row,
    ),
    "ReplicaSet": (
        _columns("Name:string", "Desired:integer", "Current:integer", "Ready:integer", "Age:string"),
        _replicaset_row,
    ),
    "Service": (
        _columns(
            "Name:string", "Type:string", "Cluster-IP:string", "External-IP:string", "Port(s):string", "Age:string"
        ),
        _service_row,
    ),
    "Node": (_columns("Name:string", "Status:string", "Roles:string", "Age:string", "Version:string"), _node_row),
    "Namespace": (_columns("Name:string", "Status:string", "Age:string"), _namespace_row),
    "Event": (
        _columns("Last Seen:string", "Type:string", "Reason:string", "Object:string", "Message:string"),
        _event_row,
    ),
    "Endpoints": (_columns("Name:string", "Endpoints:string", "Age:string"), _endpoints_row),
}
_DEFAULT = (_columns("Name:string", "Age:string"), _default_row)


def wants_table(accept: str) -> bool:
    return "as=Table" in accept


def _row_object(obj: dict, include: str) -> dict:
    if include == "Object":
        return obj
    if include == "None":
        return {}
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj.get("metadata", {})}


def to_table(kind: str, objects: list[dict], *, list_metadata: dict, include_object: str = "Metadata") -> dict:
    columns, row = TABLES.get(kind, _DEFAULT)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_metadata,
        "columnDefinitions": columns,
        "rows": [{"cells": row(obj), "object": _row_object(obj, include_object)} for obj in objects],
    }
