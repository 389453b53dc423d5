"""The ClusterRoles every cluster starts with (upstream's bootstrappolicy/policy.go, v1.35), plus
kubemini's components: the controller-manager (one identity for every controller), kube-proxy's
DNS and LoadBalancer duties, the ingress controller and metrics-server.

    CLUSTER_ROLES: name → {rules | aggregationRule, labels}; admin/edit/view are aggregated
    (their rules come from the `aggregate-to-*` roles through the clusterrole-aggregation controller)
"""

from __future__ import annotations

READ = ("get", "list", "watch")
WRITE = ("create", "update", "patch", "delete", "deletecollection")
READ_WRITE = READ + WRITE
READ_UPDATE = (*READ, "update", "patch")
AGGREGATE_TO = "rbac.authorization.k8s.io/aggregate-to-"
CORE, APPS, BATCH, AUTOSCALING, POLICY = "", "apps", "batch", "autoscaling", "policy"
EXTENSIONS, NETWORKING, DISCOVERY = "extensions", "networking.k8s.io", "discovery.k8s.io"
AUTHENTICATION, AUTHORIZATION, CERTIFICATES = "authentication.k8s.io", "authorization.k8s.io", "certificates.k8s.io"
COORDINATION, STORAGE, RBAC = "coordination.k8s.io", "storage.k8s.io", "rbac.authorization.k8s.io"


def rule(verbs, groups, *resources: str, names=()) -> dict:
    found = {"verbs": list(verbs), "apiGroups": list(groups), "resources": list(resources)}
    if names:
        found["resourceNames"] = list(names)
    return found


def urls(verbs, *paths: str) -> dict:
    return {"verbs": list(verbs), "nonResourceURLs": list(paths)}


def events_rule() -> dict:
    return rule(("create", "update", "patch"), (CORE, "events.k8s.io"), "events")


def aggregated(*targets: str) -> dict:
    return {"clusterRoleSelectors": [{"matchLabels": {f"{AGGREGATE_TO}{target}": "true"}} for target in targets]}


def _labels(*targets: str) -> dict:
    return {f"{AGGREGATE_TO}{target}": "true" for target in targets}


AGGREGATE_TO_VIEW = [
    rule(READ, (CORE,), "pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts",
         "services", "services/status", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status",
         "configmaps"),
    rule(READ, (CORE,), "limitranges", "resourcequotas", "bindings", "events", "pods/status",
         "resourcequotas/status", "namespaces/status", "replicationcontrollers/status", "pods/log"),
    rule(READ, (CORE,), "namespaces"),
    rule(READ, (DISCOVERY,), "endpointslices"),
    rule(READ, (APPS,), "controllerrevisions", "statefulsets", "statefulsets/status", "statefulsets/scale",
         "daemonsets", "daemonsets/status", "deployments", "deployments/status", "deployments/scale",
         "replicasets", "replicasets/status", "replicasets/scale"),
    rule(READ, (AUTOSCALING,), "horizontalpodautoscalers", "horizontalpodautoscalers/status"),
    rule(READ, (BATCH,), "jobs", "cronjobs", "cronjobs/status", "jobs/status"),
    rule(READ, (EXTENSIONS,), "daemonsets", "daemonsets/status", "deployments", "deployments/scale",
         "deployments/status", "ingresses", "ingresses/status", "replicasets", "replicasets/scale",
         "replicasets/status", "replicationcontrollers/scale", "networkpolicies"),
    rule(READ, (POLICY,), "poddisruptionbudgets", "poddisruptionbudgets/status"),
    rule(READ, (NETWORKING,), "networkpolicies", "ingresses", "ingresses/status"),
]  # fmt: skip

AGGREGATE_TO_EDIT = [
    rule(READ, (CORE,), "pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets", "services/proxy"),
    rule(("impersonate",), (CORE,), "serviceaccounts"),
    rule(WRITE, (CORE,), "pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"),
    rule(("create",), (CORE,), "pods/eviction"),
    rule(WRITE, (CORE,), "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services",
         "services/proxy", "persistentvolumeclaims", "configmaps", "secrets", "events"),
    rule(("create",), (CORE,), "serviceaccounts/token"),
    rule(WRITE, (APPS,), "statefulsets", "statefulsets/scale", "daemonsets", "deployments", "deployments/scale",
         "deployments/rollback", "replicasets", "replicasets/scale"),
    rule(WRITE, (AUTOSCALING,), "horizontalpodautoscalers"),
    rule(WRITE, (BATCH,), "jobs", "cronjobs"),
    rule(WRITE, (EXTENSIONS,), "daemonsets", "deployments", "deployments/scale", "deployments/rollback",
         "ingresses", "replicasets", "replicasets/scale", "replicationcontrollers/scale", "networkpolicies"),
    rule(WRITE, (POLICY,), "poddisruptionbudgets"),
    rule(WRITE, (NETWORKING,), "networkpolicies", "ingresses"),
]  # fmt: skip

