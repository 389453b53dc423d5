"""The default ClusterRoles and ClusterRoleBindings, as objects the bootstrap writes.

    cluster_roles()          ──► ClusterRole objects (bootstrap_roles.py), labelled
                                 `kubernetes.io/bootstrapping: rbac-defaults` and annotated
                                 `rbac.authorization.kubernetes.io/autoupdate: "true"`
    cluster_role_bindings()  ──► the upstream bindings plus kubemini's components'
    reconciled_role / reconciled_binding(existing, wanted) ──► what a changed default gets back
`system:node` is left without subjects, as upstream: kubelets go through the Node authorizer.
"""

from __future__ import annotations

import copy

from apiserver.authentication.user import AUTHENTICATED_GROUP, MASTERS_GROUP, SERVICE_ACCOUNTS_GROUP
from apiserver.authorization.rbac.bootstrap_roles import CLUSTER_ROLES, RBAC
from apiserver.authorization.rbac.escalation import missing_rules

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
    "system:kubemini:kube-proxy": [("User", "system:kube-proxy")],
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
