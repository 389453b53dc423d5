"""What binds a claim to a volume: the rules every component shares (PV controller, scheduler, kubelet).

    claim (PVC) + volumes (PVs) ──► best_match(): the smallest Available volume whose
        class, volumeMode, accessModes (a superset), capacity (≥ the request), selector and
        node affinity (when a node is given) fit; a volume pre-bound to the claim (claimRef)
        wins outright
    claim + one volume ──► mismatch(): why a requested volume (spec.volumeName) cannot serve it
    volume + node ──► fits_node(): the volume's required node affinity holds on the node
    classes ──► default_class(): the newest class annotated is-default-class

As upstream's pkg/controller/volume/persistentvolume/util (FindMatchingVolume,
CheckVolumeModeMismatches, CheckAccessModes). Pure: dicts in, answers out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kubemini.api.node_affinity import any_term_matches, compile_term
from kubemini.api.quantity import QuantityError, parse_quantity
from kubemini.api.selectors.labels import labels_match, selector_from_label_selector

Obj = Mapping[str, Any]

BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"
DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)
SELECTED_NODE_ANNOTATION = "volume.kubernetes.io/selected-node"
BIND_COMPLETED_ANNOTATION = "pv.kubernetes.io/bind-completed"
BOUND_BY_CONTROLLER_ANNOTATION = "pv.kubernetes.io/bound-by-controller"
PROVISIONED_BY_ANNOTATION = "pv.kubernetes.io/provisioned-by"
STORAGE_PROVISIONER_ANNOTATION = "volume.kubernetes.io/storage-provisioner"
PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection"
PV_PROTECTION_FINALIZER = "kubernetes.io/pv-protection"
NO_PROVISIONER = "kubernetes.io/no-provisioner"
WAIT_FOR_FIRST_CONSUMER = "WaitForFirstConsumer"


def _meta(obj: Obj) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def _spec(obj: Obj) -> Mapping[str, Any]:
    return obj.get("spec") or {}


def claim_class(claim: Obj) -> str:
    """The class a claim asks for ("" = only volumes without a class), beta annotation first as upstream."""
    annotations = _meta(claim).get("annotations") or {}
    if BETA_CLASS_ANNOTATION in annotations:
        return str(annotations[BETA_CLASS_ANNOTATION])
    return str(_spec(claim).get("storageClassName") or "")


def volume_class(volume: Obj) -> str:
    annotations = _meta(volume).get("annotations") or {}
    if BETA_CLASS_ANNOTATION in annotations:
        return str(annotations[BETA_CLASS_ANNOTATION])
    return str(_spec(volume).get("storageClassName") or "")


def storage_bytes(resources: Mapping[str, Any] | None) -> int:
    """`storage` of a capacity or requests map, in bytes (0 when absent or unreadable)."""
    value = (resources or {}).get("storage")
    if value is None:
        return 0
    try:
        return int(parse_quantity(value))
    except QuantityError:
        return 0


def requested_bytes(claim: Obj) -> int:
    return storage_bytes((_spec(claim).get("resources") or {}).get("requests"))


def capacity_bytes(volume: Obj) -> int:
    return storage_bytes(_spec(volume).get("capacity"))


def claim_key(claim: Obj) -> str:
    return f"{_meta(claim).get('namespace')}/{_meta(claim).get('name')}"


def claim_ref_key(volume: Obj) -> str | None:
    ref = _spec(volume).get("claimRef") or {}
    return f"{ref.get('namespace')}/{ref.get('name')}" if ref.get("name") else None


def is_bound_to(volume: Obj, claim: Obj) -> bool:
    """The volume's claimRef names this claim (and this very claim when it carries a uid)."""
    ref = _spec(volume).get("claimRef") or {}
    meta = _meta(claim)
    if ref.get("name") != meta.get("name") or (ref.get("namespace") or "") != (meta.get("namespace") or ""):
        return False
    return not ref.get("uid") or ref.get("uid") == meta.get("uid")


def node_terms(volume: Obj) -> tuple | None:
    """The volume's compiled required node affinity, None when it can be used on any node."""
    required = (_spec(volume).get("nodeAffinity") or {}).get("required")
    if not required:
        return None
    return tuple(compile_term(term) for term in required.get("nodeSelectorTerms") or [])


