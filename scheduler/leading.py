"""One leadership term of the scheduler: everything is built fresh and thrown away.

    became leader ──► informers (all Pods, all Nodes; claims, volumes, classes for VolumeBinding)
                  ──► ClusterEvents ──► cache + queue
                  ──► wait until both informers have listed
                  ──► SchedulingLoop + Binder + FailureReporter + EventSink + housekeeping
    lost the lease (the work is cancelled) ──► cancel bindings in flight, stop the informers

Nothing survives a term, so a new leader (this process again or a standby) starts
from a full relist: its cache holds exactly what the apiserver says is bound, and
a binding its predecessor left in flight is either visible as bound or refused
with 409 when tried again. Housekeeping expires assumed pods whose binding never
showed up and releases pods parked as unschedulable for too long.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.events import EventRecorder
from kubemini.client.informer import Informer
from scheduler.binding import MAX_BINDINGS_IN_FLIGHT, Binder
from scheduler.cache import ASSUMED_POD_TTL_SECONDS, SchedulerCache
from scheduler.cluster_events import ClusterEvents
from scheduler.event_sink import EventSink
from scheduler.metrics import SchedulerMetrics
from scheduler.pod_info import DEFAULT_SCHEDULER_NAME
from scheduler.reporting import FailureReporter
from scheduler.schedule_one import SchedulingLoop
from scheduler.scheduling_queue import BACKOFF, UNSCHEDULABLE, SchedulingQueue
from scheduler.volume_binding import volume_needs

HOUSEKEEPING_PERIOD_SECONDS = 1.0
SYNC_TIMEOUT_SECONDS = 120.0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SchedulerSettings:
    scheduler_name: str = DEFAULT_SCHEDULER_NAME
    max_bindings_in_flight: int = MAX_BINDINGS_IN_FLIGHT
    assumed_ttl_seconds: float = ASSUMED_POD_TTL_SECONDS


class SchedulerTerm:
    """The parts of one term, wired together; `run()` schedules until cancelled."""

    def __init__(
        self,
        client: ApiClient,
        *,
        settings: SchedulerSettings,
        metrics: SchedulerMetrics,
        binding_clients: Sequence[ApiClient] = (),
        events_client: ApiClient | None = None,
    ):
        self.client = client
        self.settings = settings
        self.metrics = metrics
        self.pods = Informer(client, by_kind("Pod"))
        self.nodes = Informer(client, by_kind("Node"))
        self.claims = Informer(client, by_kind("PersistentVolumeClaim"))
        self.volumes = Informer(client, by_kind("PersistentVolume"))
        self.classes = Informer(client, by_kind("StorageClass"))
        for informer in (self.claims, self.volumes, self.classes):
            # A claim bound or a volume made may let a parked pod fit.
            informer.add_event_handler(
                on_add=lambda _: self.queue.move_all_to_active(),
                on_update=lambda _old, _new: self.queue.move_all_to_active(),
            )
        self.cache = SchedulerCache(assumed_ttl_seconds=settings.assumed_ttl_seconds)
        self.queue = SchedulingQueue()
        self.events = EventSink(
            EventRecorder(events_client or client, component=settings.scheduler_name),
            on_drop=metrics.events_dropped.inc,
            wait_turn=self._events_turn,
        )
        self.binder = Binder(
            binding_clients or [client],
            cache=self.cache,
            queue=self.queue,
            metrics=metrics,
            events=self.events,
            max_in_flight=settings.max_bindings_in_flight,
            claims_bound=self._claims_bound,
        )
        # A parked or backing-off pod still waits; an active or in-flight one is being retried.
        self.reporter = FailureReporter(
            client, events=self.events, still_waiting=lambda key: self.queue.location(key) in (UNSCHEDULABLE, BACKOFF)
        )
        self.cluster_events = ClusterEvents(cache=self.cache, queue=self.queue, scheduler_name=settings.scheduler_name)
        self.cluster_events.register(pods=self.pods, nodes=self.nodes)
        self.loop = SchedulingLoop(
            pods=self.pods,
            cache=self.cache,
            queue=self.queue,
            binder=self.binder,
            reporter=self.reporter,
            metrics=metrics,
            scheduler_name=settings.scheduler_name,
            volume_needs=self._volume_needs,
        )

    async def _events_turn(self) -> None:
        """Events yield to scheduling: written once no pod waits and the binder has slack."""
        while not (self.queue.drained.is_set() and self.binder.has_slack()):
            await self.queue.drained.wait()
            await self.binder.wait_for_slack()

    def _claims_bound(self, namespace: str, names) -> bool:
        claims = (self.claims.get(f"{namespace}/{name}") for name in names)
        return all(claim is not None and (claim.get("spec") or {}).get("volumeName") for claim in claims)

    def _volume_needs(self, pod):
        return volume_needs(
            pod,
            claim=self.claims.get,
            volume=self.volumes.get,
            storage_class=self.classes.get,
            all_volumes=self.volumes.list,
        )

    async def run(self) -> None:
        informers = (self.nodes, self.claims, self.volumes, self.classes, self.pods)
        for informer in informers:
            informer.start()
        try:
            async with asyncio.timeout(SYNC_TIMEOUT_SECONDS):
                for informer in informers:
                    await informer.wait_for_sync()
            log.info("caches synced: %s; queue %s", self.cache.counts(), self.queue.lengths())
            self.metrics.watch_queue(self.queue.lengths)
            async with asyncio.TaskGroup() as group:
                group.create_task(self.loop.run(), name="scheduling-loop")
                group.create_task(self.events.run(), name="event-sink")
                group.create_task(self._housekeeping(), name="housekeeping")
        finally:
            self.metrics.watch_queue(None)
            await self.binder.close()
            await self.reporter.close()
            for informer in informers:
                with contextlib.suppress(Exception):
                    await informer.stop()

    async def _housekeeping(self) -> None:
        while True:
            await asyncio.sleep(HOUSEKEEPING_PERIOD_SECONDS)
            expired = self.cache.expire_assumed()
            if expired:
                self.metrics.assumed_expired.inc(len(expired))
                self.queue.move_all_to_active()
            self.queue.flush_unschedulable()


async def lead(
    client: ApiClient,
    *,
    settings: SchedulerSettings,
    metrics: SchedulerMetrics,
    binding_clients: Sequence[ApiClient] = (),
    events_client: ApiClient | None = None,
) -> None:
    """The leader's work: schedule until cancelled (the lease was lost or the process stops)."""
    log.info("leading: starting a scheduling term")
    term = SchedulerTerm(
        client, settings=settings, metrics=metrics, binding_clients=binding_clients, events_client=events_client
    )
    await term.run()
