"""PersistentVolumes and PersistentVolumeClaims: defaults, required capacity and modes, columns.

    PV create/update ──► modes, capacity, one source, reclaim policy (Recycle refused: kubemini has
        no recycler, and upstream deprecates it), `local` needs node affinity
    PVC update ──► spec immutable except resources.requests (bound claims only: expansion) and
        volumeAttributesClassName; a request never below status.capacity
Whether a claim may grow (its class allows expansion) is the PersistentVolumeClaimResize
admission plugin's call: it needs the StorageClass.
"""

from __future__ import annotations

from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.strategy import AGE, NAME, Column, Strategy
from kubemini.api.persistent_volumes import requested_bytes, storage_bytes
from kubemini.api.quantity import parse_quantity

ACCESS_MODES = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")
ACCESS_MODE_SHORT = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}
RECLAIM_POLICIES = ("Retain", "Delete", "Recycle")
RECYCLE_DEPRECATED = (
    "The Recycle reclaim policy is deprecated. Instead, the recommended approach is to use dynamic provisioning."
)
VOLUME_MODES = ("Filesystem", "Block")
PV_SOURCES = (
    "hostPath",
    "local",
    "nfs",
    "csi",
    "iscsi",
    "fc",
    "awsElasticBlockStore",
    "gcePersistentDisk",
    "azureDisk",
    "azureFile",
    "cephfs",
    "cinder",
    "flexVolume",
    "flocker",
    "glusterfs",
    "photonPersistentDisk",
    "portworxVolume",
    "quobyte",
    "rbd",
    "scaleIO",
    "storageos",
    "vsphereVolume",
)
VOLUME_MODE = Column(
    "VolumeMode",
    priority=1,
    description="volumeMode defines if a volume is intended to be used with a formatted filesystem or to "
    "remain in raw block state.",
)


def access_modes(spec: dict) -> str:
    return ",".join(ACCESS_MODE_SHORT.get(mode, mode) for mode in spec.get("accessModes") or [])


def _phase_cell(obj: dict) -> str:
    """STATUS as kubectl prints it: Terminating once deletion has begun (a protection finalizer holds it)."""
    if (obj.get("metadata") or {}).get("deletionTimestamp"):
        return "Terminating"
    return printing.status(obj).get("phase", "")


def _check_modes(spec: dict, errors: FieldErrors) -> None:
    modes = spec.get("accessModes") or []
    if not modes:
        errors.required("spec.accessModes")
    for index, mode in enumerate(modes):
        if mode not in ACCESS_MODES:
            errors.not_supported(f"spec.accessModes[{index}]", mode, ACCESS_MODES)
    if "ReadWriteOncePod" in modes and len(modes) > 1:
        errors.forbidden("spec.accessModes", "may not use ReadWriteOncePod with other access modes")
    if spec.get("volumeMode") is not None and spec["volumeMode"] not in VOLUME_MODES:
        errors.not_supported("spec.volumeMode", spec["volumeMode"], VOLUME_MODES)


def _check_storage(values: dict | None, path: str, errors: FieldErrors) -> None:
    storage = (values or {}).get("storage")
    if storage is None:
        errors.required(f"{path}[storage]")
    elif parse_quantity(storage) <= 0:
        errors.invalid(f"{path}[storage]", storage, "must be greater than zero")


