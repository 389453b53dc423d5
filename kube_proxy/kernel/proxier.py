"""The kernel-mode proxier: the userspace Proxier's sync loop, with rules instead of listeners.

Service / EndpointSlice events ──► request_sync() ──► sync():
    desired = build_service_ports(...) ──► desired_listeners ──► render() ──► changed? ──► apply
close() leaves the rules (connections keep flowing while kube-proxy restarts, as upstream);
`cleanup()` (SIGTERM of `--cleanup`, or the end of a run that installed them) removes them.
"""

from __future__ import annotations

import asyncio
import logging
import time

from kube_proxy.kernel.programming import KernelRules
from kube_proxy.kernel.ruleset import Chains, UdpFlows, render, stale_udp_flows, udp_flows
from kube_proxy.service_ports import build_service_ports, desired_listeners, slices_getter
from kube_proxy.syncing import Proxier

log = logging.getLogger(__name__)


class KernelProxier(Proxier):
    def __init__(self, *, chains: Chains, **common) -> None:
        super().__init__(**common)
        self.rules = KernelRules(chains)
        self.applied: str | None = None
        self.udp_flows: UdpFlows = {}

    async def start(self) -> None:
        await asyncio.to_thread(self.rules.allow_localnet)

    async def sync(self) -> None:
        desired_ports = build_service_ports(self.services.list(), slices_getter(self.slices), node_name=self.node_name)
        listeners, conflicts = desired_listeners(desired_ports, node_address=self.node_address, reserved=self.reserved)
        self._report_conflicts(conflicts)
        stale = await asyncio.to_thread(self.rules.current_chains)
        text = render(desired_ports, listeners, chains=self.rules.chains, stale_chains=stale)
        if text != self.applied:
            await asyncio.to_thread(self.rules.apply, text)
            flows = udp_flows(desired_ports, listeners)
            await asyncio.to_thread(self.rules.forget_udp_flows, stale_udp_flows(self.udp_flows, flows))
            self.udp_flows = flows
            if self.applied is None or len(text) != len(self.applied):
                log.info("kernel rules: %d service ports, %d listeners", len(desired_ports), len(listeners))
            self.applied = text
        else:
            await asyncio.to_thread(self.rules.ensure_jumps)  # someone flushed a built-in chain: put them back
        for protocol in ("TCP", "UDP"):
            self.metrics.listeners.labels(protocol).set(sum(1 for key in listeners if key.protocol == protocol))
        self.last_sync = time.monotonic()

    def close(self) -> None:
        self.rules.cleanup()
