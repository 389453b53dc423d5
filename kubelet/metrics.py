"""Prometheus metrics of the kubelet process (`GET /metrics`), one registry per process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()

SYNC_SECONDS = Histogram(
    "kubelet_pod_sync_duration_seconds",
    "Time of one sync_pod call",
    ["node"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
SYNC_ERRORS = Counter("kubelet_pod_sync_errors_total", "sync_pod calls that raised", ["node"], registry=REGISTRY)
RUNNING_PODS = Gauge("kubelet_running_pods", "Pods with a running sandbox", ["node"], registry=REGISTRY)
MANAGED_PODS = Gauge("kubelet_managed_pods", "Pods this kubelet has a worker for", ["node"], registry=REGISTRY)
NODE_READY = Gauge("kubelet_node_ready", "1 when the node reports Ready", ["node"], registry=REGISTRY)
