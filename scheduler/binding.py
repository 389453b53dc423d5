"""Writing decisions: POST pods/{name}/binding concurrently, off the scheduling loop.

    scheduling loop ──► wait_for_capacity() (at most max_in_flight calls) ──► start(pod, node)
        binding task ──► its WaitForFirstConsumer claims annotated volume.kubernetes.io/selected-node
                     ──► wait (at most CLAIM_BINDING_WAIT_SECONDS) until the PV controller bound them,
                         as kube-scheduler's VolumeBinding PreBind, so the kubelet finds them bound
                     ──► POST binding
            ├─ 201 ──► cache.finish_binding (the assumption now waits for its watch event),
            │          queue.done, `Scheduled` event, latency metrics
            ├─ 409 already assigned / being deleted, 404 ──► someone else decided (another
            │          scheduler, or our own earlier call whose answer was lost) or the pod is
            │          gone: forget the assumption and drop the pod; the informer tells the truth
            └─ anything else ──► forget the assumption, requeue with backoff

Best-effort writes wait for slack (wait_for_slack: at most half the slots busy), so
the EventSink's Scheduled events never share the apiserver with a full binder.

The apiserver refuses a second binding of a bound pod, so however many binders
race (a deposed leader, a new one), a pod is bound at most once. Calls rotate over
several API clients: each connection pool then stays small (see __main__.py).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable, Sequence

from kubemini.api.persistent_volumes import SELECTED_NODE_ANNOTATION
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import Conflict, NotFound
from kubemini.client.events import NORMAL
from scheduler.cache import SchedulerCache
from scheduler.event_sink import EventSink
from scheduler.metrics import ERROR, SCHEDULED, SchedulerMetrics
from scheduler.pod_info import PodInfo
from scheduler.scheduling_queue import QueuedPod, SchedulingQueue

MAX_BINDINGS_IN_FLIGHT = 32
REASON_SCHEDULED = "Scheduled"
PVC = by_kind("PersistentVolumeClaim")
CLAIM_BINDING_WAIT_SECONDS = 15.0  # then bind anyway: the kubelet retries its mounts until they are bound
CLAIM_POLL_SECONDS = 0.05
ClaimsBound = Callable[[str, Sequence[str]], bool]

log = logging.getLogger(__name__)


def decided_elsewhere(error: Conflict) -> bool:
    """A 409 saying the pod is bound already or being deleted (not a write race worth a retry)."""
    return "already assigned" in error.message or "being deleted" in error.message


class Binder:
    def __init__(
        self,
        clients: Sequence[ApiClient],
        *,
        cache: SchedulerCache,
        queue: SchedulingQueue,
        metrics: SchedulerMetrics,
        events: EventSink,
        max_in_flight: int = MAX_BINDINGS_IN_FLIGHT,
        claims_bound: ClaimsBound | None = None,
    ):
        self.clients = list(clients)
        self._next_client = itertools.cycle(self.clients)
        self.cache = cache
        self.queue = queue
        self.metrics = metrics
        self.events = events
        self.max_in_flight = max_in_flight
        self.claims_bound = claims_bound
        self.bound = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._capacity = asyncio.Event()
        self._capacity.set()
        self._slack = asyncio.Event()
        self._slack.set()

    def in_flight(self) -> int:
        return len(self._tasks)

    async def wait_for_capacity(self) -> None:
        while len(self._tasks) >= self.max_in_flight:
            self._capacity.clear()
            await self._capacity.wait()

    def has_slack(self) -> bool:
        """At most half the binding slots busy: the API has room for best-effort writes (events)."""
        return len(self._tasks) <= self.max_in_flight // 2

    async def wait_for_slack(self) -> None:
        while not self.has_slack():
            self._slack.clear()
            await self._slack.wait()

    def start(self, pod: PodInfo, node_name: str, *, entry: QueuedPod, started: float) -> None:
        task = asyncio.create_task(self._bind(pod, node_name, entry=entry, started=started))
        self._tasks.add(task)
        self.metrics.bindings_in_flight.set(len(self._tasks))
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self.metrics.bindings_in_flight.set(len(self._tasks))
        self._capacity.set()
        if self.has_slack():
            self._slack.set()

    async def _bind(self, pod: PodInfo, node_name: str, *, entry: QueuedPod, started: float) -> None:
        key = pod.key
        try:
            client = next(self._next_client)
            for claim in pod.volumes.delayed_claims if pod.volumes is not None else ():
                # The PV controller provisions (or binds) there; the kubelet mounts once it is bound.
                annotation = {"metadata": {"annotations": {SELECTED_NODE_ANNOTATION: node_name}}}
                await client.patch(PVC, claim, annotation, namespace=pod.namespace)
            if pod.volumes is not None and pod.volumes.delayed_claims:
                await self._wait_for_claims(pod.namespace, pod.volumes.delayed_claims)
            await client.bind(pod.namespace, pod.name, node_name)
        except Exception as error:  # noqa: BLE001 - any failure: undo the assumption, decide again
            # Cancellation (leadership lost mid-call) is not caught: the next leader relists and
            # either sees the pod bound or binds it itself; a late duplicate gets a 409.
            self.cache.forget(key)
            self.metrics.attempts.labels(result=ERROR).inc()
            if isinstance(error, NotFound) or (isinstance(error, Conflict) and decided_elsewhere(error)):
                log.info("not binding %s: %s", key, error, extra={"object": key})
                self.queue.done(key)
            else:
                log.warning("binding %s to %s failed: %s", key, node_name, error, extra={"object": key})
                self.queue.requeue_backoff(key)
            return
        self.cache.finish_binding(key)
        self.queue.done(key)
        self.bound += 1
        now = time.monotonic()
        self.metrics.attempts.labels(result=SCHEDULED).inc()
        self.metrics.e2e_latency.observe(now - started)
        self.metrics.pod_latency.observe(now - entry.first_queued)
        message = f"Successfully assigned {pod.namespace}/{pod.name} to {node_name}"
        self.events.post(pod.pod, NORMAL, REASON_SCHEDULED, message)

    async def _wait_for_claims(self, namespace: str, claims: Sequence[str]) -> None:
        if self.claims_bound is None:
            return
        deadline = time.monotonic() + CLAIM_BINDING_WAIT_SECONDS
        while not self.claims_bound(namespace, claims) and time.monotonic() < deadline:
            await asyncio.sleep(CLAIM_POLL_SECONDS)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
