"""status.loadBalancer.ingress of our Ingresses: the address (and ports) this controller listens on.

Ingress / IngressClass events ──► Ingress keys ──► reconcile(key)
    ours, status differs from [{ip, ports}] ──► merge PATCH of the status subresource
    not ours any more, our ip still listed  ──► remove our entry (others' entries kept)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ingress_controller.ingress_classes import OurClasses, is_ours, our_classes
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.controller import Controller, Result
from kubemini.client.errors import NotFound
from kubemini.client.informer import Informer
from kubemini.client.store import object_key, split_key

INGRESS = by_kind("Ingress")


def wanted_status_ingress(
    ingress: Mapping[str, Any], *, ours: bool, address: str, ports: list[int]
) -> list[dict[str, Any]] | None:
    """The status.loadBalancer.ingress list the Ingress should have, or None when it is right already."""
    current = list(((ingress.get("status") or {}).get("loadBalancer") or {}).get("ingress") or [])
    others = [entry for entry in current if entry.get("ip") != address]
    wanted = others
    if ours:
        wanted = [*others, {"ip": address, "ports": [{"port": port, "protocol": "TCP"} for port in ports]}]
    return None if wanted == current else wanted


class StatusController(Controller):
    name = "ingress-status"

    def __init__(self, client: ApiClient, *, ingresses: Informer, classes: Informer, address: str, ports: list[int]):
        super().__init__(workers=1)
        self.client = client
        self.address = address
        self.ports = ports
        self.ingresses = self.add_informer(ingresses)
        self.classes = self.add_informer(classes, key_for=lambda _obj: [object_key(i) for i in ingresses.list()])

    def current_classes(self) -> OurClasses:
        return our_classes(self.classes.list())

    async def reconcile(self, key: str) -> Result | None:
        ingress = self.ingresses.get(key)
        if ingress is None:
            return None
        ours = is_ours(ingress, self.current_classes())
        wanted = wanted_status_ingress(ingress, ours=ours, address=self.address, ports=self.ports)
        if wanted is None:
            return None
        namespace, name = split_key(key)
        patch = {"status": {"loadBalancer": {"ingress": wanted or None}}}
        try:
            await self.client.patch(INGRESS, name, patch, namespace=namespace, subresource="status")
        except NotFound:
            pass  # deleted meanwhile
        return None
