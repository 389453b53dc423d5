"""What every part of one node's kubelet shares: its name, client, runtime, settings, back-offs.

One `NodeContext` per node; a hollow-node process holds many, all sharing one
`ApiClient` and one `ProcessLimits`:
    status writes, deletes ──► at most MAX_PARALLEL_API_WRITES in flight per process
    events        ──► token bucket (kubelet's --event-qps 50 / --event-burst 100) ──► else dropped
A thousand pods starting at once must queue in front of the client, not inside
it (its connection pool degrades badly with thousands of waiting requests),
and a flood of Events must never delay the status writes. Events are recorded
in the background (`emit`): a pod start does not wait for the POSTs that narrate it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubelet.crash_backoff import INITIAL_DELAY_SECONDS, MAX_DELAY_SECONDS, RestartBackoff
from kubelet.runtime import ContainerRuntime
from kubelet.volumes.manager import VolumeManager
from kubemini.client.api_client import ApiClient
from kubemini.client.events import EventRecorder
from kubemini.client.rate_limiting import TokenBucket

log = logging.getLogger(__name__)

KUBELET_VERSION = "v1.35.0-kubemini"
PAUSE_IMAGE = "kubemini/pause:3.9"
POD_NETWORK = "kubemini"
RESYNC_PERIOD_SECONDS = 10.0
HEARTBEAT_PERIOD_SECONDS = 10.0
# Docker serialises much of a container start: with every pod starting at once, all of them
# finish together at the end; a few at a time (first come, first served) finish in waves.
PARALLEL_POD_STARTS = 4
MAX_PARALLEL_API_WRITES = 32
EVENT_QPS = 50.0
EVENT_BURST = 100
MAX_PARALLEL_EVENTS = 256


CLUSTER_DNS = "10.96.0.10"
CLUSTER_DOMAIN = "cluster.local"


@dataclass(frozen=True)
class KubeletSettings:
    host_ip: str = "127.0.0.1"
    port: int = 10250
    pause_image: str = PAUSE_IMAGE
    pod_network: str = POD_NETWORK
    backoff_initial_seconds: float = INITIAL_DELAY_SECONDS
    backoff_max_seconds: float = MAX_DELAY_SECONDS
    resync_period_seconds: float = RESYNC_PERIOD_SECONDS
    heartbeat_period_seconds: float = HEARTBEAT_PERIOD_SECONDS
    parallel_pod_starts: int = PARALLEL_POD_STARTS
    node_labels: Mapping[str, str] = field(default_factory=dict)
    hollow: bool = False
    cluster_dns: str = CLUSTER_DNS
    cluster_domain: str = CLUSTER_DOMAIN
    # ClusterFirst pods wait (sandbox retried) until kube-proxy serves the cluster DNS on this node,
    # instead of starting with the engine's resolver: set where kube-proxy runs beside the kubelet.
    wait_for_cluster_dns: bool = False
    # Pod volumes and termination logs; None on hollow nodes. Docker must see it at the same path.
    root_dir: str | None = None
    # Stop and remove this node's pod containers when the kubelet stops (compose down); off for `kubemini up`.
    remove_pods_on_exit: bool = False


@dataclass
class ProcessLimits:
    """Limits shared by every node of one kubelet process."""

    api_writes: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(MAX_PARALLEL_API_WRITES))
    events: TokenBucket = field(default_factory=lambda: TokenBucket(EVENT_QPS, EVENT_BURST))


@dataclass
class NodeContext:
    node_name: str
    client: ApiClient
    runtime: ContainerRuntime
    settings: KubeletSettings
    recorder: EventRecorder
    limits: ProcessLimits = field(default_factory=ProcessLimits)
    # The cluster's Services, for the <SVC>_SERVICE_HOST variables (a shared informer's list).
    services: Callable[[], list[dict[str, Any]]] = field(default=lambda: [])
    crash_backoff: RestartBackoff = field(init=False)
    pull_backoff: RestartBackoff = field(init=False)
    start_slots: asyncio.Semaphore = field(init=False)
    volumes: VolumeManager = field(init=False)
    allocatable: dict[str, str] = field(default_factory=dict)  # the node's, as last reported
    # Why the pod network is not there yet (Ready=False, as upstream's NetworkPluginNotReady); "" once it is.
    network_waiting: str = ""
    _event_tasks: set[asyncio.Task[None]] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        timing = {
            "initial_seconds": self.settings.backoff_initial_seconds,
            "max_seconds": self.settings.backoff_max_seconds,
        }
        self.crash_backoff = RestartBackoff(**timing)
        self.pull_backoff = RestartBackoff(**timing)
        self.start_slots = asyncio.Semaphore(max(1, self.settings.parallel_pod_starts))
        self.volumes = VolumeManager(
            self.client, root_dir=self.settings.root_dir, node_allocatable=self.node_allocatable
        )

    def node_allocatable(self) -> dict[str, str]:
        return self.allocatable

    @property
    def host_ip(self) -> str:
        return self.settings.host_ip

    def emit(self, obj: Mapping[str, Any], type_: str, reason: str, message: str) -> None:
        """Record an Event without waiting for it; the recorder dedups and rate-limits."""
        if len(self._event_tasks) >= MAX_PARALLEL_EVENTS or not self.limits.events.try_take():
            log.debug("dropping event %s %s: over the event rate limit", reason, message)
            return
        meta = obj.get("metadata") or {}
        # Without resourceVersion: the recorder dedups on the reference, and each status write moves it.
        reference = {
            "apiVersion": obj.get("apiVersion", "v1"),
            "kind": obj.get("kind", "Pod"),
            "metadata": {key: meta[key] for key in ("name", "namespace", "uid") if key in meta},
        }
        task = asyncio.create_task(self.recorder.record(reference, type_, reason, message))
        self._event_tasks.add(task)
        task.add_done_callback(self._event_tasks.discard)

    async def drain_events(self, timeout_seconds: float | None = None) -> None:
        """Wait for pending Events (at most `timeout_seconds`); what is left is cancelled."""
        if not self._event_tasks:
            return
        pending = list(self._event_tasks)
        _done, late = await asyncio.wait(pending, timeout=timeout_seconds)
        for task in late:
            task.cancel()
