"""apps/v1: Deployments, ReplicaSets, DaemonSets, StatefulSets, ControllerRevisions."""

from __future__ import annotations

from kubemini.api.field_errors import FieldErrors
from kubemini.api.int_or_percent import scaled_value
from kubemini.api.kinds import printing
from kubemini.api.kinds.core.controllers import CONTAINERS, IMAGES, SELECTOR, default_template
from kubemini.api.kinds.strategy import AGE, NAME, Column, Strategy
from kubemini.api.validation.common import (
    check_immutable,
    check_int_or_percent,
    check_non_negative,
    check_one_of,
)
from kubemini.api.validation.pod_template import validate_selector_matches_template, validate_template

DEPLOYMENT_STRATEGIES = ("RollingUpdate", "Recreate")
DAEMONSET_STRATEGIES = ("RollingUpdate", "OnDelete")
STATEFULSET_STRATEGIES = ("RollingUpdate", "OnDelete")
POD_MANAGEMENT_POLICIES = ("OrderedReady", "Parallel")
RETENTION = ("Retain", "Delete")
STATEFULSET_MUTABLE = (
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "revisionHistoryLimit",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
)
STATEFULSET_IMMUTABLE_MESSAGE = (
    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', "
    "'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
)


def _validate_workload(obj: dict, errors: FieldErrors) -> dict:
    spec = obj.get("spec") or {}
    validate_selector_matches_template(spec, errors)
    validate_template(spec.get("template"), "spec.template", errors)
    check_non_negative(spec.get("replicas"), "spec.replicas", errors)
    check_non_negative(spec.get("minReadySeconds"), "spec.minReadySeconds", errors)
    check_non_negative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit", errors)
    return spec


def _selector_immutable(new: dict, old: dict, errors: FieldErrors) -> None:
    check_immutable(printing.spec(new).get("selector"), printing.spec(old).get("selector"), "spec.selector", errors)


def _check_surge_unavailable(rolling: dict, path: str, errors: FieldErrors, *, defaults: tuple) -> None:
    surge, unavailable = rolling.get("maxSurge", defaults[0]), rolling.get("maxUnavailable", defaults[1])
    check_int_or_percent(surge, f"{path}.maxSurge", errors)
    check_int_or_percent(unavailable, f"{path}.maxUnavailable", errors)
    try:
        surge_zero, unavailable_zero = (
            scaled_value(surge, 100, round_up=True) == 0,
            scaled_value(unavailable, 100, round_up=True) == 0,
        )
    except ValueError:
        return
    if surge_zero and unavailable_zero:
        errors.invalid(f"{path}.maxUnavailable", unavailable, "may not be 0 when `maxSurge` is 0")
    if isinstance(unavailable, str) and unavailable.endswith("%") and int(unavailable[:-1]) > 100:
        errors.invalid(f"{path}.maxUnavailable", unavailable, "must not be greater than 100%")


def _selector_text(selector: dict | None) -> str:
    """A Deployment's SELECTOR cell: like other workloads', but empty rather than `<none>`."""
    text = printing.label_selector(selector)
    return "" if text == printing.NONE else text


class DeploymentStrategy(Strategy):
    tracks_generation = True
    columns = (
        NAME,
        Column("Ready", description="Number of the pod with ready state"),
        Column(
            "Up-to-date",
            description="Total number of non-terminated pods targeted by this deployment that have the desired "
            "template spec.",
        ),
        Column(
            "Available",
            description="Total number of available pods (ready for at least minReadySeconds) targeted by this "
            "deployment.",
        ),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
    )

    def default(self, obj: dict) -> None:
        spec = obj.setdefault("spec", {})
        spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("progressDeadlineSeconds", 600)
        strategy = spec.setdefault("strategy", {})
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = strategy.setdefault("rollingUpdate", {})
            rolling.setdefault("maxUnavailable", "25%")
            rolling.setdefault("maxSurge", "25%")
        default_template(spec.get("template"))

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        spec = _validate_workload(obj, errors)
        strategy = spec.get("strategy") or {}
        kind = strategy.get("type", "RollingUpdate")
        if kind not in DEPLOYMENT_STRATEGIES:
            errors.not_supported("spec.strategy.type", kind, DEPLOYMENT_STRATEGIES)
            return
        rolling = strategy.get("rollingUpdate")
        if kind == "Recreate" and rolling:
            errors.forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")
        if kind == "RollingUpdate" and rolling:
            _check_surge_unavailable(rolling, "spec.strategy.rollingUpdate", errors, defaults=("25%", "25%"))
        deadline = spec.get("progressDeadlineSeconds")
        check_non_negative(deadline, "spec.progressDeadlineSeconds", errors)
        if deadline is not None and deadline <= (spec.get("minReadySeconds") or 0):
            errors.invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds")

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        _selector_immutable(new, old, errors)

    def cells(self, obj: dict) -> list:
        spec, status = printing.spec(obj), printing.status(obj)
        containers, images = printing.template_containers((spec.get("template") or {}).get("spec"))
        return [
            printing.name(obj),
            f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}",
            status.get("updatedReplicas", 0),
            status.get("availableReplicas", 0),
            printing.age(obj),
            containers,
            images,
            _selector_text(spec.get("selector")),
        ]


