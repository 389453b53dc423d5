"""One scrape of one kubelet: GET /metrics/resource?node=<name> ──► a NodeScrape of readings.

    Node (informer) ──► kubelet_endpoint (InternalIP, kubeletEndpoint.Port; loopback only)
        ──► Prometheus text: node_cpu_usage_seconds_total, node_memory_working_set_bytes,
            container_cpu_usage_seconds_total / container_memory_working_set_bytes{namespace,pod,container}
        ──► Readings (cumulative core-seconds, working set bytes, the sample's own timestamp)
`node=` picks the node in a kubelet process serving several (hollow nodes); a one-node kubelet
ignores it. A kubelet that does not answer yields no scrape: its pods have no metrics until it does.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from kubemini.api.kubelet_endpoint import NoKubeletEndpoint, kubelet_endpoint

log = logging.getLogger(__name__)
PodKey = tuple[str, str]  # (namespace, name)


@dataclass(frozen=True)
class Reading:
    cpu_core_seconds: float
    memory_bytes: int
    timestamp: float  # epoch seconds


@dataclass
class NodeScrape:
    node: str
    reading: Reading | None = None
    containers: dict[PodKey, dict[str, Reading]] = field(default_factory=dict)


def _merge(partial: dict, key: Any, *, cpu: float | None = None, memory: float | None = None, at: float) -> None:
    entry = partial.setdefault(key, {"cpu": None, "memory": None, "at": at})
    if cpu is not None:
        entry["cpu"] = cpu
    if memory is not None:
        entry["memory"] = memory
    entry["at"] = max(entry["at"], at)


def parse_resource_metrics(text: str, node: str, *, now: float | None = None) -> NodeScrape:
    received = time.time() if now is None else now
    node_partial: dict = {}
    container_partial: dict = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            at = sample.timestamp if sample.timestamp is not None else received
            at = float(at)
            labels = sample.labels
            if sample.name == "node_cpu_usage_seconds_total":
                _merge(node_partial, node, cpu=sample.value, at=at)
            elif sample.name == "node_memory_working_set_bytes":
                _merge(node_partial, node, memory=sample.value, at=at)
            elif sample.name.startswith("container_"):
                key = (labels.get("namespace", ""), labels.get("pod", ""), labels.get("container", ""))
                if sample.name == "container_cpu_usage_seconds_total":
                    _merge(container_partial, key, cpu=sample.value, at=at)
                elif sample.name == "container_memory_working_set_bytes":
                    _merge(container_partial, key, memory=sample.value, at=at)
    scrape = NodeScrape(node)
    entry = node_partial.get(node)
    if entry and entry["cpu"] is not None and entry["memory"] is not None:
        scrape.reading = Reading(entry["cpu"], int(entry["memory"]), entry["at"])
    for (namespace, pod, container), entry in container_partial.items():
        if entry["cpu"] is None or entry["memory"] is None:
            continue  # upstream drops a container missing either metric
        scrape.containers.setdefault((namespace, pod), {})[container] = Reading(
            entry["cpu"], int(entry["memory"]), entry["at"]
        )
    return scrape


async def scrape_node(client: httpx.AsyncClient, node: Mapping[str, Any]) -> NodeScrape | None:
    name = (node.get("metadata") or {}).get("name", "")
    try:
        host, port = kubelet_endpoint(node)
        answer = await client.get(f"http://{host}:{port}/metrics/resource", params={"node": name})
        answer.raise_for_status()
    except (NoKubeletEndpoint, httpx.HTTPError) as error:
        log.warning("scraping node %s failed: %s", name, error)
        return None
    return parse_resource_metrics(answer.text, name)
