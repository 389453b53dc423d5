"""The RBAC objects of the cluster, indexed by subject (rebuilt when any of the four caches changes).

    Roles, ClusterRoles, RoleBindings, ClusterRoleBindings (watch-cache objects)
        ──► Policy: role rules by (namespace, name) / name;
                    grants by user name and by group, cluster-wide and per namespace
    Policy.grants_for(user, namespace) ──► the grants that apply, ClusterRoleBindings first
    Policy.rules_of(grant)             ──► its role's rules, or the upstream NotFound text
A ServiceAccount subject is indexed under its user name `system:serviceaccount:<ns>:<name>`
(its namespace defaulting to the RoleBinding's), so a lookup is two dict reads per group.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from apiserver.authentication.user import SERVICE_ACCOUNT_PREFIX, UserInfo

RBAC_GROUP = "rbac.authorization.k8s.io"


@dataclass(frozen=True)
class Grant:
    """One subject of one binding: what allowed a request, in upstream's words."""

    binding_kind: str  # ClusterRoleBinding | RoleBinding
    binding_name: str
    binding_namespace: str
    role_kind: str  # ClusterRole | Role
    role_name: str
    subject_kind: str
    subject_name: str
    subject_namespace: str = ""

    def describe(self) -> str:
        if self.subject_kind == "ServiceAccount":
            subject = f'{self.subject_kind} "{self.subject_name}/{self.subject_namespace or self.binding_namespace}"'
        else:
            subject = f'{self.subject_kind} "{self.subject_name}"'
        name = self.binding_name if not self.binding_namespace else f"{self.binding_name}/{self.binding_namespace}"
        return f'{self.binding_kind} "{name}" of {self.role_kind} "{self.role_name}" to {subject}'


def binding_entries(binding: dict, binding_kind: str) -> list[tuple[bool, str, Grant]]:
    """(by group?, user or group name, grant) for each subject of one binding."""
    meta, role_ref = binding.get("metadata") or {}, binding.get("roleRef") or {}
    namespace = meta.get("namespace") or ""
    entries = []
    for subject in binding.get("subjects") or ():
        kind, name = subject.get("kind", ""), subject.get("name", "")
        grant = Grant(
            binding_kind,
            meta.get("name", ""),
            namespace,
            role_ref.get("kind", ""),
            role_ref.get("name", ""),
            kind,
            name,
            subject.get("namespace") or "",
        )
        if kind == "User":
            entries.append((False, name, grant))
        elif kind == "Group":
            entries.append((True, name, grant))
        elif kind == "ServiceAccount":
            account_namespace = subject.get("namespace") or namespace
            if account_namespace and name:
                entries.append((False, f"{SERVICE_ACCOUNT_PREFIX}{account_namespace}:{name}", grant))
    return entries


@dataclass
class SubjectIndex:
    by_user: dict[str, list[Grant]] = field(default_factory=lambda: defaultdict(list))
    by_group: dict[str, list[Grant]] = field(default_factory=lambda: defaultdict(list))

    def add(self, entries: list[tuple[bool, str, Grant]]) -> None:
        for by_group, name, grant in entries:
            (self.by_group if by_group else self.by_user)[name].append(grant)

    def grants_for(self, user: UserInfo) -> list[Grant]:
        grants = list(self.by_user.get(user.name, ()))
        for group in user.groups:
            grants.extend(self.by_group.get(group, ()))
        return grants


@dataclass
class Policy:
    cluster_roles: dict[str, list[dict]] = field(default_factory=dict)
    roles: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    cluster: SubjectIndex = field(default_factory=SubjectIndex)
    namespaced: dict[str, SubjectIndex] = field(default_factory=dict)

    @classmethod
    def build(cls, *, roles, cluster_roles, role_bindings, cluster_role_bindings, memo: dict | None = None) -> Policy:
        """From iterables of the four kinds' objects. `memo` (id → (binding, entries)) keeps each
        binding's entries between builds: an object the cache did not replace is not read again."""
        policy = cls()
        seen = {} if memo is None else memo
        fresh: dict[int, tuple[dict, list]] = {}

        def entries(binding: dict, kind: str) -> list:
            known = seen.get(id(binding))
            found = known[1] if known is not None and known[0] is binding else binding_entries(binding, kind)
            fresh[id(binding)] = (binding, found)
            return found

        for role in cluster_roles:
            policy.cluster_roles[role["metadata"]["name"]] = list(role.get("rules") or ())
        for role in roles:
            meta = role["metadata"]
            policy.roles[(meta.get("namespace", ""), meta["name"])] = list(role.get("rules") or ())
        for binding in cluster_role_bindings:
            policy.cluster.add(entries(binding, "ClusterRoleBinding"))
        for binding in role_bindings:
            namespace = binding["metadata"].get("namespace", "")
            policy.namespaced.setdefault(namespace, SubjectIndex()).add(entries(binding, "RoleBinding"))
        if memo is not None:
            memo.clear()
            memo.update(fresh)
        return policy

    def grants_for(self, user: UserInfo, namespace: str) -> list[Grant]:
        grants = self.cluster.grants_for(user)
        if namespace and namespace in self.namespaced:
            grants.extend(self.namespaced[namespace].grants_for(user))
        return grants

    def rules_of(self, grant: Grant) -> tuple[list[dict], str]:
        """The grant's role's rules, and the resolution error when the role does not exist."""
        if grant.role_kind == "ClusterRole":
            rules = self.cluster_roles.get(grant.role_name)
            missing = f'clusterrole.{RBAC_GROUP} "{grant.role_name}" not found'
        elif grant.role_kind == "Role" and grant.binding_kind == "RoleBinding":
            rules = self.roles.get((grant.binding_namespace, grant.role_name))
            missing = f'role.{RBAC_GROUP} "{grant.role_name}" not found'
        else:
            return [], f"unsupported role reference kind: {grant.role_kind!r}"
        return (rules, "") if rules is not None else ([], missing)
