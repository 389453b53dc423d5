"""The `nodeipam` controller's range allocator: every Node gets the next free pod CIDR, once.

    Node events ──► the node's name
    first reconcile: every Node's spec.podCIDRs (from the synced store) marked used, so no CIDR
        a node already holds is handed out again, whatever order the keys come in
    reconcile(name):
        Node gone                   ──► the CIDR we knew for it released
        Node has podCIDRs           ──► they are marked used (set by us earlier, or by hand)
        Node has none               ──► the next free CIDR (or the one already picked for it, when a
                                        write failed) ──► PATCH spec.podCIDR + spec.podCIDRs
        none left                   ──► Event CIDRNotAvailable on the Node, retried with backoff
The apiserver refuses any later change of a set podCIDR, so a write that lost a race to another
writer fails (422) and the next look adopts what the Node has.
"""

from __future__ import annotations

import logging
from typing import Any

from controller_manager.nodeipam.cidr_set import CidrExhausted, CidrSet, CidrSetError
from kubemini.api.pod_cidrs import pod_cidrs
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.controller import ClientController, Result
from kubemini.client.errors import Invalid, NotFound
from kubemini.client.events import NORMAL
from kubemini.client.shared_informers import SharedInformers

NODE = by_kind("Node")
CIDR_NOT_AVAILABLE = "CIDRNotAvailable"

log = logging.getLogger(__name__)


def cidr_patch(cidr: str) -> dict[str, Any]:
    return {"spec": {"podCIDR": cidr, "podCIDRs": [cidr]}}


class RangeAllocator(ClientController):
    name = "nodeipam"

    def __init__(
        self,
        client: ApiClient,
        informers: SharedInformers,
        *,
        cluster_cidr: str,
        mask_size: int,
        **common: Any,
    ):
        self.cidrs = CidrSet(cluster_cidr, mask_size=mask_size)
        self.known: dict[str, list[str]] = {}  # node name → the CIDRs it holds, or we picked for it
        self._initialised = False
        super().__init__(client, informers, **common)

    def setup(self, informers: SharedInformers) -> None:
        self.nodes = self.add_informer(informers.informer(NODE))

    def _occupy(self, name: str, cidrs: list[str]) -> None:
        for cidr in self.known.get(name, []):
            if cidr not in cidrs:
                self._release(cidr)
        for cidr in cidrs:
            try:
                self.cidrs.occupy(cidr)
            except (CidrSetError, ValueError) as error:
                # A CIDR outside the cluster CIDR (set by hand, or another range before): nothing of ours.
                log.info("node %s: pod CIDR %s not tracked: %s", name, cidr, error)
        self.known[name] = cidrs

    def _release(self, cidr: str) -> None:
        try:
            self.cidrs.release(cidr)
        except (CidrSetError, ValueError):
            pass  # never ours to begin with

    def _initialise(self) -> None:
        for node in self.nodes.list():
            cidrs = pod_cidrs(node)
            if cidrs:
                self._occupy(node["metadata"]["name"], cidrs)
        self._initialised = True

    async def reconcile(self, key: str) -> Result | None:
        if not self._initialised:
            self._initialise()
        node = self.nodes.get(key)
        if node is None:
            for cidr in self.known.pop(key, []):
                self._release(cidr)
            return None
        cidrs = pod_cidrs(node)
        if cidrs:
            self._occupy(key, cidrs)
            return None
        picked = self.known.get(key)
        if not picked:
            try:
                picked = [self.cidrs.allocate_next()]
            except CidrExhausted as error:
                log.warning("node %s: %s", key, error)
                self.emit(node, NORMAL, CIDR_NOT_AVAILABLE, f"Node {key} status is now: {CIDR_NOT_AVAILABLE}")
                return Result(requeue=True)
            self.known[key] = picked
        try:
            await self.client.patch(NODE, key, cidr_patch(picked[0]))
        except NotFound:
            return None  # deleted meanwhile: its delete event releases the CIDR
        except Invalid:
            log.info("node %s: got a pod CIDR from elsewhere meanwhile; adopting it", key)
            return Result(requeue=True)
        log.info("node %s: set pod CIDR %s", key, picked[0], extra={"component": self.name, "object": key})
        return None
