"""The default ClusterRoles and ClusterRoleBindings, as objects the bootstrap writes.

    cluster_roles()          ──► ClusterRole objects (bootstrap_roles.py), labelled
                                 `kubernetes.io/bootstrapping: rbac-defaults` and annotated
                                 `rbac.authorization.kubernetes.io/autoupdate: "true"`
    cluster_role_bindings()  ──► the upstream bindings plus kubemini's components', and kubeadm's for joining nodes
    roles() / role_bindings() ──► namespaced defaults (kube-public/cluster-info readable by anyone)
    reconciled_role / reconciled_binding(existing, wanted) ──► what a changed default gets back
`system:node` is left without subjects, as upstream: kubelets go through the Node authorizer.
"""

from __future__ import annotations

import copy

from apiserver.authentication.user import AUTHENTICATED_GROUP, MASTERS_GROUP, NODES_GROUP, SERVICE_ACCOUNTS_GROUP
from apiserver.authorization.rbac.bootstrap_roles import CLUSTER_ROLES, RBAC, rule
from apiserver.authorization.rbac.escalation import missing_rules

UNAUTHENTICATED_GROUP = "system:unauthenticated"
MONITORING_GROUP = "system:monitoring"
BOOTSTRAPPERS_GROUP = "system:bootstrappers"
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
    "system:kubemini:kube-proxy": [("User", "system:kube-proxy")],
    "system:kubemini:ingress-controller": [("User", "system:kubemini:ingress-controller")],
    "system:metrics-server": [("User", "system:metrics-server")],
}

# kubeadm's bindings for joining nodes (and kubemini's one), named unlike their roles:
# binding name → (ClusterRole, subjects). Every bootstrap token may bootstrap a node (kubeadm binds
# only its default token's extra group); a joined node's kube-proxy runs with the node's certificate.
NAMED_CLUSTER_ROLE_BINDINGS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "kubeadm:kubelet-bootstrap": ("system:node-bootstrapper", [("Group", BOOTSTRAPPERS_GROUP)]),
    "kubeadm:node-autoapprove-bootstrap": (
        "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
        [("Group", BOOTSTRAPPERS_GROUP)],
    ),
    "kubeadm:node-autoapprove-certificate-rotation": (
        "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
        [("Group", NODES_GROUP)],
    ),
    "kubemini:node-proxier": ("system:node-proxier", [("Group", NODES_GROUP)]),
}

# Namespaced defaults: (namespace, name) → rules; the RoleBinding of the same name → subjects.
# kubeadm's bootstrap-signer-clusterinfo lets anyone read kube-public/cluster-info (token discovery).
ROLES: dict[tuple[str, str], list[dict]] = {
    ("kube-public", "kubeadm:bootstrap-signer-clusterinfo"): [
        rule(("get",), ("",), "configmaps", names=("cluster-info",))
    ],
}
ROLE_BINDINGS: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("kube-public", "kubeadm:bootstrap-signer-clusterinfo"): [
        ("User", "system:anonymous"),
        ("Group", UNAUTHENTICATED_GROUP),
    ],
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


def _binding(kind: str, metadata: dict, role_kind: str, role: str, subjects: list[tuple[str, str]]) -> dict:
    binding = {
        "apiVersion": f"{RBAC}/v1",
        "kind": kind,
        "metadata": metadata,
        "roleRef": {"apiGroup": RBAC, "kind": role_kind, "name": role},
    }
    if subjects:
        binding["subjects"] = [{"apiGroup": RBAC, "kind": which, "name": who} for which, who in subjects]
    return binding


def cluster_role_bindings() -> list[dict]:
    named = {name: (name, subjects) for name, subjects in CLUSTER_ROLE_BINDINGS.items()}
    named.update(NAMED_CLUSTER_ROLE_BINDINGS)
    return [
        _binding("ClusterRoleBinding", _metadata(name), "ClusterRole", role, subjects)
        for name, (role, subjects) in named.items()
    ]


def roles() -> list[dict]:
    """The namespaced default Roles (metadata.namespace set)."""
    return [
        {
            "apiVersion": f"{RBAC}/v1",
            "kind": "Role",
            "metadata": {**_metadata(name), "namespace": namespace},
            "rules": copy.deepcopy(rules),
        }
        for (namespace, name), rules in ROLES.items()
    ]


def role_bindings() -> list[dict]:
    return [
        _binding("RoleBinding", {**_metadata(name), "namespace": namespace}, "Role", name, subjects)
        for (namespace, name), subjects in ROLE_BINDINGS.items()
    ]


def _merged_metadata(existing: dict, wanted: dict) -> dict:
    meta = copy.deepcopy(existing.get("metadata") or {})
    for field in ("labels", "annotations"):
        meta[field] = {**(meta.get(field) or {}), **(wanted["metadata"].get(field) or {})}
    return meta


def reconciled_role(existing: dict, wanted: dict) -> dict | None:
    """A default ClusterRole found changed gets back what it lacks (upstream's start-up reconcile):
    missing rules, selectors, labels and annotations added, nothing removed; None when nothing lacks
    or the role says `autoupdate: "false"`."""
    if ((existing.get("metadata") or {}).get("annotations") or {}).get(AUTOUPDATE) == "false":
        return None
    updated = {**copy.deepcopy(existing), "metadata": _merged_metadata(existing, wanted)}
    if "aggregationRule" in wanted:
        selectors = list((existing.get("aggregationRule") or {}).get("clusterRoleSelectors") or [])
        for selector in wanted["aggregationRule"]["clusterRoleSelectors"]:
            if selector not in selectors:
                selectors.append(copy.deepcopy(selector))
        updated["aggregationRule"] = {"clusterRoleSelectors": selectors}
    else:
        rules = list(existing.get("rules") or [])
        if missing_rules(rules, wanted["rules"]):
            rules += [copy.deepcopy(rule) for rule in wanted["rules"] if rule not in rules]
        updated["rules"] = rules
    return None if updated == existing else updated


def reconciled_binding(existing: dict, wanted: dict) -> dict | None:
    """A default ClusterRoleBinding gets back missing subjects, labels and annotations."""
    if ((existing.get("metadata") or {}).get("annotations") or {}).get(AUTOUPDATE) == "false":
        return None
    updated = {**copy.deepcopy(existing), "metadata": _merged_metadata(existing, wanted)}
    subjects = list(existing.get("subjects") or [])
    subjects += [copy.deepcopy(s) for s in wanted.get("subjects") or [] if s not in subjects]
    if subjects:
        updated["subjects"] = subjects
    return None if updated == existing else updated
