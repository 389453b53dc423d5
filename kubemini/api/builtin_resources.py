"""The built-in kinds: one `ResourceType` per served group-version, each with its strategy.

RESOURCES ──► registry.py (lookups, discovery order) ──► routes, etcd keys, OpenAPI, client URLs
"""

from __future__ import annotations

from kubemini.api.kinds import (
    apiregistration,
    apps,
    autoscaling,
    batch,
    certificates,
    coordination,
    metrics,
    networking,
    node_runtime,
    policy,
    rbac,
    scheduling,
    storage,
)
from kubemini.api.kinds.apiextensions.crd import CustomResourceDefinitionStrategy
from kubemini.api.kinds.core import config, controllers, events, namespaces, nodes, pods, quotas, services, volumes
from kubemini.api.kinds.core import read_only as core_read_only
from kubemini.api.resource_type import READ_VERBS, ResourceType


def _r(group, version, kind, plural, namespaced, strategy, *, short=(), sub=(), cat=(), **extra) -> ResourceType:
    return ResourceType(
        group, version, kind, plural, namespaced, tuple(short), tuple(sub), tuple(cat), strategy=strategy, **extra
    )


ALL = ("all",)
RESOURCES: tuple[ResourceType, ...] = (
    # core/v1
    _r(
        "",
        "v1",
        "Namespace",
        "namespaces",
        False,
        namespaces.NamespaceStrategy(),
        short=["ns"],
        sub=["status", "finalize"],
    ),
    _r("", "v1", "Node", "nodes", False, nodes.NodeStrategy(), short=["no"], sub=["status", "proxy"]),
    _r(
        "",
        "v1",
        "Pod",
        "pods",
        True,
        pods.PodStrategy(),
        short=["po"],
        cat=ALL,
        sub=["status", "binding", "log", "eviction", "exec", "attach", "portforward", "proxy", "ephemeralcontainers"],
    ),
    _r(
        "",
        "v1",
        "Service",
        "services",
        True,
        services.ServiceStrategy(),
        short=["svc"],
        sub=["status", "proxy"],
        cat=ALL,
    ),
    _r("", "v1", "Endpoints", "endpoints", True, services.EndpointsStrategy(), short=["ep"], singular="endpoints"),
    _r("", "v1", "ConfigMap", "configmaps", True, config.ConfigMapStrategy(), short=["cm"]),
    _r("", "v1", "Secret", "secrets", True, config.SecretStrategy()),
    _r("", "v1", "Event", "events", True, events.EventStrategy(), short=["ev"]),
    _r(
        "",
        "v1",
        "ServiceAccount",
        "serviceaccounts",
        True,
        config.ServiceAccountStrategy(),
        short=["sa"],
        sub=["token"],
    ),  # fmt: skip
    _r(
        "",
        "v1",
        "ReplicationController",
        "replicationcontrollers",
        True,
        controllers.ReplicationControllerStrategy(),
        short=["rc"],
        sub=["status", "scale"],
        cat=ALL,
    ),
    _r("", "v1", "PodTemplate", "podtemplates", True, controllers.PodTemplateStrategy()),
    _r(
        "",
        "v1",
        "ResourceQuota",
        "resourcequotas",
        True,
        quotas.ResourceQuotaStrategy(),
        short=["quota"],
        sub=["status"],
    ),
    _r("", "v1", "LimitRange", "limitranges", True, quotas.LimitRangeStrategy(), short=["limits"]),
    _r(
        "",
        "v1",
        "PersistentVolume",
        "persistentvolumes",
        False,
        volumes.PersistentVolumeStrategy(),
        short=["pv"],
        sub=["status"],
    ),
    _r(
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        True,
        volumes.PersistentVolumeClaimStrategy(),
        short=["pvc"],
        sub=["status"],
    ),
    _r("", "v1", "Binding", "bindings", True, core_read_only.BindingStrategy(), verbs=("create",), virtual="binding"),
    _r(
        "",
        "v1",
        "ComponentStatus",
        "componentstatuses",
        False,
        core_read_only.ComponentStatusStrategy(),
        short=["cs"],
        verbs=READ_VERBS,
        virtual="componentstatus",
    ),
    # apps/v1
    _r(
        "apps",
        "v1",
        "Deployment",
        "deployments",
        True,
        apps.DeploymentStrategy(),
        short=["deploy"],
        sub=["status", "scale"],
        cat=ALL,
    ),
    _r(
        "apps",
        "v1",
        "ReplicaSet",
        "replicasets",
        True,
        apps.ReplicaSetStrategy(),
        short=["rs"],
        sub=["status", "scale"],
        cat=ALL,
    ),
    _r("apps", "v1", "DaemonSet", "daemonsets", True, apps.DaemonSetStrategy(), short=["ds"], sub=["status"], cat=ALL),
    _r(
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        True,
        apps.StatefulSetStrategy(),
        short=["sts"],
        sub=["status", "scale"],
        cat=ALL,
    ),
    _r("apps", "v1", "ControllerRevision", "controllerrevisions", True, apps.ControllerRevisionStrategy()),
    # batch/v1
    _r("batch", "v1", "Job", "jobs", True, batch.JobStrategy(), sub=["status"], cat=ALL),
    _r("batch", "v1", "CronJob", "cronjobs", True, batch.CronJobStrategy(), short=["cj"], sub=["status"], cat=ALL),
    # autoscaling: v2 is stored and preferred, v1 is converted
    _r(
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        True,
        autoscaling.HorizontalPodAutoscalerStrategy(),
        short=["hpa"],
        sub=["status"],
        cat=ALL,
    ),
    _r(
        "autoscaling",
        "v1",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        True,
        autoscaling.HorizontalPodAutoscalerV1Strategy(),
        short=["hpa"],
        sub=["status"],
        cat=ALL,
        stored=False,
    ),
    # policy/v1
    _r(
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        True,
        policy.PodDisruptionBudgetStrategy(),
        short=["pdb"],
        sub=["status"],
    ),
    # networking.k8s.io/v1
    _r(
        "networking.k8s.io",
        "v1",
        "Ingress",
        "ingresses",
        True,
        networking.IngressStrategy(),
        short=["ing"],
        sub=["status"],
    ),
    _r("networking.k8s.io", "v1", "IngressClass", "ingressclasses", False, networking.IngressClassStrategy()),
    _r(
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        True,
        networking.NetworkPolicyStrategy(),
        short=["netpol"],
    ),
    # discovery.k8s.io/v1
    _r("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", True, networking.EndpointSliceStrategy()),
    # rbac.authorization.k8s.io/v1
    _r("rbac.authorization.k8s.io", "v1", "Role", "roles", True, rbac.RoleStrategy()),
    _r("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False, rbac.ClusterRoleStrategy()),
    _r("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True, rbac.RoleBindingStrategy()),
    _r(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        False,
        rbac.ClusterRoleBindingStrategy(),
    ),
    # scheduling.k8s.io/v1
    _r(
        "scheduling.k8s.io",
        "v1",
        "PriorityClass",
        "priorityclasses",
        False,
        scheduling.PriorityClassStrategy(),
        short=["pc"],
    ),
    # storage.k8s.io/v1
    _r("storage.k8s.io", "v1", "StorageClass", "storageclasses", False, storage.StorageClassStrategy(), short=["sc"]),
    _r("storage.k8s.io", "v1", "CSIDriver", "csidrivers", False, storage.CSIDriverStrategy()),
    _r("storage.k8s.io", "v1", "CSINode", "csinodes", False, storage.CSINodeStrategy()),
    _r(
        "storage.k8s.io", "v1", "CSIStorageCapacity", "csistoragecapacities", True, storage.CSIStorageCapacityStrategy()
    ),
    _r(
        "storage.k8s.io",
        "v1",
        "VolumeAttachment",
        "volumeattachments",
        False,
        storage.VolumeAttachmentStrategy(),
        sub=["status"],
    ),
    # events.k8s.io/v1: the same objects as core/v1 Events, another view
    _r("events.k8s.io", "v1", "Event", "events", True, events.EventsV1Strategy(), short=["ev"], stored=False),
    # certificates.k8s.io/v1
    _r(
        "certificates.k8s.io",
        "v1",
        "CertificateSigningRequest",
        "certificatesigningrequests",
        False,
        certificates.CertificateSigningRequestStrategy(),
        short=["csr"],
        sub=["status", "approval"],
    ),
    # node.k8s.io/v1
    _r("node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", False, node_runtime.RuntimeClassStrategy()),
    # apiregistration.k8s.io/v1
    _r(
        "apiregistration.k8s.io",
        "v1",
        "APIService",
        "apiservices",
        False,
        apiregistration.APIServiceStrategy(),
        sub=["status"],
        cat=("api-extensions",),
    ),
    # metrics.k8s.io/v1beta1: served by the metrics component through the aggregation layer (never stored)
    _r(
        "metrics.k8s.io",
        "v1beta1",
        "NodeMetrics",
        "nodes",
        False,
        metrics.NodeMetricsStrategy(),
        verbs=READ_VERBS,
        virtual="aggregated",
    ),
    _r(
        "metrics.k8s.io",
        "v1beta1",
        "PodMetrics",
        "pods",
        True,
        metrics.PodMetricsStrategy(),
        verbs=READ_VERBS,
        virtual="aggregated",
    ),
    # coordination.k8s.io/v1
    _r("coordination.k8s.io", "v1", "Lease", "leases", True, coordination.LeaseStrategy()),
    # apiextensions.k8s.io/v1
    _r(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        False,
        CustomResourceDefinitionStrategy(),
        short=["crd", "crds"],
        sub=["status"],
        cat=("api-extensions",),
    ),
)
