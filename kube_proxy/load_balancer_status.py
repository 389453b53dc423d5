"""LoadBalancer Services get this node's address as their ingress, the way k3s' ServiceLB does it.

    Service events ──► the Service's key ──► reconcile(key)
        type LoadBalancer, our address not in status.loadBalancer.ingress ──► add it
        any other type, our address still listed                          ──► remove it
        merge PATCH of the status subresource, only when the list changes

The proxier listens on <node address>:port and :nodePort for such Services, so
the advertised ingress really carries traffic. Each kube-proxy adds only its
own node's address and never touches the others'.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.controller import Controller, Result
from kubemini.client.errors import NotFound
from kubemini.client.informer import Informer
from kubemini.client.store import split_key

SERVICE = by_kind("Service")


def wanted_ingress(service: Mapping[str, Any], *, node_address: str) -> list[dict[str, Any]] | None:
    """The ingress list the Service should have, or None when it is right as it is."""
    spec = service.get("spec") or {}
    current = list(((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or [])
    listed = any(entry.get("ip") == node_address for entry in current)
    if spec.get("type") == "LoadBalancer" and not listed:
        return [*current, {"ip": node_address}]
    if spec.get("type") != "LoadBalancer" and listed:
        return [entry for entry in current if entry.get("ip") != node_address]
    return None


class LoadBalancerStatusController(Controller):
    name = "service-lb"

    def __init__(self, client: ApiClient, services: Informer, *, node_address: str):
        super().__init__(workers=1)
        self.client = client
        self.node_address = node_address
        self.services = self.add_informer(services)

    async def reconcile(self, key: str) -> Result | None:
        service = self.services.get(key)
        if service is None:
            return None
        ingress = wanted_ingress(service, node_address=self.node_address)
        if ingress is None:
            return None
        namespace, name = split_key(key)
        patch = {"status": {"loadBalancer": {"ingress": ingress or None}}}
        try:
            await self.client.patch(SERVICE, name, patch, namespace=namespace, subresource="status")
        except NotFound:
            pass  # deleted meanwhile: nothing to advertise
        return None
