"""The default ClusterRoles and ClusterRoleBindings, as objects the bootstrap writes.

    cluster_roles()          ──► ClusterRole objects (bootstrap_roles.py), labelled
                                 `kubernetes.io/bootstrapping: rbac-defaults` and annotated
                                 `rbac.authorization.kubernetes.io/autoupdate: "true"`
    cluster_role_bindings()  ──► the upstream bindings plus kubemini's components'
`system:node` is left without subjects, as upstream: kubelets go through the Node authorizer.
"""

from __future__ import annotations

import copy

from apiserver.authentication.user import AUTHENTICATED_GROUP, MASTERS_GROUP, SERVICE_ACCOUNTS_GROUP
from apiserver.authorization.rbac.bootstrap_roles import CLUSTER_ROLES, RBAC

UNAUTHENTICATED_GROUP = "system:unauthenticated"
MONITORING_GROUP = "system:monitoring"
BOOTSTRAP_LABELS = {"kubernetes.io/bootstrapping": "rbac-defaults"}
AUTOUPDATE = "rbac.authorization.kubernetes.io/autoupdate"

# binding name (= role name) → subjects (kind, name)
CLUSTER_ROLE_BINDINGS: dict[str, list[tuple[str, str]]] = {
    "cluster-admin": [("Group", MASTERS_GROUP)],
    "system:monitoring": [("Group", MONITORING_GROUP)],
    "system:discovery": [("Group", AUTHENTICATED_GROUP)],
    "system:basic-user": [("Group", AUTHENTICATED_GROUP)],
    "system:public-info-viewer": [("Group", AUTHENTICATED_GROUP), ("Group", UNAUTHENTICATED_GROUP)],
    "system:node-proxier": [("User", "system:kube-proxy")],
    "system:kube-controller-manager": [("User", "system:kube-controller-manager")],
    "system:kube-scheduler": [("User", "system:kube-scheduler")],
    "system:volume-scheduler": [("User", "system:kube-scheduler")],
    "system:node": [],
    "system:service-account-issuer-discovery": [("Group", SERVICE_ACCOUNTS_GROUP)],
    "system:kubemini:ingress-controller": [("User", "system:kubemini:ingress-controller")],
    "system:metrics-server": [("User", "system:metrics-server")],
}


def _metadata(name: str, labels: dict | None = None) -> dict:
    return {"name": name, "labels": {**(labels or {}), **BOOTSTRAP_LABELS}, "annotations": {AUTOUPDATE: "true"}}


def cluster_roles() -> list[dict]:
    roles = []
    for name, spec in CLUSTER_ROLES.items():
        role = {"apiVersion": f"{RBAC}/v1", "kind": "ClusterRole", "metadata": _metadata(name, spec.get("labels"))}
        if "aggregationRule" in spec:
            role["aggregationRule"] = copy.deepcopy(spec["aggregationRule"])
            role["rules"] = []  # filled by the clusterrole-aggregation controller
        else:
            role["rules"] = copy.deepcopy(spec["rules"])
        roles.append(role)
    return roles


def cluster_role_bindings() -> list[dict]:
    bindings = []
    for name, subjects in CLUSTER_ROLE_BINDINGS.items():
        binding = {
            "apiVersion": f"{RBAC}/v1",
            "kind": "ClusterRoleBinding",
            "metadata": _metadata(name),
            "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": name},
        }
        if subjects:
            binding["subjects"] = [{"apiGroup": RBAC, "kind": kind, "name": who} for kind, who in subjects]
        bindings.append(binding)
    return bindings