class ReplicaSetStrategy(Strategy):
    tracks_generation = True
    field_labels = ("status.replicas",)
    columns = (
        NAME,
        Column("Desired", type="integer", description="Replicas is the number of desired replicas."),
        Column("Current", type="integer", description="Replicas is the most recently observed number of replicas."),
        Column("Ready", type="integer", description="The number of ready replicas for this replica set."),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
    )

    def default(self, obj: dict) -> None:
        spec = obj.setdefault("spec", {})
        spec.setdefault("replicas", 1)
        default_template(spec.get("template"))

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        _validate_workload(obj, errors)

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        _selector_immutable(new, old, errors)

    def field_values(self, obj: dict) -> dict[str, str]:
        values = super().field_values(obj)
        values["status.replicas"] = str(printing.status(obj).get("replicas") or 0)
        return values

    def cells(self, obj: dict) -> list:
        spec, status = printing.spec(obj), printing.status(obj)
        return [
            printing.name(obj),
            spec.get("replicas", 0),
            status.get("replicas", 0),
            status.get("readyReplicas", 0),
            printing.age(obj),
            *printing.workload_wide(obj),
        ]


class DaemonSetStrategy(Strategy):
    tracks_generation = True
    columns = (
        NAME,
        Column(
            "Desired",
            type="integer",
            description="The total number of nodes that should be running the daemon pod (including nodes "
            "correctly running the daemon pod).",
        ),
        Column(
            "Current",
            type="integer",
            description="The number of nodes that are running at least 1 daemon pod and are supposed to run "
            "the daemon pod.",
        ),
        Column(
            "Ready",
            type="integer",
            description="numberReady is the number of nodes that should be running the daemon pod and have one "
            "or more of the daemon pod running with a Ready Condition.",
        ),
        Column(
            "Up-to-date", type="integer", description="The total number of nodes that are running updated daemon pod"
        ),
        Column(
            "Available",
            type="integer",
            description="The number of nodes that should be running the daemon pod and have one or more of the "
            "daemon pod running and available (ready for at least spec.minReadySeconds)",
        ),
        Column(
            "Node Selector",
            description="NodeSelector is a selector which must be true for the pod to fit on a node. Selector "
            "which must match a node's labels for the pod to be scheduled on that node.",
        ),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
    )

    def default(self, obj: dict) -> None:
        spec = obj.setdefault("spec", {})
        spec.setdefault("revisionHistoryLimit", 10)
        strategy = spec.setdefault("updateStrategy", {})
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = strategy.setdefault("rollingUpdate", {})
            rolling.setdefault("maxUnavailable", 1)
            rolling.setdefault("maxSurge", 0)
        default_template(spec.get("template"))

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        spec = _validate_workload(obj, errors)
        strategy = spec.get("updateStrategy") or {}
        kind = strategy.get("type", "RollingUpdate")
        check_one_of(kind, "spec.updateStrategy.type", DAEMONSET_STRATEGIES, errors)
        if kind == "RollingUpdate" and strategy.get("rollingUpdate"):
            _check_surge_unavailable(
                strategy["rollingUpdate"], "spec.updateStrategy.rollingUpdate", errors, defaults=(0, 1)
            )

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        _selector_immutable(new, old, errors)

    def cells(self, obj: dict) -> list:
        spec, status = printing.spec(obj), printing.status(obj)
        node_selector = ((spec.get("template") or {}).get("spec") or {}).get("nodeSelector")
        return [
            printing.name(obj),
            status.get("desiredNumberScheduled", 0),
            status.get("currentNumberScheduled", 0),
            status.get("numberReady", 0),
            status.get("updatedNumberScheduled", 0),
            status.get("numberAvailable", 0),
            printing.map_selector(node_selector),
            printing.age(obj),
            *printing.workload_wide(obj),
        ]


