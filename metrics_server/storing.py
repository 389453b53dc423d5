"""The last two readings of every node and container, and the usage they imply.

store(scrapes) ──► per node / per (namespace, pod, container): (previous, latest) reading
    a container whose cumulative CPU went down (restarted) starts over from its new reading
node_usage(name) / pod_usage(namespace, name) ──► Usage(cpu cores, memory bytes, timestamp, window)
    CPU = Δ core-seconds / Δ time between the two readings (metrics-server's rate); a pod has
    usage only when every container it reported has two readings
"""

from __future__ import annotations

from dataclasses import dataclass

from metrics_server.scraping import NodeScrape, PodKey, Reading


@dataclass(frozen=True)
class Usage:
    cpu_cores: float
    memory_bytes: int
    timestamp: float
    window_seconds: float


Pair = tuple[Reading | None, Reading]


def _advance(pair: Pair | None, latest: Reading) -> Pair:
    if pair is None:
        return (None, latest)
    previous = pair[1]
    if latest.timestamp <= previous.timestamp:
        return pair  # the same sample again: keep the window we have
    if latest.cpu_core_seconds < previous.cpu_core_seconds:
        return (None, latest)  # restarted: the counter began again
    return (previous, latest)


def _usage(pair: Pair | None) -> Usage | None:
    if pair is None or pair[0] is None:
        return None
    previous, latest = pair
    window = latest.timestamp - previous.timestamp
    if window <= 0:
        return None
    cpu = (latest.cpu_core_seconds - previous.cpu_core_seconds) / window
    return Usage(cpu, latest.memory_bytes, latest.timestamp, window)


class MetricsStore:
    def __init__(self) -> None:
        self.nodes: dict[str, Pair] = {}
        self.pods: dict[PodKey, dict[str, Pair]] = {}

    def store(self, scrapes: list[NodeScrape]) -> None:
        """One round of scrapes; nodes and pods no kubelet reported any more are forgotten."""
        nodes: dict[str, Pair] = {}
        pods: dict[PodKey, dict[str, Pair]] = {}
        for scrape in scrapes:
            if scrape.reading is not None:
                nodes[scrape.node] = _advance(self.nodes.get(scrape.node), scrape.reading)
            for key, containers in scrape.containers.items():
                before = self.pods.get(key, {})
                pods[key] = {name: _advance(before.get(name), reading) for name, reading in containers.items()}
        self.nodes, self.pods = nodes, pods

    def node_usage(self, name: str) -> Usage | None:
        return _usage(self.nodes.get(name))

    def container_usages(self, key: PodKey) -> dict[str, Usage] | None:
        containers = self.pods.get(key)
        if not containers:
            return None
        usages = {name: _usage(pair) for name, pair in containers.items()}
        if any(usage is None for usage in usages.values()):
            return None
        return usages  # type: ignore[return-value]

    def pod_keys(self) -> list[PodKey]:
        return list(self.pods)
