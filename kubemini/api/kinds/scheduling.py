"""scheduling.k8s.io/v1: PriorityClasses (the two system classes are created by the apiserver)."""

from __future__ import annotations

from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.strategy import AGE, NAME, Column, Strategy
from kubemini.api.validation.common import check_immutable, check_one_of

PREEMPTION_POLICIES = ("PreemptLowerPriority", "Never")
SYSTEM_PREFIX = "system-"
HIGHEST_USER_PRIORITY = 1_000_000_000
SYSTEM_CLASSES = {"system-node-critical": 2_000_001_000, "system-cluster-critical": 2_000_000_000}


class PriorityClassStrategy(Strategy):
    columns = (
        NAME,
        Column("Value", type="integer", description="value represents the integer value of this priority class."),
        Column(
            "Global-Default",
            type="boolean",
            description="globalDefault specifies whether this PriorityClass should be considered as the "
            "default priority for pods that do not have any priority class.",
        ),
        AGE,
        Column(
            "PreemptionPolicy", description="preemptionPolicy is the Policy for preempting pods with lower priority."
        ),
    )

    def default(self, obj: dict) -> None:
        obj.setdefault("preemptionPolicy", "PreemptLowerPriority")

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        name = (obj.get("metadata") or {}).get("name") or ""
        value = obj.get("value")
        if value is None:
            errors.required("value")
        elif name in SYSTEM_CLASSES:
            if value != SYSTEM_CLASSES[name]:
                errors.forbidden("value", f"value of the system priority class {name} must be {SYSTEM_CLASSES[name]}")
        elif name.startswith(SYSTEM_PREFIX):
            errors.invalid("metadata.name", name, "priority class names with 'system-' prefix are reserved")
        elif value > HIGHEST_USER_PRIORITY:
            errors.forbidden("value", f"maximum allowed value of a user defined priority is {HIGHEST_USER_PRIORITY}")
        check_one_of(obj.get("preemptionPolicy"), "preemptionPolicy", PREEMPTION_POLICIES, errors)

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        check_immutable(new.get("value"), old.get("value"), "value", errors)
        check_immutable(new.get("preemptionPolicy"), old.get("preemptionPolicy"), "preemptionPolicy", errors)

    def generation_changed(self, new: dict, old: dict) -> bool:
        return False

    def cells(self, obj: dict) -> list:
        return [
            printing.name(obj),
            obj.get("value", 0),
            bool(obj.get("globalDefault", False)),
            printing.age(obj),
            obj.get("preemptionPolicy", ""),
        ]
