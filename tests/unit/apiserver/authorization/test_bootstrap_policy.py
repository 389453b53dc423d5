"""The default policy: every object valid for its kind, the bindings point at existing roles, and
ClusterRole aggregation (the controller's pure half) fills admin, edit and view."""

from __future__ import annotations

from apiserver.authentication.user import ANONYMOUS
from apiserver.authorization.rbac import bootstrap_policy
from apiserver.authorization.rbac.authorizer import decide
from apiserver.authorization.rbac.policy import Policy
from controller_manager.clusterrole_aggregation import aggregated_rules
from kubemini.api import registry
from kubemini.api.field_errors import FieldErrors
from tests.unit.apiserver.authorization.fakes import path, resource, user


def aggregated_policy() -> list[dict]:
    """The default ClusterRoles with aggregation applied until nothing changes (view → edit → admin)."""
    roles = {role["metadata"]["name"]: role for role in bootstrap_policy.cluster_roles()}
    changed = True
    while changed:
        changed = False
        for role in roles.values():
            if role.get("aggregationRule"):
                rules = aggregated_rules(role, roles.values())
                changed |= rules != role["rules"]
                role["rules"] = rules
    return list(roles.values())


def test_every_default_object_is_valid():
    for kind, objects in (
        ("ClusterRole", bootstrap_policy.cluster_roles()),
        ("ClusterRoleBinding", bootstrap_policy.cluster_role_bindings()),
        ("Role", bootstrap_policy.roles()),
        ("RoleBinding", bootstrap_policy.role_bindings()),
    ):
        strategy = registry.by_kind(kind).strategy
        for obj in objects:
            errors = FieldErrors()
            strategy.validate(obj, errors)
            assert not errors, (obj["metadata"]["name"], errors.summary())
            assert obj["metadata"]["labels"]["kubernetes.io/bootstrapping"] == "rbac-defaults"
    names = {role["metadata"]["name"] for role in bootstrap_policy.cluster_roles()}
    assert {b["roleRef"]["name"] for b in bootstrap_policy.cluster_role_bindings()} <= names


def test_aggregation_unions_the_selected_roles_without_repeats():
    roles = {role["metadata"]["name"]: role for role in aggregated_policy()}
    view, edit, admin = (roles[name]["rules"] for name in ("view", "edit", "admin"))
    assert all(rule in edit for rule in view)
    assert all(rule in admin for rule in edit)
    assert len(admin) == len({str(rule) for rule in admin})
    metrics = {"verbs": ["get", "list", "watch"], "apiGroups": ["metrics.k8s.io"], "resources": ["pods", "nodes"]}
    assert metrics in view


def default_decision(who, attrs_of) -> bool:
    policy = Policy.build(
        cluster_roles=aggregated_policy(),
        roles=bootstrap_policy.roles(),
        role_bindings=bootstrap_policy.role_bindings(),
        cluster_role_bindings=bootstrap_policy.cluster_role_bindings(),
    )
    return decide(policy, attrs_of(who)).allowed


