"""What the cluster DNS knows: a query name turned into records, read from the informer caches.

    "web.shop.svc.cluster.local"  ──► Service shop/web ──► ClusterIP         (A)
                                                      ──► headless: ready pod IPs (A)
                                                      ──► ExternalName: its name (CNAME)
    "_http._tcp.web.shop.svc..."  ──► SRV per matching port (target: the Service's name)
    "pod-0.web.shop.svc..."       ──► headless endpoint with that hostname (A)
    "10-1-2-3.shop.pod.cluster.local" ──► 10.1.2.3 (A), as Kubernetes answers pod names
    any other name in the cluster domain ──► does not exist (NXDOMAIN)
    a name outside the cluster domain    ──► None: not ours (REFUSED, never forwarded)

Pure: the caches come in as callables: `services("namespace/name")` → the Service,
`slices("namespace/name")` → its EndpointSlices (headless answers: their ready endpoints).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubemini.api.service_endpoints import ready_addresses

DEFAULT_CLUSTER_DOMAIN = "cluster.local"

Getter = Callable[[str], Mapping[str, Any] | None]
SlicesGetter = Callable[[str], list[Mapping[str, Any]]]


@dataclass(frozen=True)
class Srv:
    port: int
    target: str
    priority: int = 0
    weight: int = 100


@dataclass(frozen=True)
class NameRecords:
    exists: bool
    addresses: tuple[str, ...] = ()
    cname: str | None = None
    services: tuple[Srv, ...] = field(default=())


MISSING = NameRecords(exists=False)
EMPTY = NameRecords(exists=True)


def _service_records(service: Mapping[str, Any], slices: list[Mapping[str, Any]]) -> NameRecords:
    spec = service.get("spec") or {}
    if spec.get("type") == "ExternalName":
        external = str(spec.get("externalName") or "").rstrip(".")
        return NameRecords(exists=True, cname=external) if external else EMPTY
    cluster_ip = spec.get("clusterIP")
    if cluster_ip and cluster_ip != "None":
        return NameRecords(exists=True, addresses=(str(cluster_ip),))
    return NameRecords(exists=True, addresses=tuple(ip for ip, _ in ready_addresses(slices)))


def _srv_records(service: Mapping[str, Any], *, port_name: str, protocol: str, fqdn: str) -> NameRecords:
    matching = [
        Srv(port=int(port["port"]), target=fqdn)
        for port in (service.get("spec") or {}).get("ports") or []
        if port.get("name") == port_name and (port.get("protocol") or "TCP").lower() == protocol and port.get("port")
    ]
    return NameRecords(exists=True, services=tuple(matching)) if matching else MISSING


def _pod_records(label: str) -> NameRecords:
    try:
        address = ipaddress.IPv4Address(label.replace("-", "."))
    except ValueError:
        return MISSING
    return NameRecords(exists=True, addresses=(str(address),))


def resolve_name(
    name: str,
    *,
    services: Getter,
    slices: SlicesGetter,
    domain: str = DEFAULT_CLUSTER_DOMAIN,
) -> NameRecords | None:
    """Records for `name` (any case, trailing dot or not); None when it is outside `domain`."""
    name = name.rstrip(".").lower()
    domain = domain.rstrip(".").lower()
    if name == domain:
        return EMPTY
    if not name.endswith("." + domain):
        return None
    labels = name[: -len(domain) - 1].split(".")
    if labels in (["svc"], ["pod"]):
        return EMPTY
    if len(labels) == 3 and labels[2] == "pod":
        return _pod_records(labels[0])
    if len(labels) < 3 or labels[-1] != "svc":
        return MISSING
    namespace, service_name = labels[-2], labels[-3]
    service = services(f"{namespace}/{service_name}")
    if service is None:
        return MISSING
    fqdn = f"{service_name}.{namespace}.svc.{domain}"
    prefix = labels[:-3]
    if not prefix:
        return _service_records(service, slices(f"{namespace}/{service_name}"))
    if len(prefix) == 2 and prefix[0].startswith("_") and prefix[1].startswith("_"):
        return _srv_records(service, port_name=prefix[0][1:], protocol=prefix[1][1:], fqdn=fqdn)
    if len(prefix) == 1 and (service.get("spec") or {}).get("clusterIP") == "None":
        for ip, hostname in ready_addresses(slices(f"{namespace}/{service_name}")):
            if hostname == prefix[0]:
                return NameRecords(exists=True, addresses=(ip,))
    return MISSING