AGGREGATE_TO_ADMIN = [
    rule(("create",), (AUTHORIZATION,), "localsubjectaccessreviews"),
    rule(READ_WRITE, (RBAC,), "roles", "rolebindings"),
]

NODE = [  # upstream's NodeRules(); unbound: kubelets are authorized by the Node authorizer
    rule(("create",), (AUTHENTICATION,), "tokenreviews"),
    rule(("create",), (AUTHORIZATION,), "subjectaccessreviews", "localsubjectaccessreviews"),
    rule(READ, (CORE,), "services"),
    rule(("create", "get", "list", "watch"), (CORE,), "nodes"),
    rule(("update", "patch"), (CORE,), "nodes/status"),
    rule(("update", "patch"), (CORE,), "nodes"),
    rule(("create", "update", "patch"), (CORE,), "events"),
    rule(READ, (CORE,), "pods"),
    rule(("create", "delete"), (CORE,), "pods"),
    rule(("update", "patch"), (CORE,), "pods/status"),
    rule(("create",), (CORE,), "pods/eviction"),
    rule(READ, (CORE,), "secrets", "configmaps"),
    rule(("get",), (CORE,), "persistentvolumeclaims", "persistentvolumes"),
    rule(("get",), (CORE,), "endpoints"),
    rule(("create", "get", "list", "watch"), (CERTIFICATES,), "certificatesigningrequests"),
    rule(("get", "create", "update", "patch", "delete"), (COORDINATION,), "leases"),
    rule(("get",), (STORAGE,), "volumeattachments"),
    rule(("create",), (CORE,), "serviceaccounts/token"),
    rule(("get", "update", "patch"), (CORE,), "persistentvolumeclaims/status"),
    rule(("get", "watch", "list"), (STORAGE,), "csidrivers"),
    rule(("get", "create", "update", "patch", "delete"), (STORAGE,), "csinodes"),
    rule(READ, ("node.k8s.io",), "runtimeclasses"),
]

KUBE_SCHEDULER = [
    events_rule(),
    rule(("create",), (COORDINATION,), "leases"),
    rule(("get", "update"), (COORDINATION,), "leases", names=("kube-scheduler",)),
    rule(("create",), (CORE,), "endpoints"),
    rule(("get", "update"), (CORE,), "endpoints", names=("kube-scheduler",)),
    rule(READ, (CORE,), "nodes"),
    rule(("get", "list", "watch", "delete"), (CORE,), "pods"),
    rule(("create",), (CORE,), "pods/binding", "bindings"),
    rule(("patch", "update"), (CORE,), "pods/status"),
    rule(READ, (CORE,), "services", "replicationcontrollers"),
    rule(READ, (APPS, EXTENSIONS), "replicasets"),
    rule(READ, (APPS,), "statefulsets"),
    rule(READ, (POLICY,), "poddisruptionbudgets"),
    rule(READ, (CORE,), "persistentvolumeclaims", "persistentvolumes"),
    rule(("create",), (AUTHENTICATION,), "tokenreviews"),
    rule(("create",), (AUTHORIZATION,), "subjectaccessreviews"),
    rule(READ, (STORAGE,), "csinodes"),
    rule(READ, (CORE,), "namespaces"),
    rule(READ, (STORAGE,), "csidrivers"),
    rule(READ, (STORAGE,), "csistoragecapacities"),
]

VOLUME_SCHEDULER = [
    rule(READ_UPDATE, (CORE,), "persistentvolumes"),
    rule(READ, (STORAGE,), "storageclasses"),
    rule(READ_UPDATE, (CORE,), "persistentvolumeclaims"),
]

SIGNERS = (
    "kubernetes.io/kube-apiserver-client",
    "kubernetes.io/kube-apiserver-client-kubelet",
    "kubernetes.io/kubelet-serving",
    "kubernetes.io/legacy-unknown",
)

# Upstream's kube-controller-manager identity only bootstraps per-controller service accounts;
# kubemini's runs every controller (garbage collector and namespace deletion walk every kind,
# the clusterrole-aggregation controller writes ClusterRoles) under this one identity.
KUBE_CONTROLLER_MANAGER = [
    events_rule(),
    rule(("create",), (COORDINATION,), "leases"),
    rule(("get", "update"), (COORDINATION,), "leases", names=("kube-controller-manager",)),
    rule(("create",), (CORE,), "endpoints"),
    rule(("get", "update"), (CORE,), "endpoints", names=("kube-controller-manager",)),
    rule(READ_WRITE, ("*",), "*"),
    rule(("escalate", "bind"), (RBAC,), "clusterroles", "roles"),
    rule(("create",), (AUTHENTICATION,), "tokenreviews"),
    rule(("create",), (AUTHORIZATION,), "subjectaccessreviews"),
    rule(("create",), (CORE,), "serviceaccounts/token"),
    rule(("update",), (CERTIFICATES,), "certificatesigningrequests/approval", "certificatesigningrequests/status"),
    rule(("approve", "sign"), (CERTIFICATES,), "signers", names=SIGNERS),
]

