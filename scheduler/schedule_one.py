"""The scheduling loop: one pod at a time, decisions never wait for the network.

    wait for binding capacity ──► queue.pop() ──► latest pod from the informer store
        gone / bound / assumed / not ours any more ──► queue.done (nothing to do)
        PodInfo (+ its claims: volume_binding) ──► NodePicker.pick(pod, cache.nodes())  (filter → score → select)
            ├─ FitError ──► FailureReporter (event + PodScheduled=False, in the background)
            │               ──► queue.requeue_unschedulable
            └─ node ──► cache.assume(pod, node) ──► Binder.start (in the background)

Reading the pod from the store at pop time keeps the loop level-triggered: the
queue holds only keys, and whatever changed meanwhile is what gets scheduled.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from kubemini.client.informer import Informer
from kubemini.client.log_once import LogOnce
from scheduler.binding import Binder
from scheduler.cache import SchedulerCache
from scheduler.metrics import ERROR, UNSCHEDULABLE, SchedulerMetrics
from scheduler.pod_info import DEFAULT_SCHEDULER_NAME, is_responsible_for, pod_info
from scheduler.reporting import FailureReporter
from scheduler.scheduling import FitError, NodePicker
from scheduler.scheduling_queue import QueuedPod, SchedulingQueue
from scheduler.volume_binding import VolumeNeeds

log = logging.getLogger(__name__)


class SchedulingLoop:
    def __init__(
        self,
        *,
        pods: Informer,
        cache: SchedulerCache,
        queue: SchedulingQueue,
        binder: Binder,
        reporter: FailureReporter,
        metrics: SchedulerMetrics,
        picker: NodePicker | None = None,
        scheduler_name: str = DEFAULT_SCHEDULER_NAME,
        volume_needs: Callable[[Mapping[str, Any]], VolumeNeeds | None] = lambda pod: None,
    ):
        self.pods = pods
        self.cache = cache
        self.queue = queue
        self.binder = binder
        self.reporter = reporter
        self.metrics = metrics
        self.picker = picker or NodePicker()
        self.scheduler_name = scheduler_name
        self.volume_needs = volume_needs
        self.failures = LogOnce(log)

    async def run(self) -> None:
        while True:
            await self.binder.wait_for_capacity()
            entry = await self.queue.pop()
            self.schedule_one(entry)
            # Decisions are CPU work: let watch events and binding answers in between.
            await asyncio.sleep(0)

    def schedule_one(self, entry: QueuedPod) -> None:
        key = entry.key
        pod = self.pods.get(key)
        if pod is None or not is_responsible_for(pod, scheduler_name=self.scheduler_name) or self.cache.knows(key):
            self.queue.done(key)
            return
        started = time.monotonic()
        try:
            info = pod_info(pod, volumes=self.volume_needs(pod))
            decision = self.picker.pick(info, self.cache.nodes())
        except FitError as error:
            self.metrics.algorithm_latency.observe(time.monotonic() - started)
            self.metrics.attempts.labels(result=UNSCHEDULABLE).inc()
            where = self.queue.requeue_unschedulable(key)
            log.info("%s: %s (now %s)", key, error.message, where, extra={"object": key, "reason": "Unschedulable"})
            self.reporter.report_unschedulable(pod, error.message)
            return
        except Exception:
            # A pod the algorithm chokes on must not stop the loop for everyone else.
            version = str((pod.get("metadata") or {}).get("resourceVersion") or "")
            self.failures.failure("scheduling %s failed", key, version, key, object=key)
            self.metrics.attempts.labels(result=ERROR).inc()
            self.queue.requeue_backoff(key)
            return
        self.metrics.algorithm_latency.observe(time.monotonic() - started)
        self.cache.assume(info.usage, decision.node_name)
        self.binder.start(info, decision.node_name, entry=entry, started=started)
