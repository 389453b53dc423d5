"""What the ingress controller counts, served as Prometheus text on /metrics."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge


class IngressMetrics:
    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        self.requests = Counter(
            "ingress_controller_requests",
            "HTTP requests answered, by Ingress (empty: none matched) and status code",
            ("ingress", "status"),
            registry=self.registry,
        )
        self.canary_requests = Counter(
            "ingress_controller_canary_requests",
            "Requests sent to a canary backend",
            ("ingress",),
            registry=self.registry,
        )
        self.reloads = Counter(
            "ingress_controller_table_reloads", "Routing tables built and swapped in", registry=self.registry
        )
        self.routes = Gauge(
            "ingress_controller_routes", "Host/path routes in the current table", registry=self.registry
        )
        self.connections = Gauge(
            "ingress_controller_open_connections", "Client connections open now", ("scheme",), registry=self.registry
        )
        self._request_counters: dict[tuple[str, int], Any] = {}

    def count_request(self, ingress: str, status: int) -> None:
        """Bump the request counter; the labelled child is cached (a label lookup per request is costly)."""
        counter = self._request_counters.get((ingress, status))
        if counter is None:
            counter = self._request_counters[(ingress, status)] = self.requests.labels(ingress, str(status))
        counter.inc()
