"""VolumeBinding: where a pod's claims let it run, and which claims wait for the scheduler's choice.

    pod + claims, volumes, classes (informer stores) ──► volume_needs() once per attempt:
        a claim missing / being deleted / unbound with Immediate binding ──► problem (every node fails)
        a bound claim ──► its PV: the node must satisfy the PV's node affinity
        an unbound WaitForFirstConsumer claim ──► delayed: a dynamic provisioner can serve any node;
            kubernetes.io/no-provisioner needs an Available PV that fits the node
    check_volume_binding(needs, node) ──► None or kube-scheduler's reason
    after the decision: every delayed claim is annotated volume.kubernetes.io/selected-node=<node>
        (binding.py), so the PV controller binds or provisions there

Reasons are worded as kube-scheduler's VolumeBinding plugin words them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubemini.api.persistent_volumes import (
    NO_PROVISIONER,
    best_match,
    claim_class,
    delays_binding,
    fits_node,
    pod_claim_names,
)

REASON_NODE_CONFLICT = "node(s) had volume node affinity conflict"
REASON_NO_VOLUMES = "node(s) didn't find available persistent volumes to bind"
REASON_UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"

Obj = Mapping[str, Any]
Lookup = Callable[[str], Obj | None]


@dataclass(frozen=True)
class VolumeNeeds:
    problem: str | None = None
    bound_volumes: tuple[Obj, ...] = ()
    static_claims: tuple[Obj, ...] = ()  # WaitForFirstConsumer claims only existing PVs can serve
    delayed_claims: tuple[str, ...] = ()  # names of the claims to annotate with the chosen node
    volumes: tuple[Obj, ...] = field(default=(), repr=False)


def volume_needs(
    pod: Obj, *, claim: Lookup, volume: Lookup, storage_class: Lookup, all_volumes: Callable[[], list]
) -> VolumeNeeds | None:
    """None when the pod names no claim (the filter is then skipped)."""
    names = pod_claim_names(pod)
    if not names:
        return None
    namespace = str((pod.get("metadata") or {}).get("namespace") or "")
    bound, static, delayed = [], [], []
    for name in names:
        found = claim(f"{namespace}/{name}")
        if found is None:
            return VolumeNeeds(problem=f'persistentvolumeclaim "{name}" not found')
        if (found.get("metadata") or {}).get("deletionTimestamp"):
            return VolumeNeeds(problem=f'persistentvolumeclaim "{name}" is being deleted')
        volume_name = (found.get("spec") or {}).get("volumeName")
        if volume_name:
            pv = volume(str(volume_name))
            if pv is None:
                return VolumeNeeds(problem=f'persistentvolume "{volume_name}" not found')
            bound.append(pv)
            continue
        cls = storage_class(claim_class(found)) if claim_class(found) else None
        if not delays_binding(cls):
            return VolumeNeeds(problem=REASON_UNBOUND_IMMEDIATE)
        delayed.append(name)
        if str((cls or {}).get("provisioner") or "") == NO_PROVISIONER:
            static.append(found)
    return VolumeNeeds(
        bound_volumes=tuple(bound),
        static_claims=tuple(static),
        delayed_claims=tuple(delayed),
        volumes=tuple(all_volumes()) if static else (),
    )


def check_volume_binding(needs: VolumeNeeds, labels: Mapping[str, str], node_name: str) -> tuple[str, ...] | None:
    if needs.problem is not None:
        return (needs.problem,)
    if any(not fits_node(pv, labels, node_name) for pv in needs.bound_volumes):
        return (REASON_NODE_CONFLICT,)
    for claim in needs.static_claims:
        if best_match(claim, needs.volumes, node=(labels, node_name)) is None:
            return (REASON_NO_VOLUMES,)
    return None
