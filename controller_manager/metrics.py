"""Prometheus metrics of every controller in the process, on the process's own registry.

    Controller.process(key) (kubemini.client.controller) ──► observe(controller, outcome, seconds)
        ──► reconcile_total{controller,result}, reconcile_errors_total{controller}, reconcile_time_seconds{controller}
    scrape of /metrics ──► QueueCollector reads len(queue) of each tracked controller ──► workqueue_depth{name}
    leadership ──► leader (1 while this process runs the controllers)

Names follow controller-runtime and client-go's workqueue so dashboards built for Kubernetes read them.
A new leadership term builds new controllers; `track` replaces the old ones under the same name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from kubemini.client.controller import ERROR, TERMINAL

RECONCILE_BUCKETS_SECONDS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _Queued(Protocol):
    name: str

    @property
    def queue(self) -> object: ...


class QueueCollector(Collector):
    def __init__(self) -> None:
        self.controllers: dict[str, _Queued] = {}

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily("workqueue_depth", "Keys waiting in the controller's work queue", labels=["name"])
        delayed = GaugeMetricFamily(
            "workqueue_delayed_keys", "Keys waiting for a delayed or backoff requeue", labels=["name"]
        )
        for name, controller in sorted(self.controllers.items()):
            queue = controller.queue
            depth.add_metric([name], float(len(queue)))  # type: ignore[arg-type]
            delayed.add_metric([name], float(len(queue.delayed())))  # type: ignore[attr-defined]
        yield depth
        yield delayed


class ControllerMetrics:
    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        self.reconciles = Counter(
            "controller_runtime_reconcile",
            "Reconciles per controller and result (success, requeue, requeue_after, error, terminal)",
            ["controller", "result"],
            registry=self.registry,
        )
        self.errors = Counter(
            "controller_runtime_reconcile_errors",
            "Reconciles that raised, per controller",
            ["controller"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "controller_runtime_reconcile_time_seconds",
            "Time spent in one reconcile, per controller",
            ["controller"],
            buckets=RECONCILE_BUCKETS_SECONDS,
            registry=self.registry,
        )
        self.leader = Gauge(
            "controller_manager_leader",
            "1 while this process holds the lease and runs controllers",
            registry=self.registry,
        )
        self.queues = QueueCollector()
        self.registry.register(self.queues)

    def track(self, controller: _Queued) -> None:
        self.queues.controllers[controller.name] = controller

    def observe(self, controller: str, outcome: str, seconds: float) -> None:
        """One reconcile's outcome, as the controller base decided it (the only place that does)."""
        self.reconciles.labels(controller, outcome).inc()
        if outcome in (ERROR, TERMINAL):
            self.errors.labels(controller).inc()
        self.duration.labels(controller).observe(seconds)

    def untrack_all(self) -> None:
        self.queues.controllers.clear()
