"""The node's pod-network agent: its Node's pod CIDR in, routes and rules to the other nodes out.

    Informer(all Nodes) ──any change──► wake ─┐
    every RESYNC_PERIOD_SECONDS ──────────────┴─► sync():
        own Node's podCIDR known? ──► pod_cidr() waiters released (the kubelet then makes its Docker
                                      network on that subnet), KUBEMINI-POD-NET/-FWD chains applied
        backend vxlan ──► own VTEP MAC published in the Node annotation kubemini.io/vxlan-vtep-mac
        backend host-gw/vxlan ──► desired_state(nodes) ──► IpRoute.apply (diffed with the kernel)
    (a Node event that changes nothing wanted leaves the kernel alone; the periodic sync always applies)
A peer Node deleted drops out of the list, so its route and entries go with the next sync. The
kernel work runs in a thread (subprocesses); a failed step is retried by the next periodic sync. What is
installed stays when the kubelet stops (pods keep their network across a restart); `cleanup`
(`python -m kubelet --cleanup-pod-network`) removes it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from kubelet.pod_network.desired import (
    UNDERLAY_MTU,
    VTEP_MAC_ANNOTATION,
    VXLAN_OVERHEAD_BYTES,
    NetworkState,
    desired_state,
    published_mac,
    vtep_mac,
)
from kubelet.pod_network.iproute import IpRoute
from kubelet.pod_network.masquerade import Masquerade
from kubemini.api.pod_cidrs import ipv4_pod_cidr
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import ApiError
from kubemini.client.informer import Informer

NODE = by_kind("Node")
RESYNC_PERIOD_SECONDS = 30.0
VXLAN_MTU = UNDERLAY_MTU - VXLAN_OVERHEAD_BYTES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PodNetworkSettings:
    backend: str = "none"
    cluster_cidr: str = "10.244.0.0/16"
    pod_cidr_from_node: bool = False
    netns: str | None = None  # tests: program this network namespace instead of the machine's

    @property
    def pod_mtu(self) -> int | None:
        """The MTU pods need: VXLAN's 50 bytes of headers come out of the underlay's 1500."""
        return VXLAN_MTU if self.backend == "vxlan" else None


class PodNetworkAgent:
    def __init__(self, client: ApiClient, *, node_name: str, settings: PodNetworkSettings):
        self.client = client
        self.node_name = node_name
        self.settings = settings
        self.routes = IpRoute(netns=settings.netns)
        self.masquerade = Masquerade(netns=settings.netns)
        self.nodes = Informer(client, NODE)
        self._wake = asyncio.Event()
        self._cidr_known = asyncio.Event()
        self._pod_cidr: str | None = None
        self._applied: tuple[str | None, NetworkState] | None = None  # what the last sync put in the kernel
        self.synced = asyncio.Event()  # set after each completed sync (tests wait on it)
        self.nodes.add_event_handler(
            on_add=lambda _: self._wake.set(),
            on_update=lambda _old, _new: self._wake.set(),
            on_delete=lambda _: self._wake.set(),
        )

    async def pod_cidr(self) -> str:
        """This node's IPv4 pod CIDR, once the node IPAM controller has set it."""
        await self._cidr_known.wait()
        assert self._pod_cidr is not None
        return self._pod_cidr

    async def run(self) -> None:
        self.nodes.start()
        try:
            await self.nodes.wait_for_sync()
            full = True
            while True:
                self._wake.clear()
                try:
                    await self.sync(full=full)
                except (ApiError, OSError, RuntimeError) as error:
                    log.warning("pod network sync failed: %s", error)
                    self._applied = None  # the next sync applies everything again
                try:
                    await asyncio.wait_for(self._wake.wait(), RESYNC_PERIOD_SECONDS)
                    full = False
                except TimeoutError:
                    full = True
        finally:
            await self.nodes.stop()

    async def sync(self, *, full: bool = True) -> None:
        """Apply what the Nodes ask for. Every Node heartbeat wakes us, so a look that changes
        nothing we want (`full` False: an event, not the periodic repair) leaves the kernel alone."""
        own = self.nodes.get(self.node_name)
        cidr = ipv4_pod_cidr(own) if own else None
        desired = desired_state(self.nodes.list(), self_name=self.node_name, backend=self.settings.backend)
        wanted = (str(cidr) if cidr else None, desired)
        if cidr is not None:
            if self._pod_cidr is None:
                log.info("node %s: pod CIDR %s", self.node_name, cidr)
            self._pod_cidr = str(cidr)
            self._cidr_known.set()
            if self.settings.backend == "vxlan" and own is not None and published_mac(own) != vtep_mac(cidr):
                annotations = {VTEP_MAC_ANNOTATION: vtep_mac(cidr)}
                await self.client.patch(NODE, self.node_name, {"metadata": {"annotations": annotations}})
        if full or wanted != self._applied:
            if cidr is not None and self.settings.pod_cidr_from_node:
                await asyncio.to_thread(self.masquerade.apply, str(cidr), self.settings.cluster_cidr)
            if self.settings.backend != "none":
                await asyncio.to_thread(self.routes.apply, desired)  # a failed step is tried again by the periodic sync
            self._applied = wanted
        self.synced.set()

    @staticmethod
    def cleanup_kernel(settings: PodNetworkSettings | None = None) -> None:
        """Everything of ours out of the kernel: routes of proto 77, kubemini.1, our iptables chains."""
        netns = settings.netns if settings else None
        IpRoute(netns=netns).cleanup()
        Masquerade(netns=netns).cleanup()
