"""The one list of kinds kubemini serves.

Each `ResourceType` record drives the apiserver's routes, its etcd keys,
discovery, OpenAPI and the client's URLs; its `strategy` carries the kind's
rules (defaults, validation, update rules, field selectors, table columns).
A record + a strategy = a kind: CustomResourceDefinitions add both at run time
(`register` / `unregister`). Nothing else lists kinds.

A kind served in two versions (autoscaling/v1 and v2 HorizontalPodAutoscaler,
core and events.k8s.io Events) has one record per version sharing one
`storage` resource; the record with `stored=True` holds the shape written to
etcd and the other converts through its strategy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kubemini.api.kinds import (
    apiregistration,
    apps,
    autoscaling,
    batch,
    certificates,
    coordination,
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
from kubemini.api.kinds.strategy import Strategy

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
READ_VERBS = ("get", "list")


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    singular: str = field(default="")
    storage: str = ""  # the etcd resource name, when it differs from `plural`
    stored: bool = True  # this version's shape is the one in etcd
    virtual: str = ""  # served by a handler of this name, never stored (bindings, componentstatuses)
    list_kind_name: str = ""  # a CRD's spec.names.listKind, when it is not `<Kind>List`
    served: bool = True  # False: a CRD's storage version that is not served (kept for storage only)
    strategy: Strategy = field(default_factory=Strategy, compare=False, hash=False, repr=False)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version(self) -> str:
        return self.api_version

    @property
    def singular_name(self) -> str:
        return self.singular or self.kind.lower()

    @property
    def list_kind(self) -> str:
        return self.list_kind_name or f"{self.kind}List"

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources

    @property
    def storage_resource(self) -> str:
        return self.storage or self.plural

    @property
    def base_path(self) -> str:
        """URL prefix of the group-version: `/api/v1` or `/apis/apps/v1`."""
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"

    def collection_path(self, namespace: str | None = None) -> str:
        if self.namespaced and namespace:
            return f"{self.base_path}/namespaces/{namespace}/{self.plural}"
        return f"{self.base_path}/{self.plural}"

    def object_path(self, name: str, namespace: str | None = None, subresource: str = "") -> str:
        path = f"{self.collection_path(namespace)}/{name}"
        return f"{path}/{subresource}" if subresource else path

    def storage_prefix(self, namespace: str | None = None) -> str:
        """etcd key prefix; ends with '/' so `pods/default` never matches `pods/default2`."""
        if self.namespaced and namespace:
            return f"/registry/{self.storage_resource}/{namespace}/"
        return f"/registry/{self.storage_resource}/"

    def storage_key(self, name: str, namespace: str | None = None) -> str:
        if self.namespaced:
            return f"/registry/{self.storage_resource}/{namespace}/{name}"
        return f"/registry/{self.storage_resource}/{name}"


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

_custom: list[ResourceType] = []  # registered at run time (CRDs), served or storage-only
_served: tuple[ResourceType, ...] = RESOURCES
_by_group_plural: dict[tuple[str, str, str], ResourceType] = {}
_by_kind: dict[tuple[str, str], ResourceType] = {}


def version_priority(version: str) -> tuple:
    """Kubernetes' version order: GA before beta before alpha, higher numbers first, others last by name."""
    match = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not match:
        return (3, 0, 0, version)
    major, level, minor = int(match[1]), match[2], int(match[3] or 0)
    return ({None: 0, "beta": 1, "alpha": 2}[level], -major, -minor, "")


def _reindex() -> None:
    global _served
    custom = sorted((r for r in _custom if r.served), key=lambda r: (r.group, version_priority(r.version)))
    _served = RESOURCES + tuple(custom)
    _by_group_plural.clear()
    _by_kind.clear()
    for record in _served:
        _by_group_plural.setdefault((record.group, record.version, record.plural), record)
        _by_kind.setdefault((record.api_version, record.kind), record)


def all_resources() -> tuple[ResourceType, ...]:
    """Built-in kinds, then the custom resources registered at run time (a group's preferred version first)."""
    return _served


def register(record: ResourceType) -> None:
    if record in _custom:
        return
    _custom.append(record)
    _reindex()


def unregister(record: ResourceType) -> None:
    if record in _custom:
        _custom.remove(record)
        _reindex()


def custom_resources() -> tuple[ResourceType, ...]:
    """Every record registered at run time, storage-only ones included."""
    return tuple(_custom)


def lookup(group: str, version: str, plural: str) -> ResourceType | None:
    return _by_group_plural.get((group, version, plural))


def lookup_kind(api_version: str, kind: str) -> ResourceType | None:
    return _by_kind.get((api_version, kind))


def by_kind(kind: str) -> ResourceType:
    """The record for a built-in kind name (core group first); for code that names kinds statically."""
    for record in RESOURCES:
        if record.kind == kind and record.stored:
            return record
    raise KeyError(kind)


def stored_resources() -> tuple[ResourceType, ...]:
    """One served record per stored resource (its stored version when served), for code that walks every
    kind of object: the garbage collector, the namespace controller. Answered-only resources are left out."""
    chosen: dict[str, ResourceType] = {}
    for record in all_resources():
        if record.virtual or "watch" not in record.verbs:
            continue
        if record.stored or record.storage_resource not in chosen:
            if record.stored or not any(r.stored and r.served for r in _same_storage(record)):
                chosen[record.storage_resource] = record
    return tuple(chosen.values())


def _same_storage(record: ResourceType) -> list[ResourceType]:
    return [r for r in RESOURCES + tuple(_custom) if r.storage_resource == record.storage_resource]


def stored_version(record: ResourceType) -> ResourceType:
    """The record whose shape is written to etcd for `record`'s storage resource."""
    for candidate in RESOURCES + tuple(_custom):
        if candidate.storage_resource == record.storage_resource and candidate.stored:
            return candidate
    return record


def group_versions() -> list[tuple[str, str]]:
    """(group, version) pairs in a stable order, core first; a group's preferred version first."""
    seen: list[tuple[str, str]] = []
    for record in all_resources():
        pair = (record.group, record.version)
        if pair not in seen:
            seen.append(pair)
    return seen


_reindex()
