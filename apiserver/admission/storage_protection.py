"""StorageObjectInUseProtection: every new claim and volume carries its protection finalizer.

    PVC create ──► finalizer kubernetes.io/pvc-protection   (pvc-protection removes it once no pod uses it)
    PV create  ──► finalizer kubernetes.io/pv-protection    (pv-protection removes it once it is not Bound)

So deleting a claim a pod still mounts only marks it (deletionTimestamp), as in Kubernetes.
"""

from __future__ import annotations

from apiserver.admission import AdmissionPlugin, Attributes
from kubemini.api.persistent_volumes import PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER

FINALIZERS = {"PersistentVolumeClaim": PVC_PROTECTION_FINALIZER, "PersistentVolume": PV_PROTECTION_FINALIZER}


class StorageObjectInUseProtection(AdmissionPlugin):
    name = "StorageObjectInUseProtection"

    def handles(self, attrs: Attributes) -> bool:
        return any(attrs.creates("", kind) for kind in FINALIZERS)

    async def mutate(self, ctx, attrs: Attributes) -> None:
        finalizer = FINALIZERS[attrs.record.kind]
        finalizers = attrs.obj.setdefault("metadata", {}).setdefault("finalizers", [])
        if finalizer not in finalizers:
            finalizers.append(finalizer)
