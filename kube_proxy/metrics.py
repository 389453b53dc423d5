"""What kube-proxy counts, served as Prometheus text on /metrics.

    proxied connection / datagram ──► PortStats (plain ints, bumped on the hot path)
    scrape ──► StatsCollector reads every PortStats ──► kubeproxy_* families per service port

The per-chunk byte counting stays a plain integer add: a prometheus Counter per
chunk would cost a lock and a label lookup on every read of every connection.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

PORT_LABELS = ("service", "port", "protocol")


@dataclass
class PortStats:
    service: str
    port: str
    protocol: str
    connections: int = 0
    active: int = 0
    bytes_to_backend: int = 0
    bytes_to_client: int = 0
    errors: Tally[str] = field(default_factory=Tally)

    def labels(self) -> list[str]:
        return [self.service, self.port, self.protocol]


class StatsCollector(Collector):
    def __init__(self) -> None:
        self.ports: dict[tuple[str, str, str], PortStats] = {}

    def stats_for(self, *, service: str, port: str, protocol: str) -> PortStats:
        key = (service, port, protocol)
        if key not in self.ports:
            self.ports[key] = PortStats(service, port, protocol)
        return self.ports[key]

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        connections = CounterMetricFamily(
            "kubeproxy_connections", "Connections (TCP) or sessions (UDP) proxied", labels=PORT_LABELS
        )
        active = GaugeMetricFamily("kubeproxy_active_connections", "Connections open now", labels=PORT_LABELS)
        sent = CounterMetricFamily("kubeproxy_bytes", "Bytes proxied", labels=(*PORT_LABELS, "direction"))
        errors = CounterMetricFamily(
            "kubeproxy_errors", "Failures while proxying, by reason", labels=(*PORT_LABELS, "reason")
        )
        for stats in list(self.ports.values()):
            labels = stats.labels()
            connections.add_metric(labels, stats.connections)
            active.add_metric(labels, stats.active)
            sent.add_metric([*labels, "to_backend"], stats.bytes_to_backend)
            sent.add_metric([*labels, "to_client"], stats.bytes_to_client)
            for reason, count in stats.errors.items():
                errors.add_metric([*labels, reason], count)
        yield from (connections, active, sent, errors)


class ProxyMetrics:
    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        self.ports = StatsCollector()
        self.registry.register(self.ports)
        self.sync_duration = Histogram(
            "kubeproxy_sync_proxy_rules_duration_seconds",
            "Time to rebuild the desired listeners and apply the difference",
            registry=self.registry,
        )
        self.syncs = Counter("kubeproxy_syncs", "Proxy syncs, by outcome", ("outcome",), registry=self.registry)
        self.listeners = Gauge(
            "kubeproxy_listeners", "Listening sockets installed", ("protocol",), registry=self.registry
        )
        self.dns_queries = Counter(
            "kubeproxy_dns_queries",
            "Cluster DNS queries answered, by response code",
            ("rcode",),
            registry=self.registry,
        )
