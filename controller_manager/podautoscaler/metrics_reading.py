"""Resource metrics of a target's pods, read from metrics.k8s.io through the apiserver.

    GET /apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods?labelSelector=<the target's selector>
        ──► {pod name: PodSample(sum over its containers, timestamp, window)}
CPU in millicores (fractions kept: `12345n` is 0.012345m), memory in bytes. A failure is a
MetricsError with upstream's wording, which becomes the ScalingActive condition and an Event.
"""

from __future__ import annotations

from controller_manager.podautoscaler.replica_calculation import MetricsError, PodSample
from kubemini.api import timestamps
from kubemini.api.quantity import parse_quantity
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import ApiError

POD_METRICS = by_kind("PodMetrics")


def quantity_value(quantity: str, resource: str) -> float:
    amount = parse_quantity(quantity)
    return float(amount * 1000) if resource == "cpu" else float(amount)


def _window_seconds(window: str) -> float:
    try:
        return float(window.rstrip("s")) if window.endswith("s") and not window.endswith("ms") else 30.0
    except ValueError:
        return 30.0


def samples_from(listing: dict, resource: str) -> dict[str, PodSample]:
    samples = {}
    for item in listing.get("items") or []:
        containers = item.get("containers") or []
        if not containers:
            continue
        value = sum(quantity_value((c.get("usage") or {}).get(resource, "0"), resource) for c in containers)
        samples[item["metadata"]["name"]] = PodSample(
            value, timestamps.parse(item["timestamp"]), _window_seconds(item.get("window") or "")
        )
    return samples


async def pod_samples(client: ApiClient, namespace: str, selector: str, *, resource: str) -> dict[str, PodSample]:
    try:
        listing = await client.list(POD_METRICS, namespace=namespace, label_selector=selector or None)
    except ApiError as error:
        raise MetricsError(
            f"unable to get metrics for resource {resource}: unable to fetch metrics from resource metrics API: "
            f"{error.message} (get pods.metrics.k8s.io)"
        ) from error
    samples = samples_from(listing, resource)
    if not samples:
        raise MetricsError(
            f"unable to get metrics for resource {resource}: no metrics returned from resource metrics API"
        )
    return samples