class PersistentVolumeStrategy(Strategy):
    columns = (
        NAME,
        Column(
            "Capacity", description="capacity is the description of the persistent volume's resources and capacity."
        ),
        Column("Access Modes", description="accessModes contains all ways the volume can be mounted."),
        Column(
            "Reclaim Policy",
            description="persistentVolumeReclaimPolicy defines what happens to a persistent volume when "
            "released from its claim.",
        ),
        Column(
            "Status", description="phase indicates if a volume is available, bound to a claim, or released by a claim."
        ),
        Column(
            "Claim",
            description="claimRef is part of a bi-directional binding between PersistentVolume and "
            "PersistentVolumeClaim.",
        ),
        Column(
            "StorageClass",
            description="storageClassName is the name of StorageClass to which this persistent volume belongs.",
        ),
        Column(
            "VolumeAttributesClass",
            description="Name of VolumeAttributesClass to which this persistent volume belongs.",
        ),
        Column(
            "Reason",
            description="reason is a brief CamelCase string that describes any failure and is meant for "
            "machine parsing and tidy display in the CLI.",
        ),
        AGE,
        VOLUME_MODE,
    )

    def initial_status(self, obj: dict) -> dict:
        return {"phase": "Pending"}

    def default(self, obj: dict) -> None:
        spec = obj.setdefault("spec", {})
        spec.setdefault("persistentVolumeReclaimPolicy", "Retain")
        spec.setdefault("volumeMode", "Filesystem")

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        spec = printing.spec(obj)
        _check_modes(spec, errors)
        _check_storage(spec.get("capacity"), "spec.capacity", errors)
        policy = spec.get("persistentVolumeReclaimPolicy")
        if policy not in RECLAIM_POLICIES:
            errors.not_supported("spec.persistentVolumeReclaimPolicy", policy, RECLAIM_POLICIES)
        elif policy == "Recycle":
            errors.forbidden("spec.persistentVolumeReclaimPolicy", RECYCLE_DEPRECATED)
        if spec.get("local") and not (spec.get("nodeAffinity") or {}).get("required"):
            errors.required("spec.nodeAffinity", "Local volume requires node affinity")
        sources = [source for source in PV_SOURCES if spec.get(source)]
        if not sources:
            errors.required("spec")
        elif len(sources) > 1:
            errors.forbidden(f"spec.{sources[1]}", "may not specify more than 1 volume type")

    def cells(self, obj: dict) -> list:
        spec, status = printing.spec(obj), printing.status(obj)
        claim = spec.get("claimRef") or {}
        claim_text = f"{claim.get('namespace')}/{claim.get('name')}" if claim.get("name") else ""
        return [
            printing.name(obj),
            (spec.get("capacity") or {}).get("storage", ""),
            access_modes(spec),
            spec.get("persistentVolumeReclaimPolicy", ""),
            _phase_cell(obj),
            claim_text,
            spec.get("storageClassName", ""),
            spec.get("volumeAttributesClassName") or printing.UNSET,
            status.get("reason", ""),
            printing.age(obj),
            spec.get("volumeMode") or "Filesystem",
        ]


class PersistentVolumeClaimStrategy(Strategy):
    columns = (
        NAME,
        Column("Status", description="phase represents the current phase of PersistentVolumeClaim."),
        Column("Volume", description="volumeName is the binding reference to the PersistentVolume backing this claim."),
        Column("Capacity", description="capacity represents the actual resources of the underlying volume."),
        Column("Access Modes", description="accessModes contains the desired access modes the volume should have."),
        Column("StorageClass", description="storageClassName is the name of the StorageClass required by the claim."),
        Column(
            "VolumeAttributesClass",
            description="volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.",
        ),
        AGE,
        VOLUME_MODE,
    )

    def initial_status(self, obj: dict) -> dict:
        return {"phase": "Pending"}

    def default(self, obj: dict) -> None:
        obj.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        spec = printing.spec(obj)
        _check_modes(spec, errors)
        _check_storage((spec.get("resources") or {}).get("requests"), "spec.resources.requests", errors)

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        old_spec, new_spec = dict(printing.spec(old)), dict(printing.spec(new))
        bound = printing.status(old).get("phase") == "Bound"
        if requested_bytes(new) != requested_bytes(old):
            capacity = storage_bytes(printing.status(old).get("capacity"))
            if bound and requested_bytes(new) < capacity:
                errors.forbidden("spec.resources.requests.storage", "field can not be less than status.capacity")
        for spec in (old_spec, new_spec):
            if bound:
                spec.pop("resources", None)
            spec.pop("volumeAttributesClassName", None)
        if not old_spec.get("volumeName"):
            new_spec.pop("volumeName", None)
            old_spec.pop("volumeName", None)
        if old_spec != new_spec:
            errors.forbidden(
                "spec",
                "spec is immutable after creation except resources.requests and volumeAttributesClassName for "
                "bound claims",
            )

    def cells(self, obj: dict) -> list:
        spec, status = printing.spec(obj), printing.status(obj)
        return [
            printing.name(obj),
            _phase_cell(obj),
            spec.get("volumeName", ""),
            (status.get("capacity") or {}).get("storage", ""),
            access_modes(status) if status.get("accessModes") else "",
            spec.get("storageClassName", ""),
            spec.get("volumeAttributesClassName") or printing.UNSET,
            printing.age(obj),
            spec.get("volumeMode") or "Filesystem",
        ]
