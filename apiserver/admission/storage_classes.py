"""DefaultStorageClass and PersistentVolumeClaimResize: a claim's class filled in, its growth allowed or not.

    PVC create without spec.storageClassName (absent, not "") ──► the default StorageClass's name
        (the newest class annotated storageclass.kubernetes.io/is-default-class: "true"); no default ──► left unset
    PVC update asking for more storage ──► bound, and its class has allowVolumeExpansion: true? else 403
        with kube-apiserver's message

Like kube-apiserver's plugins of the same names (plugin/pkg/admission/storage/...).
"""

from __future__ import annotations

from apiserver.admission import UPDATE, AdmissionPlugin, Attributes
from apiserver.errors import ApiError
from kubemini.api import registry
from kubemini.api.persistent_volumes import BETA_CLASS_ANNOTATION, claim_class, default_class, requested_bytes

STORAGE_CLASSES = registry.by_kind("StorageClass")
RESIZE_REFUSED = (
    "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize"
)


class DefaultStorageClass(AdmissionPlugin):
    name = "DefaultStorageClass"

    def handles(self, attrs: Attributes) -> bool:
        return attrs.creates("", "PersistentVolumeClaim")

    async def mutate(self, ctx, attrs: Attributes) -> None:
        spec = attrs.obj.setdefault("spec", {})
        annotations = (attrs.obj.get("metadata") or {}).get("annotations") or {}
        if spec.get("storageClassName") is not None or BETA_CLASS_ANNOTATION in annotations:
            return
        found = default_class(await ctx.current_objects(STORAGE_CLASSES))
        if found is not None:
            spec["storageClassName"] = found["metadata"]["name"]


class PersistentVolumeClaimResize(AdmissionPlugin):
    name = "PersistentVolumeClaimResize"

    def handles(self, attrs: Attributes) -> bool:
        return (
            attrs.operation == UPDATE
            and attrs.record.group == ""
            and attrs.record.kind == "PersistentVolumeClaim"
            and attrs.subresource is None
            and attrs.old is not None
        )

    async def validate(self, ctx, attrs: Attributes) -> None:
        if requested_bytes(attrs.obj) <= requested_bytes(attrs.old):
            return
        if (attrs.old.get("status") or {}).get("phase") != "Bound":
            return  # the strategy refuses it: an unbound claim's spec is immutable
        wanted = claim_class(attrs.old)
        classes = await ctx.current_objects(STORAGE_CLASSES)
        found = next((c for c in classes if c["metadata"]["name"] == wanted), None)
        if found is None or not found.get("allowVolumeExpansion"):
            name = (attrs.obj.get("metadata") or {}).get("name") or ""
            raise ApiError(
                403,
                f'persistentvolumeclaims "{name}" is forbidden: {RESIZE_REFUSED}',
                reason="Forbidden",
                details={"name": name, "kind": "persistentvolumeclaims"},
            )
