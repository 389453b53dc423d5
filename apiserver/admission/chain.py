"""The admission plugins in the order they run."""

from __future__ import annotations

from apiserver.admission import AdmissionPlugin
from apiserver.admission.namespace_lifecycle import NamespaceLifecycle
from apiserver.admission.priority import Priority
from apiserver.admission.rbac_escalation import RBACEscalation
from apiserver.admission.service_account import ServiceAccountDefault
from apiserver.admission.service_ips import ServiceIPs
from apiserver.admission.storage_classes import DefaultStorageClass, PersistentVolumeClaimResize
from apiserver.admission.storage_protection import StorageObjectInUseProtection
from apiserver.crds.admission import CustomResourceTerminating


def default_plugins() -> list[AdmissionPlugin]:
    return [
        NamespaceLifecycle(),
        ServiceAccountDefault(),
        Priority(),
        ServiceIPs(),
        DefaultStorageClass(),
        StorageObjectInUseProtection(),
        PersistentVolumeClaimResize(),
        CustomResourceTerminating(),
        RBACEscalation(),
    ]
