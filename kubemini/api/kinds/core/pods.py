"""Pods: spec defaults and rules, the spec-is-immutable update rule, status on create, columns."""

from __future__ import annotations

import copy

from kubemini.api import pods as pod_rules
from kubemini.api.defaults import default_pod_spec, qos_class
from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.strategy import AGE, NAME, Column, Strategy
from kubemini.api.validation.pod_spec import validate_pod_spec

IMMUTABLE_SPEC_MESSAGE = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
    "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
    "(allow it to be set to 1 if it was previously negative)"
)


def _mutable_masked(spec: dict) -> dict:
    """The spec with the fields an update may change blanked out, for the immutability comparison."""
    masked = copy.deepcopy(spec)
    for key in ("containers", "initContainers"):
        for container in masked.get(key) or []:
            container.pop("image", None)
    for key in ("activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds"):
        masked.pop(key, None)
    return masked


def _tolerations_only_added(old: list, new: list) -> bool:
    return all(toleration in new for toleration in old)


class PodStrategy(Strategy):
    returns_deleted_object = True
    tracks_generation = True
    field_labels = (
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.podIPs",
        "status.nominatedNodeName",
    )
    columns = (
        NAME,
        Column("Ready", description="The aggregate readiness state of this pod for accepting traffic."),
        Column("Status", description="The aggregate status of the containers in this pod."),
        Column("Restarts", description="The number of times the containers in this pod have been restarted."),
        AGE,
        Column("IP", priority=1, description="The IP address assigned to the pod"),
        Column("Node", priority=1, description="The name of the node the pod is scheduled on"),
        Column("Nominated Node", priority=1, description="The name of the node nominated for this pod"),
        Column("Readiness Gates", priority=1, description="The readiness gates of this pod"),
    )

    def initial_status(self, obj: dict) -> dict:
        return {"phase": "Pending", "qosClass": qos_class(obj.get("spec") or {})}

    def default(self, obj: dict) -> None:
        default_pod_spec(obj.setdefault("spec", {}), pod_only=True)
        status = obj.get("status")
        if isinstance(status, dict) and "qosClass" not in status:
            status["qosClass"] = qos_class(obj["spec"])

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        validate_pod_spec(obj.get("spec"), "spec", errors)

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
        if not _tolerations_only_added(old_spec.get("tolerations") or [], new_spec.get("tolerations") or []):
            errors.forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds")
        if _mutable_masked(old_spec) != _mutable_masked(new_spec):
            errors.forbidden("spec", IMMUTABLE_SPEC_MESSAGE)

    def validate_status_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        phase = (new.get("status") or {}).get("phase")
        if phase is not None and phase not in pod_rules.PHASES:
            errors.not_supported("status.phase", phase, pod_rules.PHASES)

    def deletion_grace_seconds(self, obj: dict, requested: int | None) -> int:
        """The requested grace period, else the pod's own; none for a pod no kubelet runs (unbound or finished)."""
        if not printing.spec(obj).get("nodeName") or printing.status(obj).get("phase") in pod_rules.TERMINAL_PHASES:
            return 0
        if requested is None:
            requested = printing.spec(obj).get("terminationGracePeriodSeconds", 30)
        return max(int(requested), 0)

    def field_values(self, obj: dict) -> dict[str, str]:
        values = super().field_values(obj)
        spec, status = printing.spec(obj), printing.status(obj)
        values.update(
            {
                "spec.nodeName": str(spec.get("nodeName") or ""),
                "spec.restartPolicy": str(spec.get("restartPolicy") or ""),
                "spec.schedulerName": str(spec.get("schedulerName") or ""),
                "spec.serviceAccountName": str(spec.get("serviceAccountName") or ""),
                "spec.hostNetwork": "true" if spec.get("hostNetwork") else "false",
                "status.phase": str(status.get("phase") or ""),
                "status.podIP": str(status.get("podIP") or ""),
                "status.podIPs": ",".join(
                    str(entry.get("ip")) for entry in status.get("podIPs") or [] if isinstance(entry, dict)
                ),
                "status.nominatedNodeName": str(status.get("nominatedNodeName") or ""),
            }
        )
        return values

    def cells(self, obj: dict) -> list:
        spec, status = printing.spec(obj), printing.status(obj)
        statuses = [s for s in status.get("containerStatuses") or [] if isinstance(s, dict)]
        sidecars = [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
        total = len(spec.get("containers") or []) + len(sidecars)
        init_statuses = status.get("initContainerStatuses") or []
        sidecar_names = {c.get("name") for c in sidecars}
        ready = sum(1 for s in statuses if s.get("ready") and (s.get("state") or {}).get("running"))
        ready += sum(1 for s in init_statuses if s.get("name") in sidecar_names and s.get("started") and s.get("ready"))
        gates = spec.get("readinessGates") or []
        if gates:
            conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
            met = sum(1 for gate in gates if conditions.get(gate.get("conditionType")) == "True")
            gates_cell = f"{met}/{len(gates)}"
        else:
            gates_cell = printing.NONE
        return [
            printing.name(obj),
            f"{ready}/{total}",
            pod_rules.display_status(obj),
            pod_rules.restarts_cell(statuses + [s for s in init_statuses if s.get("name") in sidecar_names]),
            printing.age(obj),
            ((status.get("podIPs") or [{}])[0].get("ip")) or status.get("podIP") or printing.NONE,
            spec.get("nodeName") or printing.NONE,
            status.get("nominatedNodeName") or printing.NONE,
            gates_cell,
        ]
