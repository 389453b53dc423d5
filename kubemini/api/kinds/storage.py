"""storage.k8s.io/v1: StorageClasses, CSIDrivers, CSINodes, CSIStorageCapacities, VolumeAttachments."""

from __future__ import annotations

from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.strategy import AGE, NAME, Column, Strategy
from kubemini.api.persistent_volumes import is_default_class
from kubemini.api.validation.common import check_immutable, check_one_of

RECLAIM_POLICIES = ("Delete", "Retain")
BINDING_MODES = ("Immediate", "WaitForFirstConsumer")
FS_GROUP_POLICIES = ("ReadWriteOnceWithFSType", "File", "None")
LIFECYCLE_MODES = ("Persistent", "Ephemeral")


class StorageClassStrategy(Strategy):
    columns = (
        NAME,
        Column("Provisioner", description="provisioner indicates the type of the provisioner."),
        Column(
            "ReclaimPolicy",
            description="reclaimPolicy controls the reclaimPolicy for dynamically provisioned "
            "PersistentVolumes of this storage class.",
        ),
        Column(
            "VolumeBindingMode",
            description="volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.",
        ),
        Column(
            "AllowVolumeExpansion",
            description="allowVolumeExpansion shows whether the storage class allow volume expand.",
        ),
        AGE,
    )

    def default(self, obj: dict) -> None:
        obj.setdefault("reclaimPolicy", "Delete")
        obj.setdefault("volumeBindingMode", "Immediate")

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        if not obj.get("provisioner"):
            errors.required("provisioner")
        check_one_of(obj.get("reclaimPolicy"), "reclaimPolicy", RECLAIM_POLICIES, errors)
        check_one_of(obj.get("volumeBindingMode"), "volumeBindingMode", BINDING_MODES, errors)

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        for key in ("provisioner", "parameters", "reclaimPolicy", "volumeBindingMode"):
            check_immutable(new.get(key), old.get(key), key, errors)

    def generation_changed(self, new: dict, old: dict) -> bool:
        return False

    def cells(self, obj: dict) -> list:
        name = printing.name(obj) + (" (default)" if is_default_class(obj) else "")
        return [
            name,
            obj.get("provisioner", ""),
            obj.get("reclaimPolicy", "Delete"),
            obj.get("volumeBindingMode", "Immediate"),
            bool(obj.get("allowVolumeExpansion", False)),
            printing.age(obj),
        ]


class CSIDriverStrategy(Strategy):
    columns = (
        NAME,
        Column(
            "AttachRequired",
            type="boolean",
            description="Indicates this CSI volume driver requires an attach operation, and that Kubernetes "
            "should call attach and wait for any attach operation to complete before proceeding to "
            "mount.",
        ),
        Column(
            "PodInfoOnMount",
            type="boolean",
            description="Indicates this CSI volume driver requires additional pod information (like podName, "
            "podUID, etc.) during mount operations.",
        ),
        Column(
            "StorageCapacity",
            type="boolean",
            description="Indicates this CSI volume driver supports storage capacity tracking.",
        ),
        Column(
            "TokenRequests", description="Indicates the audiences of the service account tokens for the CSI driver."
        ),
        Column(
            "RequiresRepublish",
            type="boolean",
            description="Indicates the CSI driver wants NodePublishVolume being periodically called.",
        ),
        Column("Modes", description="Indicates volume lifecycle modes supported by this CSI driver."),
        AGE,
    )

    def default(self, obj: dict) -> None:
        spec = obj.setdefault("spec", {})
        spec.setdefault("attachRequired", True)
        spec.setdefault("podInfoOnMount", False)
        spec.setdefault("storageCapacity", False)
        spec.setdefault("fsGroupPolicy", "ReadWriteOnceWithFSType")
        spec.setdefault("requiresRepublish", False)
        spec.setdefault("seLinuxMount", False)
        if not spec.get("volumeLifecycleModes"):
            spec["volumeLifecycleModes"] = ["Persistent"]

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        spec = printing.spec(obj)
        check_one_of(spec.get("fsGroupPolicy"), "spec.fsGroupPolicy", FS_GROUP_POLICIES, errors)
        for index, mode in enumerate(spec.get("volumeLifecycleModes") or []):
            check_one_of(mode, f"spec.volumeLifecycleModes[{index}]", LIFECYCLE_MODES, errors)

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        for key in ("attachRequired", "volumeLifecycleModes"):
            check_immutable(printing.spec(new).get(key), printing.spec(old).get(key), f"spec.{key}", errors)

    def cells(self, obj: dict) -> list:
        spec = printing.spec(obj)
        tokens = spec.get("tokenRequests")
        return [
            printing.name(obj),
            spec.get("attachRequired", True),
            spec.get("podInfoOnMount", False),
            spec.get("storageCapacity", False),
            printing.UNSET if tokens is None else ",".join(t.get("audience", "") for t in tokens),
            spec.get("requiresRepublish", False),
            ",".join(spec.get("volumeLifecycleModes") or []) or printing.NONE,
            printing.age(obj),
        ]


class CSINodeStrategy(Strategy):
    columns = (
        NAME,
        Column(
            "Drivers", type="integer", description="Drivers indicates the number of CSI drivers registered on the node"
        ),
        AGE,
    )

    def cells(self, obj: dict) -> list:
        return [printing.name(obj), len(printing.spec(obj).get("drivers") or []), printing.age(obj)]


class CSIStorageCapacityStrategy(Strategy):
    columns = (
        NAME,
        Column(
            "StorageClassName",
            description="StorageClassName represents the name of the StorageClass that the reported capacity "
            "applies to.",
        ),
        Column("Capacity", description="Capacity is the value reported by the CSI driver in its GetCapacityResponse."),
    )

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        if not obj.get("storageClassName"):
            errors.required("storageClassName")

    def cells(self, obj: dict) -> list:
        return [printing.name(obj), obj.get("storageClassName", ""), obj.get("capacity") or printing.UNSET]


class VolumeAttachmentStrategy(Strategy):
    columns = (
        NAME,
        Column(
            "Attacher",
            format="name",
            description="Attacher indicates the name of the volume driver that MUST handle this request.",
        ),
        Column("PV", description="Name of the persistent volume to attach."),
        Column("Node", description="The node that the volume should be attached to."),
        Column("Attached", type="boolean", description="Indicates the volume is successfully attached."),
        AGE,
    )

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        spec = printing.spec(obj)
        for key in ("attacher", "nodeName"):
            if not spec.get(key):
                errors.required(f"spec.{key}")
        if not spec.get("source"):
            errors.required("spec.source")

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        check_immutable(printing.spec(new), printing.spec(old), "spec", errors)

    def cells(self, obj: dict) -> list:
        spec = printing.spec(obj)
        return [
            printing.name(obj),
            spec.get("attacher", ""),
            (spec.get("source") or {}).get("persistentVolumeName", ""),
            spec.get("nodeName", ""),
            bool(printing.status(obj).get("attached", False)),
            printing.age(obj),
        ]
