"""Probe workers: one task per (running container, probe kind), results the pod sync reads.

    sync_pod(pod, runtime view) ──► start workers for new running containers, stop stale ones
    worker: initialDelaySeconds ──► every periodSeconds run the action (timeoutSeconds)
        startup   success ──► started; failureThreshold failures ──► liveness_failure (restart)
        liveness  (after startup) failureThreshold failures in a row ──► liveness_failure
        readiness (after startup) successThreshold / failureThreshold flip Ready
    any change of result ──► on_change(pod uid) ──► the pod worker syncs (status, restart)

Every failure records an `Unhealthy` Warning event. Results are keyed by
container id, so a restarted container starts unready and unstarted, as in
Kubernetes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import Any

from kubelet.container_status import ProbeView
from kubelet.node_context import NodeContext
from kubelet.pod_containers import PodContainers
from kubelet.probing import ProbeOutcome, run_action
from kubelet.runtime import ContainerRecord
from kubemini.client.events import WARNING

LIVENESS, READINESS, STARTUP = "livenessProbe", "readinessProbe", "startupProbe"
KIND_NAMES = {LIVENESS: "Liveness", READINESS: "Readiness", STARTUP: "Startup"}
MIN_PERIOD_SECONDS = 1.0

log = logging.getLogger(__name__)


def _setting(probe: Mapping[str, Any], key: str, *, default: float) -> float:
    value = probe.get(key)
    return float(value) if isinstance(value, int | float) and value >= 0 else default


class ProbeManager:
    def __init__(self, ctx: NodeContext, *, on_change: Callable[[str], None]):
        self.ctx = ctx
        self.on_change = on_change
        self.readiness: dict[str, bool] = {}
        self.startup: dict[str, bool] = {}
        self._liveness_failures: dict[str, str] = {}
        self._tasks: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._by_pod: dict[str, set[str]] = {}

    def view(self) -> ProbeView:
        return ProbeView(readiness=self.readiness, startup=self.startup)

    def liveness_failure(self, container_id: str) -> str | None:
        return self._liveness_failures.get(container_id)

    def sync_pod(self, pod: Mapping[str, Any], view: PodContainers) -> None:
        uid = (pod.get("metadata") or {}).get("uid", "")
        specs = {c["name"]: c for c in (pod.get("spec") or {}).get("containers") or []}
        running = {r.id: r for name in specs for r in view.instances(name)[:1] if r.running}
        for container_id in self._by_pod.get(uid, set()) - set(running):
            self.forget_container(container_id)
        for record in running.values():
            spec = specs[record.container_name]
            for kind in (STARTUP, LIVENESS, READINESS):
                if spec.get(kind) and (record.id, kind) not in self._tasks:
                    loop = self._probe_loop(pod, spec=spec, record=record, kind=kind, pod_ip=view.pod_ip)
                    task = asyncio.create_task(loop)
                    self._tasks[(record.id, kind)] = task
                    self._by_pod.setdefault(uid, set()).add(record.id)

    def forget_container(self, container_id: str) -> None:
        for kind in (STARTUP, LIVENESS, READINESS):
            task = self._tasks.pop((container_id, kind), None)
            if task is not None:
                task.cancel()
        self.readiness.pop(container_id, None)
        self.startup.pop(container_id, None)
        self._liveness_failures.pop(container_id, None)
        for ids in self._by_pod.values():
            ids.discard(container_id)

    def forget_pod(self, uid: str) -> None:
        for container_id in list(self._by_pod.pop(uid, set())):
            self.forget_container(container_id)

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _probe_once(
        self, probe: Mapping[str, Any], *, spec: Mapping[str, Any], record: ContainerRecord, pod_ip: str | None
    ) -> ProbeOutcome:
        timeout = max(_setting(probe, "timeoutSeconds", default=1), MIN_PERIOD_SECONDS)
        try:
            return await asyncio.wait_for(
                run_action(
                    probe,
                    runtime=self.ctx.runtime,
                    record=record,
                    container=spec,
                    pod_ip=pod_ip,
                    timeout_seconds=timeout,
                ),
                timeout + 1,
            )
        except TimeoutError:
            return ProbeOutcome(False, f"timeout: probe did not answer within {timeout:.0f}s")

    async def _probe_loop(
        self, pod: Mapping[str, Any], *, spec: Mapping[str, Any], record: ContainerRecord, kind: str, pod_ip: str | None
    ) -> None:
        probe = spec[kind]
        uid = (pod.get("metadata") or {}).get("uid", "")
        period = max(_setting(probe, "periodSeconds", default=10), MIN_PERIOD_SECONDS)
        success_threshold = int(_setting(probe, "successThreshold", default=1)) or 1
        failure_threshold = int(_setting(probe, "failureThreshold", default=3)) or 1
        successes = failures = 0
        await asyncio.sleep(_setting(probe, "initialDelaySeconds", default=0))
        while True:
            if kind != STARTUP and spec.get(STARTUP) and not self.startup.get(record.id):
                await asyncio.sleep(MIN_PERIOD_SECONDS)  # liveness and readiness wait for the startup probe
                continue
            outcome = await self._probe_once(probe, spec=spec, record=record, pod_ip=pod_ip)
            if outcome.success:
                successes, failures = successes + 1, 0
            else:
                successes, failures = 0, failures + 1
                self.ctx.emit(pod, WARNING, "Unhealthy", f"{KIND_NAMES[kind]} probe failed: {outcome.message}")
            if kind == READINESS:
                ready = self.readiness.get(record.id)
                if outcome.success and successes >= success_threshold and ready is not True:
                    self.readiness[record.id] = True
                    self.on_change(uid)
                elif not outcome.success and failures >= failure_threshold and ready is not False:
                    self.readiness[record.id] = False
                    self.on_change(uid)
            elif kind == STARTUP and outcome.success:
                self.startup[record.id] = True
                self.on_change(uid)
                return
            elif failures >= failure_threshold:
                what = "liveness" if kind == LIVENESS else "startup"
                self._liveness_failures[record.id] = f"failed {what} probe"
                self.on_change(uid)
                return
            await asyncio.sleep(period)
