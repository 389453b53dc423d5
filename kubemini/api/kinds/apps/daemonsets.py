"""apps/v1 DaemonSets."""

from __future__ import annotations

from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.apps.workloads import (
    DAEMONSET_STRATEGIES,
    check_surge_unavailable,
    selector_immutable,
    validate_workload,
)
from kubemini.api.kinds.core.controllers import CONTAINERS, IMAGES, SELECTOR, default_template
from kubemini.api.kinds.strategy import AGE, NAME, Column, Strategy
from kubemini.api.validation.common import (
    check_one_of,
)


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
        spec = validate_workload(obj, errors)
        strategy = spec.get("updateStrategy") or {}
        kind = strategy.get("type", "RollingUpdate")
        check_one_of(kind, "spec.updateStrategy.type", DAEMONSET_STRATEGIES, errors)
        if kind == "RollingUpdate" and strategy.get("rollingUpdate"):
            check_surge_unavailable(
                strategy["rollingUpdate"], "spec.updateStrategy.rollingUpdate", errors, defaults=(0, 1)
            )

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        selector_immutable(new, old, errors)

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
