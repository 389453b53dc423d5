"""What one service port's listeners share: its balancer, its counters, its open connections.

    proxier sync ──► PortProxy.update(ServicePort) ──► RoundRobin.update(ready endpoints)
    ClusterIP / NodePort / LoadBalancer listeners of the port ──► one PortProxy
    each accepted connection (or UDP session) ──► registers in `flows` until it ends

The ClusterIP and NodePort listeners of a port share one PortProxy, so round-robin
and ClientIP affinity span both ways in. A PortProxy outlives its listeners while
flows are still open: that is how removed endpoints and Services drain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from kube_proxy.load_balancing import RoundRobin
from kube_proxy.metrics import PortStats
from kube_proxy.service_ports import ServicePort, ServicePortName


class Flow(Protocol):
    def close(self) -> None: ...


@dataclass(eq=False)
class PortProxy:
    name: ServicePortName
    protocol: str
    stats: PortStats
    balancer: RoundRobin = field(default_factory=RoundRobin)
    flows: set[Flow] = field(default_factory=set)

    def update(self, service_port: ServicePort) -> bool:
        return self.balancer.update(service_port.endpoints, affinity_seconds=service_port.affinity_seconds)

    def opened(self, flow: Flow) -> None:
        self.flows.add(flow)
        self.stats.connections += 1
        self.stats.active += 1

    def closed(self, flow: Flow) -> None:
        if flow in self.flows:
            self.flows.discard(flow)
            self.stats.active -= 1

    def close_flows(self) -> None:
        """Cut every open flow: only at kube-proxy shutdown, never on an endpoint change."""
        for flow in list(self.flows):
            flow.close()
