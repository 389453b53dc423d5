"""What the PV binder does next for one claim or one volume: pure functions of the stores' contents.

    plan_claim(claim, volumes, class, nodes)
        bound (spec.volumeName) ──► its volume gone ──► LOST · bound to it ──► BIND (complete both sides)
                                    · bound to another claim ──► LOST / PENDING (mis-bound)
        unbound, names a volume ──► BIND if it fits (VolumeMismatch otherwise)
        unbound ──► best_match ──► BIND
                ──► WaitForFirstConsumer and no selected node ──► PENDING (WaitForFirstConsumer)
                ──► class provisioned by kubemini.io/local-path ──► PROVISION on the selected node
                    (Immediate: the first Ready, untainted node by name)
                ──► PENDING with upstream's reason (no class, external provisioner, class missing)
    plan_volume(volume, claim) ──► AVAILABLE / BOUND / RELEASED ──► reclaim: RETAIN · DELETE · FAILED

The controller (binder.py) turns a plan into API writes; nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kubemini.api import local_path
from kubemini.api.persistent_volumes import (
    NO_PROVISIONER,
    SELECTED_NODE_ANNOTATION,
    best_match,
    claim_class,
    delays_binding,
    is_bound_to,
    mismatch,
)
from kubemini.api.tolerations import parse_taints

Obj = Mapping[str, Any]
NORMAL, WARNING = "Normal", "Warning"

BIND, PROVISION, PENDING, LOST, NOTHING = "bind", "provision", "pending", "lost", "nothing"
AVAILABLE, BOUND, RELEASED, DELETE, FAILED, WAIT_FOR_CLAIM = (
    "available",
    "bound",
    "released",
    "delete",
    "failed",
    "wait-for-claim",
)
NO_CLASS = "no persistent volumes available for this claim and no storage class is set"
NO_DELETER = 'error getting deleter volume plugin for volume "{name}": no deletable volume plugin matched'


@dataclass(frozen=True)
class ClaimPlan:
    action: str
    volume: Obj | None = None
    node: Obj | None = None
    event: tuple[str, str, str] | None = None  # (type, reason, message)


@dataclass(frozen=True)
class VolumePlan:
    action: str
    message: str = ""


def _meta(obj: Obj) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def _annotations(obj: Obj) -> Mapping[str, Any]:
    return _meta(obj).get("annotations") or {}


def node_ready(node: Obj) -> bool:
    conditions = (node.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def provisioning_node(claim: Obj, nodes: Iterable[Obj]) -> Obj | None:
    """The node a claim's volume goes to: the scheduler's choice, else the first Ready, untainted node."""
    by_name = {str(_meta(n).get("name")): n for n in nodes}
    selected = _annotations(claim).get(SELECTED_NODE_ANNOTATION)
    if selected:
        return by_name.get(str(selected))
    for name in sorted(by_name):
        node = by_name[name]
        spec = node.get("spec") or {}
        blocked = any(t.effect in ("NoSchedule", "NoExecute") for t in parse_taints(spec.get("taints")))
        if node_ready(node) and not spec.get("unschedulable") and not blocked:
            return node
    return None


def _plan_bound_claim(claim: Obj, volumes: Mapping[str, Obj]) -> ClaimPlan:
    name = str((claim.get("spec") or {}).get("volumeName"))
    volume = volumes.get(name)
    phase = (claim.get("status") or {}).get("phase")
    if volume is None:
        if phase == "Lost":
            return ClaimPlan(NOTHING)
        if _annotations(claim).get("pv.kubernetes.io/bind-completed") != "yes" and phase != "Bound":
            return ClaimPlan(PENDING)  # named by the user, not there (yet): wait for it
        lost = "Bound claim has lost its PersistentVolume. Data on the volume is lost!"
        return ClaimPlan(LOST, event=(WARNING, "ClaimLost", lost))
    ref = (volume.get("spec") or {}).get("claimRef")
    if not ref:
        problem = mismatch(volume, claim)
        if problem:
            return ClaimPlan(
                PENDING, event=(WARNING, "VolumeMismatch", f'Cannot bind to requested volume "{name}": {problem}')
            )
        return ClaimPlan(BIND, volume=volume)
    if is_bound_to(volume, claim):
        return ClaimPlan(BIND, volume=volume)
    if phase == "Bound":
        misbound = "Two claims are bound to the same volume, this one is bound incorrectly"
        return ClaimPlan(LOST, event=(WARNING, "ClaimMisbound", misbound))
    return ClaimPlan(PENDING, event=(WARNING, "FailedBinding", "volume is already bound to a different claim."))


def plan_claim(claim: Obj, volumes: Mapping[str, Obj], storage_class: Obj | None, nodes: Iterable[Obj]) -> ClaimPlan:
    if _meta(claim).get("deletionTimestamp"):
        return ClaimPlan(NOTHING)
    if (claim.get("spec") or {}).get("volumeName"):
        return _plan_bound_claim(claim, volumes)
    wanted = claim_class(claim)
    delay = delays_binding(storage_class)
    selected = _annotations(claim).get(SELECTED_NODE_ANNOTATION)
    node_list = list(nodes)
    node = None
    if selected:
        node = next((n for n in node_list if _meta(n).get("name") == selected), None)
    where = None if node is None else ((_meta(node).get("labels") or {}), str(selected))
    volume = best_match(claim, volumes.values(), node=where, delay_binding=delay and not selected)
    if volume is not None:
        return ClaimPlan(BIND, volume=volume)
    if not wanted:
        return ClaimPlan(
            PENDING,
            event=(
                NORMAL,
                "FailedBinding",
                "no persistent volumes available for this claim and no storage class is set",
            ),
        )
    if storage_class is None:
        return ClaimPlan(
            PENDING, event=(WARNING, "ProvisioningFailed", f'storageclass.storage.k8s.io "{wanted}" not found')
        )
    if delay and not selected:
        wait = "waiting for first consumer to be created before binding"
        return ClaimPlan(PENDING, event=(NORMAL, "WaitForFirstConsumer", wait))
    provisioner = str(storage_class.get("provisioner") or "")
    if provisioner == local_path.PROVISIONER:
        chosen = provisioning_node(claim, node_list)
        if chosen is None:
            reason = f'node "{selected}" not found' if selected else "no Ready node to provision the volume on"
            return ClaimPlan(PENDING, event=(WARNING, "ProvisioningFailed", reason))
        return ClaimPlan(PROVISION, node=chosen)
    if provisioner == NO_PROVISIONER:
        return ClaimPlan(
            PENDING,
            event=(
                NORMAL,
                "FailedBinding",
                "no persistent volumes available for this claim and no storage class is set",
            ),
        )
    external = (
        f"Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by "
        "the system administrator. If volume creation is delayed, please verify that the provisioner is running "
        "and correctly registered."
    )
    return ClaimPlan(PENDING, event=(NORMAL, "ExternalProvisioning", external))


def plan_volume(volume: Obj, claim: Obj | None) -> VolumePlan:
    """`claim` is the claim the volume's claimRef names, as found now (None: gone)."""
    spec = volume.get("spec") or {}
    phase = (volume.get("status") or {}).get("phase")
    ref = spec.get("claimRef") or {}
    if not ref.get("name"):
        return VolumePlan(AVAILABLE)
    if not ref.get("uid"):
        return VolumePlan(AVAILABLE)  # pre-bound by the user: the claim's sync binds it
    if claim is not None and _meta(claim).get("uid") == ref.get("uid"):
        if (claim.get("spec") or {}).get("volumeName") == _meta(volume).get("name"):
            return VolumePlan(BOUND)
        if not (claim.get("spec") or {}).get("volumeName"):
            return VolumePlan(WAIT_FOR_CLAIM)  # the binding is half written: the claim's sync completes it
    if phase == "Failed":
        return VolumePlan(NOTHING)
    policy = spec.get("persistentVolumeReclaimPolicy") or "Retain"
    if phase != "Released":
        return VolumePlan(RELEASED)
    if policy == "Retain" or _meta(volume).get("deletionTimestamp"):
        return VolumePlan(NOTHING)  # kept; or already on its way out
    if policy == "Delete" and local_path.provisioned_here(volume):
        return VolumePlan(DELETE)
    return VolumePlan(FAILED, NO_DELETER.format(name=_meta(volume).get("name")))
