"""Escalation and bind prevention: the admission plugin with a caller's identity, and the covering rules."""

from __future__ import annotations

import pytest

from apiserver.admission import CREATE, UPDATE, Attributes
from apiserver.admission.rbac_escalation import RBACEscalation
from apiserver.authentication.user import APISERVER_USER
from apiserver.authorization.chain import Authorization
from apiserver.authorization.rbac.escalation import missing_rules, rule_covers
from apiserver.errors import ApiError
from kubemini.api import registry
from tests.unit.apiserver.authorization.fakes import binding, cluster_role, context, role, rule, subject, user

BOB = user("bob", "devs")


@pytest.fixture
def ctx():
    ctx = context()
    ctx.authorization = Authorization(["Node", "RBAC"])
    ctx.put("ClusterRole", cluster_role("pod-reader", rule(["get", "list"], ["pods"])))
    ctx.put("ClusterRole", cluster_role("pod-admin", rule(["*"], ["pods", "pods/*"])))
    ctx.put("RoleBinding", binding("read", "ClusterRole", "pod-reader", subject("Group", "devs"), namespace="dev"))
    ctx.user = BOB
    return ctx


def admission(kind: str, obj: dict, *, operation=CREATE, old=None, namespace="dev") -> Attributes:
    record = registry.by_kind(kind)
    return Attributes(record, operation, obj, old=old, namespace=namespace if record.namespaced else None)


async def refusal(ctx, attrs) -> str | None:
    try:
        await RBACEscalation().validate(ctx, attrs)
    except ApiError as error:
        assert (error.code, error.status["reason"]) == (403, "Forbidden")
        return error.status["message"]
    return None


async def test_a_role_with_permissions_not_held_is_refused(ctx):
    held = role("dev", "mine", rule(["get"], ["pods"]))
    assert await refusal(ctx, admission("Role", held)) is None
    wanted = role("dev", "mine", rule(["get", "delete", "create"], ["pods", "secrets"]))
    assert await refusal(ctx, admission("Role", wanted)) == (
        'roles.rbac.authorization.k8s.io "mine" is forbidden: user "bob" (groups=["devs" "system:authenticated"]) '
        "is attempting to grant RBAC permissions not currently held:\n"
        '{APIGroups:[""], Resources:["pods"], Verbs:["delete" "create"]}\n'
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete" "create"]}'
    )


async def test_an_unchanged_update_and_the_escalate_verb_pass(ctx):
    wanted = role("dev", "mine", rule(["delete"], ["pods"]))
    assert await refusal(ctx, admission("Role", wanted, operation=UPDATE, old=wanted)) is None
    ctx.put(
        "ClusterRole", cluster_role("escalator", rule(["escalate"], ["roles"], groups=["rbac.authorization.k8s.io"]))
    )
    ctx.put("RoleBinding", binding("esc", "ClusterRole", "escalator", subject("User", "bob"), namespace="dev"))
    assert await refusal(ctx, admission("Role", wanted)) is None


async def test_binding_needs_the_roles_permissions_or_bind(ctx):
    reader = binding("b1", "ClusterRole", "pod-reader", subject("User", "eve"), namespace="dev")
    assert await refusal(ctx, admission("RoleBinding", reader)) is None
    admin = binding("b2", "ClusterRole", "pod-admin", subject("User", "eve"), namespace="dev")
    message = await refusal(ctx, admission("RoleBinding", admin))
    assert message.startswith(
        'rolebindings.rbac.authorization.k8s.io "b2" is forbidden: user "bob" (groups=["devs" "system:authenticated"]) '
        "is attempting to grant RBAC permissions not currently held:\n"
    )
    assert '{APIGroups:[""], Resources:["pods/*"], Verbs:["*"]}' in message
    cluster = binding("b3", "ClusterRole", "pod-reader", subject("User", "eve"))
    assert await refusal(ctx, admission("ClusterRoleBinding", cluster)) is not None  # held in dev only
    ctx.put("ClusterRole", cluster_role("binder", rule(["bind"], ["clusterroles"], groups=["rbac.authorization.k8s.io"],
                                                      names=["pod-admin"])))  # fmt: skip
    ctx.put("RoleBinding", binding("bind", "ClusterRole", "binder", subject("User", "bob"), namespace="dev"))
    assert await refusal(ctx, admission("RoleBinding", admin)) is None


async def test_aggregation_rules_need_cluster_admin_and_masters_bypass(ctx):
    aggregated = {"metadata": {"name": "agg"}, "aggregationRule": {"clusterRoleSelectors": [{}]}, "rules": []}
    assert await refusal(ctx, admission("ClusterRole", aggregated)) == (
        'clusterroles.rbac.authorization.k8s.io "agg" is forbidden: must have cluster-admin privileges to use the '
        "aggregationRule"
    )
    ctx.user = APISERVER_USER
    assert await refusal(ctx, admission("ClusterRole", aggregated)) is None
    everything = cluster_role("all", rule(["*"], ["*"], groups=["*"]))
    assert await refusal(ctx, admission("ClusterRole", everything)) is None


async def test_a_missing_role_is_not_found(ctx):
    missing = binding("b", "Role", "nope", subject("User", "eve"), namespace="dev")
    with pytest.raises(ApiError) as raised:
        await RBACEscalation().validate(ctx, admission("RoleBinding", missing))
    assert raised.value.code == 404


def test_covering_rules():
    assert rule_covers(rule(["*"], ["*"], groups=["*"]), rule(["get"], ["pods"]))
    assert rule_covers(rule(["get"], ["*/scale"], groups=["apps"]), rule(["get"], ["deployments/scale"], ["apps"]))
    assert not rule_covers(rule(["get"], ["pods"], names=["a"]), rule(["get"], ["pods"]))
    assert rule_covers(rule(["get"], ["pods"]), rule(["get"], ["pods"], names=["a"]))
    assert rule_covers(rule(["get"], urls=["/logs/*"]), rule(["get"], urls=["/logs/x"]))
    assert missing_rules([rule(["get"], urls=["/healthz"])], [rule(["get", "post"], urls=["/healthz"])]) == [
        {"nonResourceURLs": ["/healthz"], "verbs": ["post"]}
    ]
