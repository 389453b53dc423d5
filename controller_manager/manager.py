"""Building and running the enabled controllers for one term of leadership.

    run_controllers(client, settings, metrics):
        one SharedInformers (pods are listed and watched once for all controllers)
        ──► the enabled controllers, each with its own work queue and workers
        ──► informers start, every controller waits for sync, then works
        ──► until cancelled (leadership lost, SIGTERM): queues shut, informers stop

Each term builds everything anew: a leader that lost its Lease must not carry
caches or expectations into the next term.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from controller_manager.deployment import DeploymentController
from controller_manager.endpoints import EndpointsController
from controller_manager.garbage_collector import GarbageCollector
from controller_manager.metrics import ControllerMetrics
from controller_manager.namespace import NamespaceController
from controller_manager.node_lifecycle import (
    NODE_MONITOR_GRACE_PERIOD_SECONDS,
    NODE_MONITOR_PERIOD_SECONDS,
    NodeLifecycleController,
)
from controller_manager.replicaset import ReplicaSetController
from controller_manager.replication_controller import ReplicationManager
from controller_manager.taint_eviction import TaintEvictionController
from kubemini.client.api_client import ApiClient
from kubemini.client.controller import Controller
from kubemini.client.events import EventRecorder
from kubemini.client.shared_informers import SharedInformers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    controllers: frozenset[str]
    replicaset_workers: int = 5
    deployment_workers: int = 5
    gc_workers: int = 10
    namespace_workers: int = 5
    node_monitor_grace_period_seconds: float = NODE_MONITOR_GRACE_PERIOD_SECONDS
    node_monitor_period_seconds: float = NODE_MONITOR_PERIOD_SECONDS
    pod_eviction_timeout_seconds: float | None = None
    host: str | None = None


Builder = Callable[[ApiClient, SharedInformers, Settings, ControllerMetrics], Controller]


def _recorder(client: ApiClient, settings: Settings, component: str) -> EventRecorder:
    return EventRecorder(client, component=component, host=settings.host)


BUILDERS: dict[str, Builder] = {
    "replicaset": lambda client, informers, settings, metrics: ReplicaSetController(
        client,
        informers,
        recorder=_recorder(client, settings, "replicaset-controller"),
        metrics=metrics,
        workers=settings.replicaset_workers,
    ),
    "replicationcontroller": lambda client, informers, settings, metrics: ReplicationManager(
        client,
        informers,
        recorder=_recorder(client, settings, "replication-controller"),
        metrics=metrics,
        workers=settings.replicaset_workers,
    ),
    "deployment": lambda client, informers, settings, metrics: DeploymentController(
        client,
        informers,
        recorder=_recorder(client, settings, "deployment-controller"),
        metrics=metrics,
        workers=settings.deployment_workers,
    ),
    "endpoints": lambda client, informers, settings, metrics: EndpointsController(
        client, informers, recorder=_recorder(client, settings, "endpoint-controller"), metrics=metrics
    ),
    "garbagecollector": lambda client, informers, settings, metrics: GarbageCollector(
        client, informers, metrics=metrics, workers=settings.gc_workers
    ),
    "namespace": lambda client, informers, settings, metrics: NamespaceController(
        client, informers, metrics=metrics, workers=settings.namespace_workers
    ),
    "nodelifecycle": lambda client, informers, settings, metrics: NodeLifecycleController(
        client,
        informers,
        recorder=_recorder(client, settings, "node-controller"),
        metrics=metrics,
        grace_period_seconds=settings.node_monitor_grace_period_seconds,
        monitor_period_seconds=settings.node_monitor_period_seconds,
    ),
    "tainteviction": lambda client, informers, settings, metrics: TaintEvictionController(
        client,
        informers,
        recorder=_recorder(client, settings, "taint-eviction-controller"),
        metrics=metrics,
        max_eviction_seconds=settings.pod_eviction_timeout_seconds,
    ),
}
ALL_CONTROLLERS = tuple(BUILDERS)


def enabled_controllers(spec: str) -> frozenset[str]:
    """kube-controller-manager's `--controllers` syntax: `*` all, `name` on, `-name` off."""
    enabled: set[str] = set()
    disabled: set[str] = set()
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        if item == "*":
            enabled.update(ALL_CONTROLLERS)
        elif item.startswith("-"):
            disabled.add(item[1:])
        else:
            enabled.add(item)
    unknown = (enabled | disabled) - set(ALL_CONTROLLERS)
    if unknown:
        raise ValueError(f"unknown controllers {sorted(unknown)}; known: {', '.join(ALL_CONTROLLERS)}")
    return frozenset(enabled - disabled)


def build_controllers(
    client: ApiClient, informers: SharedInformers, settings: Settings, metrics: ControllerMetrics
) -> list[Controller]:
    return [
        BUILDERS[name](client, informers, settings, metrics) for name in ALL_CONTROLLERS if name in settings.controllers
    ]


async def run_controllers(client: ApiClient, settings: Settings, metrics: ControllerMetrics) -> None:
    informers = SharedInformers(client)
    controllers = build_controllers(client, informers, settings, metrics)
    log.info("starting controllers: %s", ", ".join(c.name for c in controllers))
    informers.start()
    metrics.leader.set(1)
    try:
        async with asyncio.TaskGroup() as group:
            for controller in controllers:
                group.create_task(controller.run(), name=f"controller-{controller.name}")
    finally:
        metrics.leader.set(0)
        _stop(controllers)
        await informers.stop()
        metrics.untrack_all()


def _stop(controllers: Iterable[Controller]) -> None:
    for controller in controllers:
        controller.stop()
