"""rbac.authorization.k8s.io/v1: Roles, ClusterRoles and their bindings."""

from __future__ import annotations

from kubemini.api import names
from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.strategy import AGE, NAME, Column, Strategy
from kubemini.api.validation.common import check_immutable, check_label_selector

RBAC_GROUP = "rbac.authorization.k8s.io"
SUBJECT_KINDS = ("User", "Group", "ServiceAccount")


def _check_rules(rules: list, errors: FieldErrors, *, namespaced: bool) -> None:
    for index, rule in enumerate(rules or []):
        where = f"rules[{index}]"
        if not rule.get("verbs"):
            errors.required(f"{where}.verbs")
        non_resource = rule.get("nonResourceURLs")
        if non_resource:
            if namespaced:
                errors.invalid(
                    f"{where}.nonResourceURLs", non_resource, "namespaced rules cannot apply to non-resource URLs"
                )
            if rule.get("apiGroups") or rule.get("resources") or rule.get("resourceNames"):
                errors.invalid(
                    f"{where}.nonResourceURLs",
                    non_resource,
                    "rules cannot apply to both regular resources and non-resource URLs",
                )
        else:
            if not rule.get("apiGroups"):
                errors.required(f"{where}.apiGroups")
            if not rule.get("resources"):
                errors.required(f"{where}.resources")


class RoleStrategy(Strategy):
    namespaced_rules = True

    def name_problem(self, name: str) -> str | None:
        return names.path_segment_problem(name)

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        _check_rules(obj.get("rules"), errors, namespaced=self.namespaced_rules)

    def generation_changed(self, new: dict, old: dict) -> bool:
        return False


class ClusterRoleStrategy(RoleStrategy):
    namespaced_rules = False

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        super().validate(obj, errors)
        for index, selector in enumerate((obj.get("aggregationRule") or {}).get("clusterRoleSelectors") or []):
            check_label_selector(selector, f"aggregationRule.clusterRoleSelectors[{index}]", errors)


class RoleBindingStrategy(Strategy):
    binding_word = "roleBinding"
    role_kinds = ("Role", "ClusterRole")

    @property
    def columns(self):  # type: ignore[override]
        return (
            NAME,
            Column("Role", description=f"Role of the {self.binding_word}"),
            AGE,
            Column("Users", priority=1, description=f"Users in the {self.binding_word}"),
            Column("Groups", priority=1, description=f"Groups in the {self.binding_word}"),
            Column("ServiceAccounts", priority=1, description=f"ServiceAccounts in the {self.binding_word}"),
        )

    def name_problem(self, name: str) -> str | None:
        return names.path_segment_problem(name)

    def default(self, obj: dict) -> None:
        role_ref = obj.get("roleRef")
        if isinstance(role_ref, dict):
            role_ref.setdefault("apiGroup", RBAC_GROUP)
        for subject in obj.get("subjects") or []:
            if "apiGroup" not in subject:
                subject["apiGroup"] = "" if subject.get("kind") == "ServiceAccount" else RBAC_GROUP

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        role_ref = obj.get("roleRef") or {}
        if role_ref.get("apiGroup") != RBAC_GROUP:
            errors.not_supported("roleRef.apiGroup", role_ref.get("apiGroup"), (RBAC_GROUP,))
        if role_ref.get("kind") not in self.role_kinds:
            errors.not_supported("roleRef.kind", role_ref.get("kind"), self.role_kinds)
        if not role_ref.get("name"):
            errors.required("roleRef.name")
        for index, subject in enumerate(obj.get("subjects") or []):
            where = f"subjects[{index}]"
            kind = subject.get("kind")
            if kind not in SUBJECT_KINDS:
                errors.not_supported(f"{where}.kind", kind, SUBJECT_KINDS)
            if not subject.get("name"):
                errors.required(f"{where}.name")
            if kind == "ServiceAccount" and subject.get("apiGroup"):
                errors.not_supported(f"{where}.apiGroup", subject["apiGroup"], ("",))
            if kind in ("User", "Group") and subject.get("apiGroup") != RBAC_GROUP:
                errors.not_supported(f"{where}.apiGroup", subject.get("apiGroup"), (RBAC_GROUP,))

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        check_immutable(new.get("roleRef"), old.get("roleRef"), "roleRef", errors)

    def generation_changed(self, new: dict, old: dict) -> bool:
        return False

    def cells(self, obj: dict) -> list:
        role_ref = obj.get("roleRef") or {}
        subjects = obj.get("subjects") or []

        def of_kind(kind: str) -> str:
            return ", ".join(s.get("name", "") for s in subjects if s.get("kind") == kind)

        service_accounts = ", ".join(
            f"{s.get('namespace', '')}/{s.get('name', '')}" for s in subjects if s.get("kind") == "ServiceAccount"
        )
        return [
            printing.name(obj),
            f"{role_ref.get('kind', '')}/{role_ref.get('name', '')}",
            printing.age(obj),
            of_kind("User"),
            of_kind("Group"),
            service_accounts,
        ]


class ClusterRoleBindingStrategy(RoleBindingStrategy):
    binding_word = "clusterRoleBinding"
    role_kinds = ("ClusterRole",)
