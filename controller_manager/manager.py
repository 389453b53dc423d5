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
from typing import Any

from controller_manager.bootstrap.bootstrap_signer import BootstrapSigner
from controller_manager.bootstrap.token_cleaner import TokenCleaner
from controller_manager.certificates.approver import CSRApprovingController
from controller_manager.certificates.cleaner import CSRCleanerController
from controller_manager.certificates.signer import CSRSigningController
from controller_manager.certificates.signing import DEFAULT_DURATION_SECONDS
from controller_manager.clusterrole_aggregation import ClusterRoleAggregationController
from controller_manager.cronjob.controller import CronJobController
from controller_manager.daemonset.controller import DaemonSetController
from controller_manager.deployment import DeploymentController
from controller_manager.disruption import DisruptionController
from controller_manager.endpoints.endpoints_controller import EndpointsController
from controller_manager.endpoints.mirroring import EndpointSliceMirroringController
from controller_manager.endpoints.slice_controller import EndpointSliceController
from controller_manager.garbage_collector import GarbageCollector
from controller_manager.job.controller import BACKOFF_BASE_SECONDS, JobController
from controller_manager.metrics import ControllerMetrics
from controller_manager.namespace import NamespaceController
from controller_manager.node_lifecycle import (
    NODE_MONITOR_GRACE_PERIOD_SECONDS,
    NODE_MONITOR_PERIOD_SECONDS,
    NodeLifecycleController,
)
from controller_manager.nodeipam.range_allocator import RangeAllocator
from controller_manager.podautoscaler.controller import SYNC_PERIOD_SECONDS as HPA_SYNC_PERIOD_SECONDS
from controller_manager.podautoscaler.controller import HorizontalController
from controller_manager.podautoscaler.replica_calculation import TOLERANCE
from controller_manager.podautoscaler.scaling_rules import DOWNSCALE_STABILIZATION_SECONDS
from controller_manager.replicaset import ReplicaSetController
from controller_manager.replication_controller import ReplicationManager
from controller_manager.resource_quota import ResourceQuotaController
from controller_manager.root_ca_publisher import RootCACertPublisher
from controller_manager.serviceaccount import ServiceAccountsController
from controller_manager.statefulset.controller import StatefulSetController
from controller_manager.taint_eviction import TaintEvictionController
from controller_manager.ttl_after_finished import TTLAfterFinishedController
from controller_manager.volume.binder import PersistentVolumeBinder
from controller_manager.volume.expander import VolumeExpander
from controller_manager.volume.protection import PVCProtectionController, PVProtectionController
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
    job_workers: int = 5
    node_monitor_grace_period_seconds: float = NODE_MONITOR_GRACE_PERIOD_SECONDS
    node_monitor_period_seconds: float = NODE_MONITOR_PERIOD_SECONDS
    pod_eviction_timeout_seconds: float | None = None
    job_backoff_base_seconds: float = BACKOFF_BASE_SECONDS
    root_ca_file: str | None = None
    hpa_sync_period_seconds: float = HPA_SYNC_PERIOD_SECONDS
    hpa_downscale_stabilization_seconds: float = DOWNSCALE_STABILIZATION_SECONDS
    hpa_tolerance: float = TOLERANCE
    cluster_signing_cert_file: str | None = None
    cluster_signing_key_file: str | None = None
    cluster_signing_duration_seconds: float = DEFAULT_DURATION_SECONDS
    host: str | None = None
    allocate_node_cidrs: bool = False
    cluster_cidr: str | None = None
    node_cidr_mask_size: int = 24
    cluster_info_server: str | None = None


@dataclass(frozen=True)
class Build:
    """What every builder gets: one client, the shared informers, settings and metrics of this term."""

    client: ApiClient
    informers: SharedInformers
    settings: Settings
    metrics: ControllerMetrics

    def recorder(self, component: str) -> EventRecorder:
        return EventRecorder(self.client, component=component, host=self.settings.host)

    def common(self, component: str | None = None) -> dict[str, Any]:
        """Keyword arguments every controller takes: metrics, and an Event recorder when it writes Events."""
        extra: dict[str, Any] = {"metrics": self.metrics}
        if component is not None:
            extra["recorder"] = self.recorder(component)
        return extra


Builder = Callable[[Build], Controller | None]


def _csr_signing(b: Build) -> Controller | None:
    settings = b.settings
    if not settings.cluster_signing_cert_file or not settings.cluster_signing_key_file:
        log.info("skipping CSR signer controller because no csr cert/key was specified")
        return None
    return CSRSigningController(
        b.client,
        b.informers,
        cert_file=settings.cluster_signing_cert_file,
        key_file=settings.cluster_signing_key_file,
        max_seconds=settings.cluster_signing_duration_seconds,
        **b.common(),
    )


