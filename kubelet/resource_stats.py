"""Resource usage of one node's pods, as the kubelet's Summary API and resource metrics endpoint show it.

    NodeAgent.works (pods this node runs) ──► runtime containers of each pod (running app containers)
        ──► runtime.container_usage (Docker stats / hollow annotations) ──► ContainerStats
    runtime.node_usage (/proc), or the pods' sum on hollow nodes ──► the node's line
    NodeStats ──► summary_json (GET /stats/summary)  ──► resource_metrics_text (GET /metrics/resource)
The text is upstream's resource metrics (what metrics-server scrapes): cumulative CPU core-seconds,
working set bytes, each sample with its timestamp in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kubelet.node_agent import NodeAgent
from kubelet.runtime import ResourceUsage

NANOS = 1_000_000_000


@dataclass(frozen=True)
class ContainerStats:
    name: str
    start_time: str | None
    usage: ResourceUsage


@dataclass(frozen=True)
class PodStats:
    name: str
    namespace: str
    uid: str
    start_time: str | None
    containers: list[ContainerStats]

    def total(self, now: float) -> ResourceUsage:
        return ResourceUsage(
            sum(c.usage.cpu_core_seconds for c in self.containers),
            sum(c.usage.memory_working_set_bytes for c in self.containers),
            max([c.usage.timestamp for c in self.containers] or [now]),
        )


@dataclass(frozen=True)
class NodeStats:
    name: str
    usage: ResourceUsage
    pods: list[PodStats] = field(default_factory=list)


async def collect_node_stats(agent: NodeAgent) -> NodeStats:
    runtime = agent.ctx.runtime
    pods: list[PodStats] = []
    for uid, work in list(agent.works.items()):
        pod = work.pod
        if pod is None:
            continue
        containers = []
        for record in await runtime.list_containers(node=agent.name, pod_uid=uid):
            if record.is_sandbox or not record.running:
                continue
            usage = await runtime.container_usage(record.id, pod=pod)
            if usage is not None:
                containers.append(ContainerStats(record.container_name, record.started_at, usage))
        metadata = pod.get("metadata") or {}
        start = (pod.get("status") or {}).get("startTime")
        pods.append(PodStats(metadata.get("name", ""), metadata.get("namespace", ""), uid, start, containers))
    now = datetime.now(UTC).timestamp()
    node = await runtime.node_usage()
    if node is None:
        totals = [p.total(now) for p in pods]
        node = ResourceUsage(
            sum(t.cpu_core_seconds for t in totals), sum(t.memory_working_set_bytes for t in totals), now
        )
    return NodeStats(agent.name, node, pods)


def _rfc3339(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _usage_json(usage: ResourceUsage) -> dict[str, dict[str, Any]]:
    moment = _rfc3339(usage.timestamp)
    return {
        "cpu": {"time": moment, "usageCoreNanoSeconds": int(usage.cpu_core_seconds * NANOS)},
        "memory": {"time": moment, "workingSetBytes": usage.memory_working_set_bytes},
    }


def summary_json(stats: NodeStats) -> dict[str, Any]:
    """The Summary API's shape (stats/v1alpha1), with the fields kubemini measures."""
    now = stats.usage.timestamp
    return {
        "node": {"nodeName": stats.name, **_usage_json(stats.usage)},
        "pods": [
            {
                "podRef": {"name": pod.name, "namespace": pod.namespace, "uid": pod.uid},
                "startTime": pod.start_time,
                "containers": [
                    {"name": c.name, "startTime": c.start_time, **_usage_json(c.usage)} for c in pod.containers
                ],
                **_usage_json(pod.total(now)),
            }
            for pod in stats.pods
        ],
    }


def _labels(**values: str) -> str:
    inner = ",".join(f'{key}="{value}"' for key, value in values.items())
    return "{" + inner + "}" if inner else ""


METRIC_HELP = (
    ("container_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed by the container in core-seconds"),
    ("container_memory_working_set_bytes", "gauge", "Current working set of the container in bytes"),
    ("node_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed by the node in core-seconds"),
    ("node_memory_working_set_bytes", "gauge", "Current working set of the node in bytes"),
    ("pod_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed by the pod in core-seconds"),
    ("pod_memory_working_set_bytes", "gauge", "Current working set of the pod in bytes"),
    ("scrape_error", "gauge", "1 if there was an error while getting container metrics, 0 otherwise"),
)


def resource_metrics_text(stats: NodeStats) -> str:
    """GET /metrics/resource: Prometheus text exposition, each sample stamped with its reading's time."""
    lines: dict[str, list[str]] = {name: [] for name, _, _ in METRIC_HELP}

    def add(metric: str, labels: str, value: float, at: float) -> None:
        lines[metric].append(f"{metric}{labels} {value!r} {int(at * 1000)}")

    add("node_cpu_usage_seconds_total", "", float(stats.usage.cpu_core_seconds), stats.usage.timestamp)
    add("node_memory_working_set_bytes", "", float(stats.usage.memory_working_set_bytes), stats.usage.timestamp)
    for pod in stats.pods:
        for c in pod.containers:
            labels = _labels(container=c.name, namespace=pod.namespace, pod=pod.name)
            at = c.usage.timestamp
            add("container_cpu_usage_seconds_total", labels, float(c.usage.cpu_core_seconds), at)
            add("container_memory_working_set_bytes", labels, float(c.usage.memory_working_set_bytes), at)
        if pod.containers:
            total, labels = pod.total(stats.usage.timestamp), _labels(namespace=pod.namespace, pod=pod.name)
            add("pod_cpu_usage_seconds_total", labels, float(total.cpu_core_seconds), total.timestamp)
            add("pod_memory_working_set_bytes", labels, float(total.memory_working_set_bytes), total.timestamp)
    lines["scrape_error"].append("scrape_error 0")
    text = []
    for name, kind, help_text in METRIC_HELP:
        text += [f"# HELP {name} [STABLE] {help_text}", f"# TYPE {name} {kind}", *lines[name]]
    return "\n".join(text) + "\n"
