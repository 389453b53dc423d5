"""HorizontalPodAutoscaler controller: every sync period, set the target's replicas from its pods' metrics.

    HPA events ──► its key; every key is looked at again after --horizontal-pod-autoscaler-sync-period
    reconcile(key), from the stores and the API:
        GET <target>/scale (any kind with a scale subresource)  ✗ ──► AbleToScale False FailedGetScale
        replicas 0 ──► ScalingActive False ScalingDisabled;  outside [min, max] ──► the nearest bound
        else each metric ──► PodMetrics of scale.status.selector ──► proposal (replica_calculation.py);
             the largest proposal wins; every metric invalid (or some invalid and the rest would scale
             down) ──► ScalingActive False, no change
             ──► stabilization and rate limits (scaling_rules.py, with this HPA's history in memory)
        a new count ──► PUT <target>/scale, Event SuccessfulRescale "New size: N; reason: ..."
        ──► status: currentReplicas, desiredReplicas, currentMetrics, conditions, lastScaleTime
`now` is injectable: tests move the clock through stabilization windows instead of waiting.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from controller_manager.custom_kinds import CRDS, CustomKinds
from controller_manager.podautoscaler import scaling_rules
from controller_manager.podautoscaler.hpa_status import (
    ABLE_TO_SCALE,
    SCALING_ACTIVE,
    SCALING_LIMITED,
    metric_name,
    metric_status,
    set_condition,
)
from controller_manager.podautoscaler.metrics_reading import pod_samples
from controller_manager.podautoscaler.replica_calculation import (
    TOLERANCE,
    MetricsError,
    Proposal,
    average_value_replicas,
    utilization_replicas,
)
from kubemini.api import timestamps
from kubemini.api.quantity import parse_quantity
from kubemini.api.registry import lookup_kind
from kubemini.api.selectors.labels import labels_match, parse_label_selector
from kubemini.client.api_client import ApiClient
from kubemini.client.controller import ClientController, Result
from kubemini.client.errors import ApiError, Conflict, NotFound
from kubemini.client.events import NORMAL, WARNING
from kubemini.client.shared_informers import SharedInformers
from kubemini.client.store import object_key

HPA, POD = lookup_kind("autoscaling/v2", "HorizontalPodAutoscaler"), lookup_kind("v1", "Pod")
SYNC_PERIOD_SECONDS = 15.0
Obj = dict[str, Any]


async def _nothing(_record) -> None:
    return None


class HorizontalController(ClientController):
    name = "horizontalpodautoscaling"
    default_workers = 5

    def __init__(
        self,
        client: ApiClient,
        informers: SharedInformers,
        *,
        sync_period_seconds: float = SYNC_PERIOD_SECONDS,
        downscale_window_seconds: float = scaling_rules.DOWNSCALE_STABILIZATION_SECONDS,
        tolerance: float = TOLERANCE,
        now: Callable[[], datetime] | None = None,
        **common: Any,
    ):
        self.sync_period_seconds = sync_period_seconds
        self.downscale_window_seconds = downscale_window_seconds
        self.tolerance = tolerance
        self.now = now or (lambda: datetime.now(UTC))
        self.histories: dict[str, scaling_rules.ScalingHistory] = {}
        super().__init__(client, informers, **common)

    def setup(self, informers: SharedInformers) -> None:
        self.hpas = self.add_informer(informers.informer(HPA))
        self.pods = self.watch(informers.informer(POD))
        # Custom kinds with a scale subresource are targets too: learn them from CRDs in this process.
        self.custom_kinds = CustomKinds(on_added=_nothing, on_removed=_nothing)
        self.watch(informers.informer(CRDS), **self.custom_kinds.handlers())

    async def reconcile(self, key: str) -> Result | None:
        cached = self.hpas.get(key)
        if cached is None:
            self.histories.pop(key, None)  # deleted: its recommendations go with it
            return None
        hpa = copy.deepcopy(cached)
        status = hpa.setdefault("status", {})
        before = copy.deepcopy(status)
        try:
            await self._sync(key, hpa, status)
        finally:
            status["observedGeneration"] = hpa["metadata"].get("generation")
            status.setdefault("currentReplicas", 0)  # both required by the schema, from the first write on
            status.setdefault("desiredReplicas", status["currentReplicas"])
            if status != before:
                try:
                    await self.client.update_status(HPA, hpa)
                except (Conflict, NotFound):
                    pass  # a newer HPA is on its way (or it is gone): the next sync writes again
        return Result(requeue_after=self.sync_period_seconds)

    def _target_pods(self, namespace: str, selector: str) -> list[Obj]:
        requirements = parse_label_selector(selector)
        return [
            p
            for p in self.pods.list()
            if p["metadata"].get("namespace") == namespace and labels_match(requirements, p["metadata"].get("labels"))
        ]

    async def _proposal(self, metric: Obj, *, namespace: str, selector: str, current: int, now: datetime) -> Proposal:
        if metric.get("type") != "Resource":
            raise MetricsError(f"metric type {metric.get('type')} is not supported by kubemini (only Resource)")
        resource = metric["resource"]
        name, target = resource.get("name"), resource.get("target") or {}
        pods = self._target_pods(namespace, selector)
        samples = await pod_samples(self.client, namespace, selector, resource=name)
        if target.get("type") == "Utilization":
            return utilization_replicas(
                current,
                target_utilization=int(target.get("averageUtilization") or 80),
                resource=name,
                pods=pods,
                samples=samples,
                now=now,
                tolerance=self.tolerance,
            )
        average = parse_quantity(target.get("averageValue") or "0")
        target_average = float(average * 1000) if name == "cpu" else float(average)
        return average_value_replicas(
            current,
            target_average=target_average,
            resource=name,
            pods=pods,
            samples=samples,
            now=now,
            tolerance=self.tolerance,
        )

    async def _metrics_replicas(self, hpa: Obj, status: Obj, *, selector: str, current: int, stamp: str):
        """upstream's computeReplicasForMetrics: the largest proposal, or None when none can be trusted."""
        metrics = (hpa.get("spec") or {}).get("metrics") or []
        namespace, now = hpa["metadata"]["namespace"], self.now()
        best, best_name, statuses, errors = 0, "", [], []
        for metric in metrics:
            try:
                proposal = await self._proposal(
                    metric, namespace=namespace, selector=selector, current=current, now=now
                )
            except (MetricsError, ValueError) as error:
                kind = (
                    "utilization"
                    if ((metric.get("resource") or {}).get("target") or {}).get("type") == "Utilization"
                    else "resource metric value"
                )
                errors.append(f"failed to get {(metric.get('resource') or {}).get('name')} {kind}: {error}")
                statuses.append({"type": metric.get("type", "")})
                continue
            statuses.append(metric_status(metric, utilization=proposal.utilization, average=proposal.average))
            if proposal.replicas > best:
                best, best_name = proposal.replicas, metric_name(metric)
        status["currentMetrics"] = statuses
        if errors and (len(errors) == len(metrics) or best < current):
            message = (
                errors[0]
                if len(metrics) == 1
                else (f"invalid metrics ({len(errors)} invalid out of {len(metrics)}), first error is: {errors[0]}")
            )
            set_condition(
                status,
                SCALING_ACTIVE,
                False,
                "FailedGetResourceMetric",
                f"the HPA was unable to compute the replica count: {message}",
                now=stamp,
            )
            self.emit(hpa, WARNING, "FailedGetResourceMetric", message)
            self.emit(hpa, WARNING, "FailedComputeMetricsReplicas", message)
            return None, ""
        set_condition(
            status,
            SCALING_ACTIVE,
            True,
            "ValidMetricFound",
            f"the HPA was able to successfully calculate a replica count from {best_name}",
            now=stamp,
        )
        return best, best_name

    async def _sync(self, key: str, hpa: Obj, status: Obj) -> None:
        spec, stamp = hpa.get("spec") or {}, timestamps.format_time(self.now())
        ref = spec.get("scaleTargetRef") or {}
        namespace = hpa["metadata"]["namespace"]
        record = lookup_kind(ref.get("apiVersion") or "", ref.get("kind") or "")
        try:
            if record is None or "scale" not in record.subresources:
                group = (ref.get("apiVersion") or "").rpartition("/")[0]
                message = f'no matches for kind "{ref.get("kind")}" in group "{group}"'
                raise NotFound({"code": 404, "reason": "NotFound", "message": message})
            scale = await self.client.get_scale(record, ref.get("name") or "", namespace=namespace)
        except ApiError as error:
            message = f"the HPA controller was unable to get the target's current scale: {error.message}"
            set_condition(status, ABLE_TO_SCALE, False, "FailedGetScale", message, now=stamp)
            self.emit(hpa, WARNING, "FailedGetScale", error.message)
            return
        set_condition(
            status,
            ABLE_TO_SCALE,
            True,
            "SucceededGetScale",
            "the HPA controller was able to get the target's current scale",
            now=stamp,
        )
        current = int((scale.get("spec") or {}).get("replicas") or 0)
        status["currentReplicas"] = int((scale.get("status") or {}).get("replicas") or 0)
        minimum, maximum = int(spec.get("minReplicas") or 1), int(spec.get("maxReplicas") or 1)
        desired, reason = current, ""
        if current == 0 and minimum != 0:
            set_condition(
                status,
                SCALING_ACTIVE,
                False,
                "ScalingDisabled",
                "scaling is disabled since the replica count of the target is zero",
                now=stamp,
            )
        elif current > maximum:
            desired, reason = maximum, "Current number of replicas above Spec.MaxReplicas"
        elif current < minimum:
            desired, reason = minimum, "Current number of replicas below Spec.MinReplicas"
        else:
            selector = (scale.get("status") or {}).get("selector") or ""
            if not selector:
                set_condition(
                    status,
                    SCALING_ACTIVE,
                    False,
                    "InvalidSelector",
                    "the HPA target's scale is missing a selector",
                    now=stamp,
                )
                self.emit(hpa, WARNING, "SelectorRequired", "selector is required")
                return
            proposed, name = await self._metrics_replicas(hpa, status, selector=selector, current=current, stamp=stamp)
            if proposed is None:
                return
            decision = self._normalize(key, spec, current=current, proposed=proposed, minimum=minimum, maximum=maximum)
            desired = decision.replicas
            reason = f"{name} above target" if desired > current else "All metrics below target"
            set_condition(status, ABLE_TO_SCALE, True, *decision.stabilization, now=stamp)
            limited = decision.limit != scaling_rules.WITHIN_RANGE
            set_condition(status, SCALING_LIMITED, limited, *decision.limit, now=stamp)
        status["desiredReplicas"] = desired
        if desired != current:
            await self._rescale(hpa, status, record, scale, desired=desired, reason=reason, stamp=stamp)

    def _normalize(self, key: str, spec: Obj, *, current: int, proposed: int, minimum: int, maximum: int):
        history = self.histories.setdefault(key, scaling_rules.ScalingHistory())
        moment = self.now().timestamp()
        bounds = {
            "current": current,
            "proposed": proposed,
            "minimum": minimum,
            "maximum": maximum,
            "now": moment,
            "downscale_window_seconds": self.downscale_window_seconds,
        }
        if spec.get("behavior") is None:
            return scaling_rules.without_behavior(history, **bounds)
        return scaling_rules.with_behavior(history, spec["behavior"], **bounds)

    async def _rescale(self, hpa: Obj, status: Obj, record, scale: Obj, *, desired: int, reason: str, stamp: str):
        before = int((scale.get("spec") or {}).get("replicas") or 0)
        scale = copy.deepcopy(scale)
        scale.setdefault("spec", {})["replicas"] = desired
        namespace, target = hpa["metadata"]["namespace"], scale["metadata"]["name"]
        try:
            await self.client.update_scale(record, target, scale, namespace=namespace)
        except ApiError as error:
            self.emit(hpa, WARNING, "FailedRescale", f"New size: {desired}; reason: {reason}; error: {error.message}")
            set_condition(
                status,
                ABLE_TO_SCALE,
                False,
                "FailedUpdateScale",
                f"the HPA controller was unable to update the target scale: {error.message}",
                now=stamp,
            )
            return
        set_condition(
            status,
            ABLE_TO_SCALE,
            True,
            "SucceededRescale",
            f"the HPA controller was able to update the target scale to {desired}",
            now=stamp,
        )
        self.emit(hpa, NORMAL, "SuccessfulRescale", f"New size: {desired}; reason: {reason}")
        history = self.histories.setdefault(object_key(hpa), scaling_rules.ScalingHistory())
        behavior = (hpa.get("spec") or {}).get("behavior")
        scaling_rules.record_scale_event(history, behavior, before=before, after=desired, now=self.now().timestamp())
        status["lastScaleTime"] = stamp