def test_the_components_identities():
    scheduler, proxy = user("system:kube-scheduler"), user("system:kube-proxy")
    manager, ingress = user("system:kube-controller-manager"), user("system:kubemini:ingress-controller")
    metrics = user("system:metrics-server")
    assert default_decision(scheduler, lambda u: resource(u, "create", "pods", namespace="d", sub="binding", name="p"))
    assert not default_decision(scheduler, lambda u: resource(u, "get", "secrets", namespace="d", name="s"))
    assert default_decision(proxy, lambda u: resource(u, "watch", "endpointslices", group="discovery.k8s.io"))
    assert default_decision(proxy, lambda u: resource(u, "patch", "services", namespace="d", sub="status", name="s"))
    assert not default_decision(proxy, lambda u: resource(u, "delete", "services", namespace="d", name="s"))
    assert not default_decision(proxy, lambda u: resource(u, "get", "secrets", namespace="d", name="s"))
    assert default_decision(manager, lambda u: resource(u, "delete", "pods", namespace="d", name="p"))
    assert default_decision(
        manager, lambda u: resource(u, "escalate", "clusterroles", group="rbac.authorization.k8s.io")
    )
    signer = "kubernetes.io/kubelet-serving"
    assert default_decision(manager, lambda u: resource(u, "sign", "signers", group="certificates.k8s.io", name=signer))
    assert not default_decision(manager, lambda u: resource(u, "impersonate", "users", name="x"))
    assert default_decision(ingress, lambda u: resource(u, "update", "ingresses", group="networking.k8s.io",
                                                        namespace="d", sub="status", name="i"))  # fmt: skip
    assert default_decision(ingress, lambda u: resource(u, "get", "secrets", namespace="d", name="tls"))
    assert default_decision(metrics, lambda u: resource(u, "get", "nodes", sub="metrics", name="n"))
    assert default_decision(ANONYMOUS, lambda u: path(u, "get", "/readyz"))
    assert not default_decision(ANONYMOUS, lambda u: path(u, "get", "/apis"))
    node = user("system:node:a", "system:nodes")
    assert not default_decision(node, lambda u: resource(u, "get", "secrets", namespace="d", name="s"))
    assert not default_decision(node, lambda u: resource(u, "update", "nodes", name="b"))


def test_joining_machines_as_kubeadm_lets_them():
    csrs = "certificatesigningrequests"
    certificates = "certificates.k8s.io"
    bootstrapper = user("system:bootstrap:abcdef", "system:bootstrappers")
    node = user("system:node:a", "system:nodes")
    assert default_decision(bootstrapper, lambda u: resource(u, "create", csrs, group=certificates))
    assert default_decision(bootstrapper, lambda u: resource(u, "watch", csrs, group=certificates))
    assert default_decision(bootstrapper, lambda u: resource(u, "create", csrs, group=certificates, sub="nodeclient"))
    assert not default_decision(
        bootstrapper, lambda u: resource(u, "create", csrs, group=certificates, sub="selfnodeclient")
    )
    assert not default_decision(bootstrapper, lambda u: resource(u, "list", "secrets", namespace="kube-system"))
    assert default_decision(node, lambda u: resource(u, "create", csrs, group=certificates, sub="selfnodeclient"))
    assert not default_decision(node, lambda u: resource(u, "create", csrs, group=certificates, sub="nodeclient"))
    assert default_decision(
        node, lambda u: resource(u, "watch", "endpointslices", group="discovery.k8s.io")
    )  # kube-proxy
    cluster_info = lambda u: resource(u, "get", "configmaps", namespace="kube-public", name="cluster-info")  # noqa: E731
    assert default_decision(ANONYMOUS, cluster_info)
    assert not default_decision(
        ANONYMOUS, lambda u: resource(u, "get", "configmaps", namespace="kube-public", name="x")
    )


def test_a_changed_default_gets_back_what_it_lacks():
    [wanted] = [r for r in bootstrap_policy.cluster_roles() if r["metadata"]["name"] == "system:node-proxier"]
    trimmed = {**wanted, "metadata": {"name": "system:node-proxier"}, "rules": wanted["rules"][:1] + [{"verbs": ["x"]}]}
    restored = bootstrap_policy.reconciled_role(trimmed, wanted)
    assert restored["rules"][:2] == trimmed["rules"] and all(rule in restored["rules"] for rule in wanted["rules"])
    assert restored["metadata"]["labels"] == {"kubernetes.io/bootstrapping": "rbac-defaults"}
    assert bootstrap_policy.reconciled_role(restored, wanted) is None
    opted_out = {**trimmed, "metadata": {"name": "x", "annotations": {bootstrap_policy.AUTOUPDATE: "false"}}}
    assert bootstrap_policy.reconciled_role(opted_out, wanted) is None
    [binding] = [b for b in bootstrap_policy.cluster_role_bindings() if b["metadata"]["name"] == "cluster-admin"]
    emptied = {**binding, "subjects": [{"kind": "User", "name": "me", "apiGroup": "rbac.authorization.k8s.io"}]}
    assert (
        bootstrap_policy.reconciled_binding(emptied, binding)["subjects"] == emptied["subjects"] + binding["subjects"]
    )
