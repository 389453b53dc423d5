"""Prometheus metrics: requests by verb, resource and code; latency histograms."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry()
REQUESTS = Counter("apiserver_request_total", "API requests", ["verb", "resource", "code"], registry=REGISTRY)
LATENCY = Histogram(
    "apiserver_request_duration_seconds",
    "API request latency (watch excluded)",
    ["verb", "resource"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)
WATCHERS = Gauge("apiserver_registered_watchers", "Open watches", ["resource"], registry=REGISTRY)


def render() -> bytes:
    return generate_latest(REGISTRY)
