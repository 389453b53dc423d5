"""apps/v1 Deployments and ReplicaSets."""

from __future__ import annotations

from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.apps.workloads import (
    DEPLOYMENT_STRATEGIES,
    check_surge_unavailable,
    selector_immutable,
    selector_text,
    validate_workload,
)
from kubemini.api.kinds.core.controllers import CONTAINERS, IMAGES, SELECTOR, default_template
from kubemini.api.kinds.strategy import AGE, NAME, Column, Strategy
from kubemini.api.validation.common import (
    check_non_negative,
)


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
        spec = validate_workload(obj, errors)
        strategy = spec.get("strategy") or {}
        kind = strategy.get("type", "RollingUpdate")
        if kind not in DEPLOYMENT_STRATEGIES:
            errors.not_supported("spec.strategy.type", kind, DEPLOYMENT_STRATEGIES)
            return
        rolling = strategy.get("rollingUpdate")
        if kind == "Recreate" and rolling:
            errors.forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")
        if kind == "RollingUpdate" and rolling:
            check_surge_unavailable(rolling, "spec.strategy.rollingUpdate", errors, defaults=("25%", "25%"))
        deadline = spec.get("progressDeadlineSeconds")
        check_non_negative(deadline, "spec.progressDeadlineSeconds", errors)
        if deadline is not None and deadline <= (spec.get("minReadySeconds") or 0):
            errors.invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds")

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        selector_immutable(new, old, errors)

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
            selector_text(spec.get("selector")),
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
        validate_workload(obj, errors)

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        selector_immutable(new, old, errors)

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
