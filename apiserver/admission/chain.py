"""The admission plugins in the order they run (kube-apiserver's AllOrderedPlugins, for those we have).

Every plugin's mutate runs in this order, then every plugin's validate in this order; ResourceQuota
comes last so it charges only what everything else admitted. ServiceIPs (kube-apiserver does this in
the Service REST storage) and CustomResourceTerminating are this server's own.
"""

from __future__ import annotations

from apiserver.admission import AdmissionPlugin
from apiserver.admission.certificate_requester import CertificateRequester
from apiserver.admission.default_tolerations import DefaultTolerationSeconds
from apiserver.admission.limit_ranger import LimitRanger
from apiserver.admission.namespace_lifecycle import NamespaceLifecycle
from apiserver.admission.node_restriction import NodeRestriction
from apiserver.admission.options import AdmissionOptions
from apiserver.admission.pod_security.plugin import PodSecurity
from apiserver.admission.priority import Priority
from apiserver.admission.rbac_escalation import RBACEscalation
from apiserver.admission.resource_quota import ResourceQuota
from apiserver.admission.service_account import ServiceAccountDefault
from apiserver.admission.service_ips import ServiceIPs
from apiserver.admission.storage_classes import DefaultStorageClass, PersistentVolumeClaimResize
from apiserver.admission.storage_protection import StorageObjectInUseProtection
from apiserver.crds.admission import CustomResourceTerminating


def default_plugins(options: AdmissionOptions | None = None) -> list[AdmissionPlugin]:
    options = options or AdmissionOptions()
    return [
        CertificateRequester(),  # kube-apiserver does this in the CSR strategy, before any plugin
        NamespaceLifecycle(),
        LimitRanger(),
        ServiceAccountDefault(),
        NodeRestriction(),
        PodSecurity(options.pod_security),
        Priority(),
        DefaultTolerationSeconds(
            not_ready_seconds=options.not_ready_toleration_seconds,
            unreachable_seconds=options.unreachable_toleration_seconds,
        ),
        ServiceIPs(),
        DefaultStorageClass(),
        StorageObjectInUseProtection(),
        PersistentVolumeClaimResize(),
        CustomResourceTerminating(),
        RBACEscalation(),
        ResourceQuota(),
    ]
