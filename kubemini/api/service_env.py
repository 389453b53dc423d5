"""The Service discovery variables a kubelet puts into every container's environment.

    Services visible to the pod (`services_for_pod`: its own namespace when
    enableServiceLinks, plus `kubernetes` from `default` always)
        ──► `service_environment` ──► {"WEB_SERVICE_HOST": "10.96.4.2", "WEB_PORT": "tcp://10.96.4.2:80", ...}

Per Service with a ClusterIP (headless and ExternalName Services get none),
as Kubernetes and Docker links name them; the name is upper-cased with `-`
and `.` turned into `_` (and a leading `_` when it starts with a digit):

    <NAME>_SERVICE_HOST=<clusterIP>
    <NAME>_SERVICE_PORT=<first port>
    <NAME>_SERVICE_PORT_<PORTNAME>=<port>           for each named port
    <NAME>_PORT=<proto>://<clusterIP>:<first port>
    <NAME>_PORT_<port>_<PROTO>=<proto>://<clusterIP>:<port>, with _PROTO, _PORT, _ADDR

Pure functions over Service dicts: no client, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

MASTER_NAMESPACE = "default"
MASTER_SERVICES = frozenset({"kubernetes"})


def env_name(text: str) -> str:
    """`my-svc.v2` → `MY_SVC_V2`; `3d-web` → `_3D_WEB` (a variable may not start with a digit)."""
    name = text.replace(".", "_").replace("-", "_").upper()
    return f"_{name}" if name[:1].isdigit() else name


def has_cluster_ip(service: Mapping[str, Any]) -> bool:
    spec = service.get("spec") or {}
    address = spec.get("clusterIP")
    return bool(address) and address != "None" and spec.get("type") != "ExternalName"


def _link_variables(prefix: str, address: str, ports: list[Mapping[str, Any]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for index, port in enumerate(ports):
        protocol = str(port.get("protocol") or "TCP")
        number = int(port["port"])
        url = f"{protocol.lower()}://{address}:{number}"
        if index == 0:
            env[f"{prefix}_PORT"] = url  # Docker special-cases the first port
        port_prefix = f"{prefix}_PORT_{number}_{protocol.upper()}"
        env[port_prefix] = url
        env[f"{port_prefix}_PROTO"] = protocol.lower()
        env[f"{port_prefix}_PORT"] = str(number)
        env[f"{port_prefix}_ADDR"] = address
    return env


def service_environment(services: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """The variables for these Services, in the order given (a later Service of the same name wins)."""
    env: dict[str, str] = {}
    for service in services:
        ports = [p for p in (service.get("spec") or {}).get("ports") or [] if isinstance(p, Mapping)]
        if not has_cluster_ip(service) or not ports:
            continue
        address = service["spec"]["clusterIP"]
        prefix = env_name((service.get("metadata") or {}).get("name") or "")
        env[f"{prefix}_SERVICE_HOST"] = address
        env[f"{prefix}_SERVICE_PORT"] = str(int(ports[0]["port"]))
        for port in ports:
            if port.get("name"):
                env[f"{prefix}_SERVICE_PORT_{env_name(port['name'])}"] = str(int(port["port"]))
        env.update(_link_variables(prefix, address, ports))
    return env


def services_for_pod(
    services: Iterable[Mapping[str, Any]], namespace: str, *, enable_service_links: bool = True
) -> list[Mapping[str, Any]]:
    """The Services whose variables a pod in `namespace` gets, as the kubelet chooses them.

    The master Service (`kubernetes` in `default`) is always there unless the pod's own
    namespace has a Service of that name; with `enableServiceLinks: false` only it is.
    Sorted by name so the environment does not depend on list order.
    """
    chosen: dict[str, Mapping[str, Any]] = {}
    for service in services:
        if not has_cluster_ip(service):
            continue
        meta = service.get("metadata") or {}
        name, service_namespace = meta.get("name") or "", meta.get("namespace") or ""
        if service_namespace == namespace and enable_service_links:
            chosen[name] = service
        elif service_namespace == MASTER_NAMESPACE and name in MASTER_SERVICES:
            chosen.setdefault(name, service)
    return [chosen[name] for name in sorted(chosen)]