NODE_PROXIER = [
    rule(("list", "watch"), (CORE,), "services", "endpoints"),
    rule(READ, (CORE,), "nodes"),
    events_rule(),
    rule(("list", "watch"), (DISCOVERY,), "endpointslices"),
]

# kubemini's kube-proxy also answers DNS (it keeps the kube-dns Service) and writes LoadBalancer status.
KUBEMINI_KUBE_PROXY = [
    rule(("get", "create", "update", "patch"), (CORE,), "services"),
    rule(("update", "patch"), (CORE,), "services/status"),
]

INGRESS_CONTROLLER = [
    rule(READ, (NETWORKING,), "ingresses", "ingressclasses"),
    rule(("create",), (NETWORKING,), "ingressclasses"),  # the default class, when there is none
    rule(("update", "patch"), (NETWORKING,), "ingresses/status"),
    rule(READ, (CORE,), "services", "secrets"),
    rule(READ, (DISCOVERY,), "endpointslices"),
    events_rule(),
]

METRICS_SERVER = [
    rule(("get",), (CORE,), "nodes/metrics", "nodes/stats"),
    rule(READ, (CORE,), "pods", "nodes"),
    # kubemini's metrics-server registers itself: its Service, Endpoints and APIService
    rule(("get", "create", "update"), (CORE,), "services", "endpoints"),
    rule(("get", "create", "update"), ("apiregistration.k8s.io",), "apiservices"),
    rule(("update",), ("apiregistration.k8s.io",), "apiservices/status"),
]

AGGREGATED_METRICS_READER = [rule(READ, ("metrics.k8s.io",), "pods", "nodes")]

CLUSTER_ROLES: dict[str, dict] = {
    "cluster-admin": {"rules": [rule(("*",), ("*",), "*"), urls(("*",), "*")]},
    "system:discovery": {
        "rules": [
            urls(
                ("get",),
                "/livez",
                "/readyz",
                "/healthz",
                "/version",
                "/version/",
                "/openapi",
                "/openapi/*",
                "/api",
                "/api/*",
                "/apis",
                "/apis/*",
            )
        ]
    },  # fmt: skip
    "system:monitoring": {
        "rules": [urls(("get",), "/metrics", "/livez", "/readyz", "/healthz", "/livez/*", "/readyz/*", "/healthz/*")]
    },
    "system:basic-user": {
        "rules": [
            rule(("create",), (AUTHORIZATION,), "selfsubjectaccessreviews", "selfsubjectrulesreviews"),
            rule(("create",), (AUTHENTICATION,), "selfsubjectreviews"),
        ]
    },  # fmt: skip
    "system:public-info-viewer": {"rules": [urls(("get",), "/livez", "/readyz", "/healthz", "/version", "/version/")]},
    "admin": {"aggregationRule": aggregated("admin")},
    "edit": {"aggregationRule": aggregated("edit"), "labels": _labels("admin")},
    "view": {"aggregationRule": aggregated("view"), "labels": _labels("edit")},
    "system:aggregate-to-admin": {"rules": AGGREGATE_TO_ADMIN, "labels": _labels("admin")},
    "system:aggregate-to-edit": {"rules": AGGREGATE_TO_EDIT, "labels": _labels("edit")},
    "system:aggregate-to-view": {"rules": AGGREGATE_TO_VIEW, "labels": _labels("view")},
    "system:node": {"rules": NODE},
    "system:node-bootstrapper": {
        "rules": [rule(("create", "get", "list", "watch"), (CERTIFICATES,), "certificatesigningrequests")]
    },
    "system:certificates.k8s.io:certificatesigningrequests:nodeclient": {
        "rules": [rule(("create",), (CERTIFICATES,), "certificatesigningrequests/nodeclient")]
    },
    "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient": {
        "rules": [rule(("create",), (CERTIFICATES,), "certificatesigningrequests/selfnodeclient")]
    },
    "system:auth-delegator": {
        "rules": [
            rule(("create",), (AUTHENTICATION,), "tokenreviews"),
            rule(("create",), (AUTHORIZATION,), "subjectaccessreviews"),
        ]
    },  # fmt: skip
    "system:kube-scheduler": {"rules": KUBE_SCHEDULER},
    "system:volume-scheduler": {"rules": VOLUME_SCHEDULER},
    "system:kube-controller-manager": {"rules": KUBE_CONTROLLER_MANAGER},
    "system:node-proxier": {"rules": NODE_PROXIER},
    "system:service-account-issuer-discovery": {
        "rules": [urls(("get",), "/.well-known/openid-configuration", "/openid/v1/jwks")]
    },
    "system:kubemini:kube-proxy": {"rules": KUBEMINI_KUBE_PROXY},
    "system:kubemini:ingress-controller": {"rules": INGRESS_CONTROLLER},
    "system:metrics-server": {"rules": METRICS_SERVER},
    "system:aggregated-metrics-reader": {
        "rules": AGGREGATED_METRICS_READER,
        "labels": _labels("view", "edit", "admin"),
    },
}
