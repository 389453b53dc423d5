"""The controller-manager's clusterrole-aggregation: the default admin, edit and view get their rules."""

from __future__ import annotations

import secrets

RBAC = "/apis/rbac.authorization.k8s.io/v1"
VIEW_LABEL = "rbac.authorization.k8s.io/aggregate-to-view"


def resources_of(api, role: str) -> set[str]:
    return {r for rule in api.get(f"{RBAC}/clusterroles/{role}").get("rules") or [] for r in rule.get("resources", [])}


def test_default_roles_are_aggregated_and_follow_new_roles(cluster, api):
    for role in ("view", "edit", "admin"):
        api.wait_for(lambda r=role: "pods/log" in resources_of(api, r), what=f"{role} aggregated")
    assert "secrets" in resources_of(api, "edit") and "secrets" not in resources_of(api, "view")
    assert "rolebindings" in resources_of(api, "admin") and "rolebindings" not in resources_of(api, "edit")
    name = f"gadgets-{secrets.token_hex(3)}"
    rules = [{"verbs": ["get"], "apiGroups": ["example.com"], "resources": [name]}]
    api.create(f"{RBAC}/clusterroles", {"metadata": {"name": name, "labels": {VIEW_LABEL: "true"}}, "rules": rules})
    api.wait_for(lambda: name in resources_of(api, "admin"), what=f"{name} aggregated up to admin")
    api.delete(f"{RBAC}/clusterroles/{name}")
    api.wait_for(lambda: name not in resources_of(api, "view"), what=f"{name} gone from view")
