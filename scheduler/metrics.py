"""The scheduler's Prometheus metrics, on its own registry (served at /metrics).

Names follow kube-scheduler's: attempts by result, the attempt-to-bound ("e2e")
latency, the first-queued-to-bound pod latency, pending pods per queue, and
bindings in flight. Gauges read the live queue of the current leadership term
through `watch_queue()`, so a standby reports zeros.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

SCHEDULED = "scheduled"
UNSCHEDULABLE = "unschedulable"
ERROR = "error"
LATENCY_BUCKETS_SECONDS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60)
QUEUES = ("active", "backoff", "unschedulable", "in_flight")


class SchedulerMetrics:
    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        self.attempts = Counter(
            "scheduler_schedule_attempts",
            "Scheduling attempts by result: scheduled, unschedulable or error",
            ["result"],
            registry=self.registry,
        )
        self.e2e_latency = Histogram(
            "scheduler_e2e_scheduling_duration_seconds",
            "From the start of a successful attempt to the binding being written",
            buckets=LATENCY_BUCKETS_SECONDS,
            registry=self.registry,
        )
        self.pod_latency = Histogram(
            "scheduler_pod_scheduling_duration_seconds",
            "From first entering the queue to being bound, across all attempts",
            buckets=LATENCY_BUCKETS_SECONDS,
            registry=self.registry,
        )
        self.algorithm_latency = Histogram(
            "scheduler_scheduling_algorithm_duration_seconds",
            "Filtering and scoring time of one attempt",
            buckets=LATENCY_BUCKETS_SECONDS,
            registry=self.registry,
        )
        self.pending = Gauge("scheduler_pending_pods", "Pods waiting, by queue", ["queue"], registry=self.registry)
        self.bindings_in_flight = Gauge(
            "scheduler_bindings_in_flight", "Binding calls not yet answered", registry=self.registry
        )
        self.assumed_expired = Counter(
            "scheduler_assumed_pods_expired",
            "Assumed pods dropped because their binding never showed up in the watch",
            registry=self.registry,
        )
        self.events_dropped = Counter(
            "scheduler_events_dropped", "Events shed because the event queue was full", registry=self.registry
        )
        self._lengths: Callable[[], dict[str, int]] = dict
        for queue in QUEUES:
            self.pending.labels(queue=queue).set_function(lambda queue=queue: self._lengths().get(queue, 0))
        for result in (SCHEDULED, UNSCHEDULABLE, ERROR):
            self.attempts.labels(result=result)  # export zeros from the start

    def watch_queue(self, lengths: Callable[[], dict[str, int]] | None) -> None:
        self._lengths = lengths or dict