class StatefulSetStrategy(Strategy):
    tracks_generation = True
    columns = (
        NAME,
        Column("Ready", description="Number of the pod with ready state"),
        AGE,
        CONTAINERS,
        IMAGES,
    )

    def default(self, obj: dict) -> None:
        spec = obj.setdefault("spec", {})
        spec.setdefault("replicas", 1)
        spec.setdefault("podManagementPolicy", "OrderedReady")
        spec.setdefault("revisionHistoryLimit", 10)
        strategy = spec.setdefault("updateStrategy", {})
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            strategy.setdefault("rollingUpdate", {}).setdefault("partition", 0)
        retention = spec.setdefault("persistentVolumeClaimRetentionPolicy", {})
        retention.setdefault("whenDeleted", "Retain")
        retention.setdefault("whenScaled", "Retain")
        for claim in spec.get("volumeClaimTemplates") or []:
            claim.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
            claim.setdefault("status", {}).setdefault("phase", "Pending")
            claim.setdefault("apiVersion", "v1")
            claim.setdefault("kind", "PersistentVolumeClaim")
        default_template(spec.get("template"))

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        spec = _validate_workload(obj, errors)
        check_one_of(spec.get("podManagementPolicy"), "spec.podManagementPolicy", POD_MANAGEMENT_POLICIES, errors)
        strategy = spec.get("updateStrategy") or {}
        check_one_of(strategy.get("type"), "spec.updateStrategy.type", STATEFULSET_STRATEGIES, errors)
        rolling = strategy.get("rollingUpdate") or {}
        check_non_negative(rolling.get("partition"), "spec.updateStrategy.rollingUpdate.partition", errors)
        if "maxUnavailable" in rolling:
            check_int_or_percent(rolling["maxUnavailable"], "spec.updateStrategy.rollingUpdate.maxUnavailable", errors)
        retention = spec.get("persistentVolumeClaimRetentionPolicy") or {}
        for key in ("whenDeleted", "whenScaled"):
            check_one_of(retention.get(key), f"spec.persistentVolumeClaimRetentionPolicy.{key}", RETENTION, errors)
        for index, claim in enumerate(spec.get("volumeClaimTemplates") or []):
            if not (claim.get("metadata") or {}).get("name"):
                errors.required(f"spec.volumeClaimTemplates[{index}].metadata.name")

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        old_spec, new_spec = printing.spec(old), printing.spec(new)
        fixed_old = {k: v for k, v in old_spec.items() if k not in STATEFULSET_MUTABLE}
        fixed_new = {k: v for k, v in new_spec.items() if k not in STATEFULSET_MUTABLE}
        if fixed_old != fixed_new:
            errors.forbidden("spec", STATEFULSET_IMMUTABLE_MESSAGE)

    def cells(self, obj: dict) -> list:
        spec, status = printing.spec(obj), printing.status(obj)
        containers, images = printing.template_containers((spec.get("template") or {}).get("spec"))
        return [
            printing.name(obj),
            f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}",
            printing.age(obj),
            containers,
            images,
        ]


class ControllerRevisionStrategy(Strategy):
    columns = (
        NAME,
        Column("Controller", description="Controller of the object"),
        Column("Revision", description="Revision indicates the revision of the state represented by Data."),
        AGE,
    )

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        check_non_negative(obj.get("revision"), "revision", errors)

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        check_immutable(new.get("data"), old.get("data"), "data", errors)

    def generation_changed(self, new: dict, old: dict) -> bool:
        return False

    def cells(self, obj: dict) -> list:
        controller = printing.NONE
        for owner in (obj.get("metadata") or {}).get("ownerReferences") or []:
            if owner.get("controller"):
                group = owner.get("apiVersion", "").rpartition("/")[0]
                kind = owner.get("kind", "").lower()
                controller = f"{kind}.{group}/{owner.get('name')}" if group else f"{kind}/{owner.get('name')}"
        return [printing.name(obj), controller, obj.get("revision", 0), printing.age(obj)]
