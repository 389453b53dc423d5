"""`--authorization-mode` chains and Kubernetes' 403 wording."""

from __future__ import annotations

import pytest

from apiserver.authentication.user import ANONYMOUS, INSECURE_PORT_USER
from apiserver.authorization.attributes import Decision
from apiserver.authorization.chain import Authorization, forbidden, forbidden_message, parse_modes
from apiserver.authorization.reviews import rules_status
from tests.unit.apiserver.authorization.fakes import binding, cluster_role, context, path, resource, rule, subject, user

ALICE = user("alice")


def test_forbidden_wording():
    cases = [
        (resource(ALICE, "list", "pods", namespace="dev"),
         'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "dev"'),
        (resource(ALICE, "list", "nodes"),
         'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope'),
        (resource(ALICE, "get", "pods", namespace="dev", name="web"),
         'pods "web" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "dev"'),
        (resource(ALICE, "create", "pods", namespace="dev", name="web", sub="exec"),
         'pods "web" is forbidden: User "alice" cannot create resource "pods/exec" in API group "" in the '
         'namespace "dev"'),
        (resource(ALICE, "get", "deployments", namespace="dev", group="apps", name="d"),
         'deployments.apps "d" is forbidden: User "alice" cannot get resource "deployments" in API group "apps" in '
         'the namespace "dev"'),
        (path(ANONYMOUS, "get", "/api"), 'forbidden: User "system:anonymous" cannot get path "/api"'),
    ]  # fmt: skip
    for attrs, message in cases:
        error = forbidden(attrs)
        assert (error.code, error.status["message"], error.status["reason"]) == (403, message, "Forbidden")


def test_the_reason_is_appended_and_details_name_the_resource():
    attrs = resource(ALICE, "get", "deployments", namespace="dev", group="apps", name="d")
    assert forbidden_message(attrs, "RBAC: x").endswith('in the namespace "dev": RBAC: x')
    assert forbidden(attrs).status["details"] == {"name": "d", "group": "apps", "kind": "deployments"}
    assert forbidden(resource(ALICE, "list", "pods")).status["details"] == {"kind": "pods"}


def test_modes_are_checked():
    assert parse_modes("") == ["Node", "RBAC"]
    assert parse_modes("RBAC,Node") == ["RBAC", "Node"]
    with pytest.raises(ValueError, match="not a valid mode"):
        parse_modes("ABAC")
    with pytest.raises(ValueError, match="more than once"):
        parse_modes("RBAC,RBAC")


async def test_masters_always_pass_and_the_modes_run_in_order():
    ctx = context()
    attrs = resource(ALICE, "delete", "nodes", name="n")
    assert (await Authorization(["AlwaysDeny"]).authorize(ctx, resource(INSECURE_PORT_USER, "delete", "nodes"))).allowed
    denied = await Authorization(["AlwaysDeny"]).authorize(ctx, attrs)
    assert (denied.decision, denied.reason) == (Decision.NO_OPINION, "Everything is forbidden.")
    assert (await Authorization(["AlwaysAllow"]).authorize(ctx, attrs)).allowed
    assert not (await Authorization(["Node", "RBAC"]).authorize(ctx, attrs)).allowed
    ctx.put("ClusterRole", cluster_role("nodes", rule(["delete"], ["nodes"])))
    ctx.put("ClusterRoleBinding", binding("b", "ClusterRole", "nodes", subject("User", "alice")))
    assert (await Authorization(["Node", "RBAC"]).authorize(ctx, attrs)).allowed


async def test_reasons_of_every_mode_are_joined():
    ctx = context()
    node = user("system:node:a", "system:nodes")
    ctx.put("ClusterRoleBinding", binding("b", "ClusterRole", "gone", subject("Group", "system:nodes")))
    verdict = await Authorization(["Node", "RBAC"]).authorize(
        ctx, resource(node, "get", "secrets", namespace="dev", name="s")
    )
    assert verdict.reason == (
        "no relationship found between node 'a' and this object\n"
        'RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found'
    )


def test_rules_review_status():
    assert rules_status([rule(["get"], ["pods"]), rule(["get"], urls=["/healthz"])], ["x"]) == {
        "resourceRules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}],
        "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}],
        "incomplete": False,
        "evaluationError": "x",
    }
