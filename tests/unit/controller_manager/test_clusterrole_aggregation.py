"""clusterrole-aggregation with a recording fake client: the union of the selected roles' rules."""

from __future__ import annotations

from controller_manager.clusterrole_aggregation import ClusterRoleAggregationController
from tests.unit.controller_manager.fakes import FakeClient, fill, shared_informers

LABEL = "rbac.authorization.k8s.io/aggregate-to-view"


def role(name: str, *rules: dict, labels=None, aggregate: bool = False, **extra) -> dict:
    found = {"metadata": {"name": name, "labels": labels or {}, "resourceVersion": "1"}, "rules": list(rules), **extra}
    if aggregate:
        found["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": {LABEL: "true"}}]}
    return found


def rule(resource: str) -> dict:
    return {"verbs": ["get"], "apiGroups": [""], "resources": [resource]}


async def test_aggregated_rules_are_the_union_and_only_changes_are_written():
    client = FakeClient()
    controller = ClusterRoleAggregationController(client, shared_informers(client))  # type: ignore[arg-type]
    view = role("view", aggregate=True)
    fill(
        controller.roles,
        view,
        role("b-pods", rule("pods"), rule("services"), labels={LABEL: "true"}),
        role("a-maps", rule("configmaps"), rule("pods"), labels={LABEL: "true"}),
        role("other", rule("secrets")),
    )
    assert controller._aggregated_names({}) == ["view"]
    await controller.reconcile("view")
    assert client.of("update") == [("update", "ClusterRole", "view")]
    assert client.bodies[-1]["rules"] == [rule("configmaps"), rule("pods"), rule("services")]
    fill(controller.roles, {**view, "rules": client.bodies[-1]["rules"]})
    await controller.reconcile("view")
    await controller.reconcile("other")  # not aggregated: nothing to do
    assert len(client.of("update")) == 1
