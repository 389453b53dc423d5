"""The RBAC authorizer over fake caches: rule matching, bindings by subject, cached decisions."""

from __future__ import annotations

import asyncio

import pytest

from apiserver.authorization.attributes import Decision
from apiserver.authorization.rbac.authorizer import RBACAuthorizer
from tests.unit.apiserver.authorization.fakes import (
    binding,
    cluster_role,
    context,
    path,
    resource,
    role,
    rule,
    subject,
    user,
)

ALICE = user("alice")
BOB = user("bob", "devs")
SA = user("system:serviceaccount:dev:builder", "system:serviceaccounts", "system:serviceaccounts:dev")


@pytest.fixture
def ctx():
    ctx = context()
    ctx.put("ClusterRole", cluster_role("pod-reader", rule(["get", "list", "watch"], ["pods", "pods/log"])))
    ctx.put("ClusterRole", cluster_role("scaler", rule(["update"], ["*/scale"], groups=["*"])))
    ctx.put("ClusterRole", cluster_role("health", rule(["get"], urls=["/healthz", "/logs/*"])))
    ctx.put("ClusterRole", cluster_role("one-cm", rule(["get", "update"], ["configmaps"], names=["settings"])))
    ctx.put("ClusterRoleBinding", binding("alice-health", "ClusterRole", "health", subject("User", "alice")))
    ctx.put("RoleBinding", binding("read", "ClusterRole", "pod-reader", subject("User", "alice"), namespace="dev"))
    ctx.put("RoleBinding", binding("scale", "ClusterRole", "scaler", subject("Group", "devs"), namespace="dev"))
    ctx.put("Role", role("dev", "deployer", rule(["create", "delete"], ["deployments"], groups=["apps"])))
    ctx.put("RoleBinding", binding("deploy", "Role", "deployer", subject("ServiceAccount", "builder"), namespace="dev"))
    ctx.put("RoleBinding", binding("cm", "ClusterRole", "one-cm", subject("User", "bob"), namespace="dev"))
    return ctx


async def decision(ctx, attrs, authorizer=None):
    return (await (authorizer or RBACAuthorizer()).authorize(ctx, attrs)).decision


@pytest.mark.parametrize(
    ("who", "verb", "what", "kwargs", "allowed"),
    [
        (ALICE, "list", "pods", {"namespace": "dev"}, True),
        (ALICE, "get", "pods", {"namespace": "dev", "sub": "log", "name": "web"}, True),
        (ALICE, "create", "pods", {"namespace": "dev", "sub": "exec", "name": "web"}, False),
        (ALICE, "list", "pods", {"namespace": "prod"}, False),
        (ALICE, "list", "pods", {}, False),  # a RoleBinding never grants at the cluster scope
        (ALICE, "delete", "pods", {"namespace": "dev", "name": "web"}, False),
        (BOB, "update", "deployments", {"namespace": "dev", "group": "apps", "sub": "scale", "name": "x"}, True),
        (BOB, "update", "deployments", {"namespace": "dev", "group": "apps", "name": "x"}, False),
        (BOB, "get", "configmaps", {"namespace": "dev", "name": "settings"}, True),
        (BOB, "get", "configmaps", {"namespace": "dev", "name": "other"}, False),
        (BOB, "list", "configmaps", {"namespace": "dev"}, False),  # resourceNames never grant a list
        (SA, "create", "deployments", {"namespace": "dev", "group": "apps"}, True),
        (SA, "create", "deployments", {"namespace": "dev", "group": "extensions"}, False),
    ],
)
async def test_resource_matrix(ctx, who, verb, what, kwargs, allowed):
    expected = Decision.ALLOW if allowed else Decision.NO_OPINION
    assert await decision(ctx, resource(who, verb, what, **kwargs)) is expected


@pytest.mark.parametrize(
    ("url", "verb", "allowed"),
    [("/healthz", "get", True), ("/healthz/etcd", "get", False), ("/logs/kube.log", "get", True),
     ("/logs", "get", False), ("/healthz", "post", False)],
)  # fmt: skip
async def test_non_resource_urls(ctx, url, verb, allowed):
    assert (await decision(ctx, path(ALICE, verb, url)) is Decision.ALLOW) is allowed


async def test_wildcards_and_the_allowing_binding_in_the_reason():
    ctx = context()
    ctx.put("ClusterRole", cluster_role("admin", rule(["*"], ["*"], groups=["*"]), rule(["*"], urls=["*"])))
    ctx.put("ClusterRoleBinding", binding("root", "ClusterRole", "admin", subject("Group", "ops")))
    authorizer = RBACAuthorizer()
    ops = user("carol", "ops")
    verdict = await authorizer.authorize(ctx, resource(ops, "delete", "nodes", name="n1"))
    assert verdict.allowed
    assert verdict.reason == 'RBAC: allowed by ClusterRoleBinding "root" of ClusterRole "admin" to Group "ops"'
    assert await decision(ctx, path(ops, "get", "/anything"), authorizer) is Decision.ALLOW
    assert await decision(ctx, resource(ops, "escalate", "clusterroles", group="rbac.authorization.k8s.io")) is (
        Decision.ALLOW
    )


async def test_a_service_account_subject_defaults_to_the_binding_namespace(ctx):
    verdict = await RBACAuthorizer().authorize(
        ctx, resource(SA, "delete", "deployments", namespace="dev", group="apps")
    )
    assert verdict.reason == (
        'RBAC: allowed by RoleBinding "deploy/dev" of Role "deployer" to ServiceAccount "builder/dev"'
    )
    other = user("system:serviceaccount:prod:builder")
    assert await decision(ctx, resource(other, "create", "deployments", namespace="dev", group="apps")) is (
        Decision.NO_OPINION
    )


async def test_a_missing_role_is_the_reason():
    ctx = context()
    ctx.put("ClusterRoleBinding", binding("b", "ClusterRole", "gone", subject("User", "alice")))
    verdict = await RBACAuthorizer().authorize(ctx, resource(ALICE, "get", "pods", namespace="dev"))
    assert verdict.decision is Decision.NO_OPINION
    assert verdict.reason == 'RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found'


async def test_decisions_follow_changes_of_any_rbac_cache(ctx):
    authorizer = RBACAuthorizer()
    attrs = resource(ALICE, "delete", "pods", namespace="dev", name="web")
    assert await decision(ctx, attrs, authorizer) is Decision.NO_OPINION
    ctx.put("ClusterRole", cluster_role("pod-reader", rule(["get", "list", "watch", "delete"], ["pods"])))
    assert await decision(ctx, attrs, authorizer) is Decision.ALLOW
    ctx.delete("RoleBinding", "read", "dev")
    assert await decision(ctx, attrs, authorizer) is Decision.NO_OPINION


async def test_a_check_right_after_a_start_waits_for_the_caches_to_be_listed(ctx):
    for cache in ctx.caches.values():
        cache.ready = asyncio.Event()
    authorizer = RBACAuthorizer()
    check = asyncio.create_task(authorizer.authorize(ctx, resource(ALICE, "list", "pods", namespace="dev")))
    await asyncio.sleep(0.01)
    assert not check.done()
    for cache in ctx.caches.values():
        cache.ready.set()
    assert (await check).allowed