def fits_node(volume: Obj, node_labels: Mapping[str, str], node_name: str) -> bool:
    terms = node_terms(volume)
    return terms is None or any_term_matches(terms, node_labels, node_name)


def _modes_cover(volume: Obj, claim: Obj) -> bool:
    return set(_spec(claim).get("accessModes") or []) <= set(_spec(volume).get("accessModes") or [])


def _volume_mode(spec: Mapping[str, Any]) -> str:
    return str(spec.get("volumeMode") or "Filesystem")


def mismatch(volume: Obj, claim: Obj) -> str | None:
    """Why a volume the claim names cannot serve it (upstream's checkVolumeSatisfyClaim), None if it can."""
    if capacity_bytes(volume) < requested_bytes(claim):
        return "requested PV is too small"
    if volume_class(volume) != claim_class(claim):
        return "storageClassName does not match"
    if _volume_mode(_spec(volume)) != _volume_mode(_spec(claim)):
        return "incompatible volumeMode"
    if not _modes_cover(volume, claim):
        return "incompatible accessMode"
    return None


def best_match(
    claim: Obj,
    volumes: Iterable[Obj],
    *,
    node: tuple[Mapping[str, str], str] | None = None,
    delay_binding: bool = False,
) -> Obj | None:
    """The volume this claim binds to, or None. `node` = (labels, name) when the scheduler chose one;
    `delay_binding` (WaitForFirstConsumer without a node) lets only pre-bound volumes match."""
    requested = requested_bytes(claim)
    selector = _spec(claim).get("selector")
    requirements = selector_from_label_selector(selector) if selector else None
    wanted_class = claim_class(claim)
    best: Obj | None = None
    best_order: tuple[int, int] | None = None
    for volume in volumes:
        spec = _spec(volume)
        if spec.get("claimRef") and not is_bound_to(volume, claim):
            continue
        if capacity_bytes(volume) < requested or _volume_mode(spec) != _volume_mode(_spec(claim)):
            continue
        if _meta(volume).get("deletionTimestamp"):
            continue
        node_ok = node is None or fits_node(volume, node[0], node[1])
        if spec.get("claimRef"):
            return volume if node_ok else None
        if node is None and delay_binding:
            continue
        if (volume.get("status") or {}).get("phase") != "Available":
            continue
        if requirements is not None and not labels_match(requirements, _meta(volume).get("labels") or {}):
            continue
        if volume_class(volume) != wanted_class or not node_ok or not _modes_cover(volume, claim):
            continue
        order = (capacity_bytes(volume), len(spec.get("accessModes") or []))
        if best_order is None or order < best_order:
            best, best_order = volume, order
    return best


def is_default_class(storage_class: Obj) -> bool:
    annotations = _meta(storage_class).get("annotations") or {}
    return any(annotations.get(key) == "true" for key in DEFAULT_CLASS_ANNOTATIONS)


def default_class(classes: Iterable[Obj]) -> Obj | None:
    """The default StorageClass; with several, the newest (then the first by name), as upstream."""
    defaults = [c for c in classes if is_default_class(c)]
    if not defaults:
        return None
    defaults.sort(key=lambda c: str(_meta(c).get("name") or ""))
    defaults.sort(key=lambda c: str(_meta(c).get("creationTimestamp") or ""), reverse=True)
    return defaults[0]


def delays_binding(storage_class: Obj | None) -> bool:
    return storage_class is not None and storage_class.get("volumeBindingMode") == WAIT_FOR_FIRST_CONSUMER


def pod_claim_names(pod: Obj) -> list[str]:
    """The claims a pod's volumes name (ephemeral volumes' claims are `<pod>-<volume>`)."""
    names = []
    for volume in _spec(pod).get("volumes") or []:
        if (volume.get("persistentVolumeClaim") or {}).get("claimName"):
            names.append(str(volume["persistentVolumeClaim"]["claimName"]))
        elif volume.get("ephemeral") is not None:
            names.append(f"{_meta(pod).get('name')}-{volume.get('name')}")
    return names
