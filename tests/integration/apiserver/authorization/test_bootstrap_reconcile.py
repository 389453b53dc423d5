"""A restarted apiserver gives the default RBAC objects back what was taken from them."""

from __future__ import annotations

from tests.integration.apiserver.authorization.test_rbac_reviews import RBAC, wait_for


def test_a_restart_restores_default_rules_and_subjects(own_apiserver):
    with own_apiserver.http(timeout=30) as api:
        role = wait_for(lambda: api.get(f"{RBAC}/clusterroles/system:node-proxier").json().get("rules") and
                        api.get(f"{RBAC}/clusterroles/system:node-proxier").json(), "the default roles")  # fmt: skip
        wanted_rules = role["rules"]
        role["rules"] = wanted_rules[:1]
        assert api.put(f"{RBAC}/clusterroles/system:node-proxier", json=role).status_code == 200
        kept = api.get(f"{RBAC}/clusterroles/system:kube-scheduler").json()
        kept["rules"] = kept["rules"][:1]
        kept["metadata"]["annotations"]["rbac.authorization.kubernetes.io/autoupdate"] = "false"
        assert api.put(f"{RBAC}/clusterroles/system:kube-scheduler", json=kept).status_code == 200
        binding = api.get(f"{RBAC}/clusterrolebindings/system:basic-user").json()
        binding["subjects"] = []
        assert api.put(f"{RBAC}/clusterrolebindings/system:basic-user", json=binding).status_code == 200
    own_apiserver.stop()
    own_apiserver.start()
    with own_apiserver.http(timeout=30) as api:
        wait_for(
            lambda: api.get(f"{RBAC}/clusterroles/system:node-proxier").json()["rules"] == wanted_rules, "rules back"
        )
        subjects = wait_for(
            lambda: api.get(f"{RBAC}/clusterrolebindings/system:basic-user").json().get("subjects"), "subjects"
        )
        assert subjects == [{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "system:authenticated"}]
        assert len(api.get(f"{RBAC}/clusterroles/system:kube-scheduler").json()["rules"]) == 1  # autoupdate: "false"
