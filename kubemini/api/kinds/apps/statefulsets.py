"""apps/v1 StatefulSets and the ControllerRevisions that DaemonSets and StatefulSets keep."""

from __future__ import annotations

from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.apps.workloads import (
    POD_MANAGEMENT_POLICIES,
    RETENTION,
    STATEFULSET_IMMUTABLE_MESSAGE,
    STATEFULSET_MUTABLE,
    STATEFULSET_STRATEGIES,
    validate_workload,
)
from kubemini.api.kinds.core.controllers import CONTAINERS, IMAGES, default_template
from kubemini.api.kinds.strategy import AGE, NAME, Column, Strategy
from kubemini.api.validation.common import (
    check_immutable,
    check_int_or_percent,
    check_non_negative,
    check_one_of,
)


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
        spec = validate_workload(obj, errors)
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
