"""Nodes: status is the kubelet's to write (kept on create), `spec.unschedulable` selectable, wide columns."""

from __future__ import annotations

from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.strategy import AGE, NAME, Column, Strategy
from kubemini.api.pod_cidrs import normalize_pod_cidrs, pod_cidr_problems, pod_cidr_update_problem

ROLE_LABEL_PREFIX = "node-role.kubernetes.io/"
ROLE_LABEL = "kubernetes.io/role"
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def roles(node: dict) -> str:
    labels = (node.get("metadata") or {}).get("labels") or {}
    found = {key.removeprefix(ROLE_LABEL_PREFIX) for key in labels if key.startswith(ROLE_LABEL_PREFIX)}
    if labels.get(ROLE_LABEL):
        found.add(labels[ROLE_LABEL])
    return ",".join(sorted(r for r in found if r)) or printing.NONE


def ready_display(node: dict) -> str:
    conditions = {c.get("type"): c.get("status") for c in printing.status(node).get("conditions") or []}
    ready = {"True": "Ready", "False": "NotReady"}.get(conditions.get("Ready", ""), "Unknown")
    if printing.spec(node).get("unschedulable"):
        ready += ",SchedulingDisabled"
    return ready


def _address(node: dict, kind: str) -> str:
    for address in printing.status(node).get("addresses") or []:
        if address.get("type") == kind:
            return str(address.get("address"))
    return printing.NONE


class NodeStrategy(Strategy):
    field_labels = ("spec.unschedulable",)
    columns = (
        NAME,
        Column("Status", description="The status of the node"),
        Column("Roles", description="The roles of the node"),
        AGE,
        Column("Version", description="Kubelet Version reported by the node."),
        Column("Internal-IP", priority=1, description="List of internal IPs for the node."),
        Column("External-IP", priority=1, description="List of external IPs for the node."),
        Column(
            "OS-Image",
            priority=1,
            description="OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
        ),
        Column(
            "Kernel-Version",
            priority=1,
            description="Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
        ),
        Column(
            "Container-Runtime",
            priority=1,
            description="Container Runtime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
        ),
    )

    def initial_status(self, obj: dict) -> dict | None:
        return obj.get("status")  # the kubelet registers its node with its status

    def default(self, obj: dict) -> None:
        normalize_pod_cidrs(obj)

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        spec = printing.spec(obj)
        cidrs = spec.get("podCIDRs") or []
        for path, value, detail in pod_cidr_problems(cidrs):
            errors.invalid(path, value, detail)
        if cidrs and spec.get("podCIDR") not in (None, "", cidrs[0]):
            errors.invalid("spec.podCIDR", spec.get("podCIDR"), "must match spec.podCIDRs[0]")
        for index, taint in enumerate(printing.spec(obj).get("taints") or []):
            where = f"spec.taints[{index}]"
            if not taint.get("key"):
                errors.required(f"{where}.key")
            if taint.get("effect") not in TAINT_EFFECTS:
                errors.not_supported(f"{where}.effect", taint.get("effect"), TAINT_EFFECTS)

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        problem = pod_cidr_update_problem(new, old)
        if problem:
            errors.forbidden("spec.podCIDRs", problem)

    def selectable_fields(self) -> tuple[str, ...]:
        return ("metadata.name", "spec.unschedulable")

    def field_values(self, obj: dict) -> dict[str, str]:
        values = super().field_values(obj)
        values["spec.unschedulable"] = "true" if printing.spec(obj).get("unschedulable") else "false"
        return values

    def cells(self, obj: dict) -> list:
        info = printing.status(obj).get("nodeInfo") or {}
        return [
            printing.name(obj),
            ready_display(obj),
            roles(obj),
            printing.age(obj),
            info.get("kubeletVersion", ""),
            _address(obj, "InternalIP"),
            _address(obj, "ExternalIP"),
            info.get("osImage") or "<unknown>",
            info.get("kernelVersion") or "<unknown>",
            info.get("containerRuntimeVersion") or "<unknown>",
        ]
