"""The RBAC authorizer: does some binding of this user grant a rule that allows the request?

    attrs ──► decision cache (per RequestAttributes, emptied when a Role, ClusterRole,
              RoleBinding or ClusterRoleBinding cache moves to a new revision)
          ──► miss: Policy (rebuilt from the four watch caches on the same condition)
                    .grants_for(user, namespace) ──► each grant's rules ──► rule_allows
          ──► ALLOW `RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "z"`
              or NO_OPINION (RBAC never denies) with the resolution errors as the reason
A cached answer costs one tuple of four revisions and one dict lookup.
"""

from __future__ import annotations

from apiserver.authentication.user import UserInfo
from apiserver.authorization.attributes import Decision, RequestAttributes, Verdict
from apiserver.authorization.cache_sync import wait_synced
from apiserver.authorization.rbac.policy import Policy
from apiserver.authorization.rbac.rules import rule_allows
from kubemini.api import registry
from kubemini.api.registry import stored_version

POLICY_KINDS = ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")
MAX_CACHED_DECISIONS = 50_000


def _storage_names() -> tuple[str, ...]:
    return tuple(stored_version(registry.by_kind(kind)).storage_resource for kind in POLICY_KINDS)


def decide(policy: Policy, attrs: RequestAttributes) -> Verdict:
    errors: list[str] = []
    for grant in policy.grants_for(attrs.user, attrs.namespace):
        rules, error = policy.rules_of(grant)
        if error:
            errors.append(error)
            continue
        for rule in rules:
            if rule_allows(rule, attrs):
                return Verdict(Decision.ALLOW, f"RBAC: allowed by {grant.describe()}")
    reason = f"RBAC: [{', '.join(errors)}]" if len(errors) > 1 else (f"RBAC: {errors[0]}" if errors else "")
    return Verdict(Decision.NO_OPINION, reason)


class RBACAuthorizer:
    name = "RBAC"

    def __init__(self) -> None:
        self._storage = _storage_names()
        self._revisions: tuple | None = None
        self._policy = Policy()
        self._decisions: dict[RequestAttributes, Verdict] = {}
        self._bindings_memo: dict = {}
        self._synced = False

    def policy(self, ctx) -> Policy:
        """The current Policy; rebuilt (and the decisions forgotten) when a cache has moved on."""
        caches = ctx.caches
        roles, cluster_roles, role_bindings, cluster_role_bindings = (caches[name] for name in self._storage)
        revisions = (
            roles.revision,
            cluster_roles.revision,
            role_bindings.revision,
            cluster_role_bindings.revision,
            id(roles.objects),  # a relist replaces the dict without always moving the revision
            id(cluster_roles.objects),
            id(role_bindings.objects),
            id(cluster_role_bindings.objects),
        )
        if revisions != self._revisions:
            self._policy = Policy.build(
                roles=roles.objects.values(),
                cluster_roles=cluster_roles.objects.values(),
                role_bindings=role_bindings.objects.values(),
                cluster_role_bindings=cluster_role_bindings.objects.values(),
                memo=self._bindings_memo,
            )
            self._decisions = {}
            self._revisions = revisions
        return self._policy

    async def authorize(self, ctx, attrs: RequestAttributes) -> Verdict:
        if not self._synced:  # right after a start: answer from listed caches, not empty ones
            self._synced = await wait_synced([ctx.caches[name] for name in self._storage])
        policy = self.policy(ctx)
        verdict = self._decisions.get(attrs)
        if verdict is None:
            verdict = decide(policy, attrs)
            if len(self._decisions) >= MAX_CACHED_DECISIONS:
                self._decisions = {}
            self._decisions[attrs] = verdict
        return verdict

    def rules_for(self, ctx, user: UserInfo, namespace: str) -> tuple[list[dict], list[str]]:
        """Every rule the user holds in `namespace` (cluster-wide ones included), and resolution errors."""
        policy = self.policy(ctx)
        rules: list[dict] = []
        errors: list[str] = []
        for grant in policy.grants_for(user, namespace):
            granted, error = policy.rules_of(grant)
            if error:
                errors.append(error)
            rules.extend(granted)
        return rules, errors