def _node_ipam(b: Build) -> Controller | None:
    settings = b.settings
    if not settings.allocate_node_cidrs or not settings.cluster_cidr:
        return None  # upstream: nodeipam is on by default and idle without --allocate-node-cidrs
    return RangeAllocator(
        b.client,
        b.informers,
        cluster_cidr=settings.cluster_cidr,
        mask_size=settings.node_cidr_mask_size,
        **b.common("node-controller"),
    )


BUILDERS: dict[str, Builder] = {
    "replicaset": lambda b: ReplicaSetController(
        b.client, b.informers, workers=b.settings.replicaset_workers, **b.common("replicaset-controller")
    ),
    "replicationcontroller": lambda b: ReplicationManager(
        b.client, b.informers, workers=b.settings.replicaset_workers, **b.common("replication-controller")
    ),
    "deployment": lambda b: DeploymentController(
        b.client, b.informers, workers=b.settings.deployment_workers, **b.common("deployment-controller")
    ),
    "endpoints": lambda b: EndpointsController(b.client, b.informers, **b.common("endpoint-controller")),
    "endpointslice": lambda b: EndpointSliceController(b.client, b.informers, **b.common("endpointslice-controller")),
    "endpointslice-mirroring": lambda b: EndpointSliceMirroringController(
        b.client, b.informers, **b.common("endpointslicemirroring-controller")
    ),
    "garbagecollector": lambda b: GarbageCollector(b.client, b.informers, workers=b.settings.gc_workers, **b.common()),
    "namespace": lambda b: NamespaceController(
        b.client, b.informers, workers=b.settings.namespace_workers, **b.common()
    ),
    "nodelifecycle": lambda b: NodeLifecycleController(
        b.client,
        b.informers,
        grace_period_seconds=b.settings.node_monitor_grace_period_seconds,
        monitor_period_seconds=b.settings.node_monitor_period_seconds,
        **b.common("node-controller"),
    ),
    "tainteviction": lambda b: TaintEvictionController(
        b.client,
        b.informers,
        max_eviction_seconds=b.settings.pod_eviction_timeout_seconds,
        **b.common("taint-eviction-controller"),
    ),
    "job": lambda b: JobController(
        b.client,
        b.informers,
        workers=b.settings.job_workers,
        backoff_base_seconds=b.settings.job_backoff_base_seconds,
        **b.common("job-controller"),
    ),
    "ttl-after-finished": lambda b: TTLAfterFinishedController(b.client, b.informers, **b.common()),
    "cronjob": lambda b: CronJobController(b.client, b.informers, **b.common("cronjob-controller")),
    "daemonset": lambda b: DaemonSetController(b.client, b.informers, **b.common("daemonset-controller")),
    "disruption": lambda b: DisruptionController(b.client, b.informers, **b.common("controllermanager")),
    "resourcequota": lambda b: ResourceQuotaController(b.client, b.informers, **b.common()),
    "serviceaccount": lambda b: ServiceAccountsController(b.client, b.informers, **b.common()),
    "root-ca-cert-publisher": lambda b: RootCACertPublisher(
        b.client, b.informers, root_ca_file=b.settings.root_ca_file, **b.common()
    ),
    "clusterrole-aggregation": lambda b: ClusterRoleAggregationController(b.client, b.informers, **b.common()),
    "horizontalpodautoscaling": lambda b: HorizontalController(
        b.client,
        b.informers,
        sync_period_seconds=b.settings.hpa_sync_period_seconds,
        downscale_window_seconds=b.settings.hpa_downscale_stabilization_seconds,
        tolerance=b.settings.hpa_tolerance,
        **b.common("horizontal-pod-autoscaler"),
    ),
    "statefulset": lambda b: StatefulSetController(b.client, b.informers, **b.common("statefulset-controller")),
    "persistentvolume-binder": lambda b: PersistentVolumeBinder(
        b.client, b.informers, **b.common("persistentvolume-controller")
    ),
    "persistentvolume-expander": lambda b: VolumeExpander(b.client, b.informers, **b.common("volume_expand")),
    "pvc-protection": lambda b: PVCProtectionController(b.client, b.informers, **b.common()),
    "pv-protection": lambda b: PVProtectionController(b.client, b.informers, **b.common()),
    "csrsigning": _csr_signing,
    "csrcleaner": lambda b: CSRCleanerController(b.client, b.informers, **b.common()),
    "nodeipam": _node_ipam,
    "csrapproving": lambda b: CSRApprovingController(b.client, b.informers, **b.common()),
    "tokencleaner": lambda b: TokenCleaner(b.client, b.informers, **b.common()),
    "bootstrapsigner": lambda b: BootstrapSigner(
        b.client,
        b.informers,
        server=b.settings.cluster_info_server,
        ca_file=b.settings.root_ca_file or b.settings.cluster_signing_cert_file,
        **b.common(),
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
    build = Build(client, informers, settings, metrics)
    built = (BUILDERS[name](build) for name in ALL_CONTROLLERS if name in settings.controllers)
    return [controller for controller in built if controller is not None]  # None: not configured


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
