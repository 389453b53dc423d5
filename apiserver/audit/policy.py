"""An `audit.k8s.io/v1` Policy (kube-apiserver's `--audit-policy-file`): which requests are logged, how much.

    file → parse_policy() → Policy(rules, omit_stages)
    RequestAttributes → Policy.level_and_stages(attrs) → (level, stages to omit)

The first rule that matches decides; no match is level None (not logged). A rule matches when
every field it sets matches: `users` (the user's name), `userGroups` (any of the user's groups),
`verbs`, and either resource fields (`namespaces`, `resources: [{group, resources, resourceNames}]`
with `*`, `pods/*`, `*/status`) for resource requests or `nonResourceURLs` (`/healthz*`) for the
others; a rule with neither matches both. As upstream's policy/checker.go.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from apiserver.authorization.attributes import RequestAttributes

API_VERSIONS = ("audit.k8s.io/v1",)
LEVELS = ("None", "Metadata", "Request", "RequestResponse")
STAGES = ("RequestReceived", "ResponseStarted", "ResponseComplete", "Panic")
RULE_FIELDS = ("level", "users", "userGroups", "verbs", "resources", "namespaces", "nonResourceURLs", "omitStages")
RULE_FIELDS += ("omitManagedFields",)


class AuditPolicyError(ValueError):
    """The policy file cannot be used; the message names the field."""


def level_at_least(level: str, wanted: str) -> bool:
    return LEVELS.index(level) >= LEVELS.index(wanted)


@dataclass(frozen=True)
class GroupResources:
    group: str
    resources: tuple[str, ...]
    resource_names: tuple[str, ...]

    def matches(self, resource: str, subresource: str, name: str) -> bool:
        if not self.resources:
            return True
        if self.resource_names and name not in self.resource_names:
            return False
        combined = f"{resource}/{subresource}" if subresource else resource
        for spec in self.resources:
            if spec in (combined, "*"):
                return True
            if subresource and spec.startswith("*/") and spec[2:] == subresource:
                return True
            if spec.endswith("/*") and spec[:-2] == resource:
                return True
        return False


@dataclass(frozen=True)
class PolicyRule:
    level: str
    users: frozenset[str] = frozenset()
    user_groups: frozenset[str] = frozenset()
    verbs: frozenset[str] = frozenset()
    resources: tuple[GroupResources, ...] = ()
    namespaces: frozenset[str] = frozenset()
    non_resource_urls: tuple[str, ...] = ()
    omit_stages: frozenset[str] = frozenset()
    omit_managed_fields: bool = False

    def matches(self, attrs: RequestAttributes) -> bool:
        if self.users and attrs.user.name not in self.users:
            return False
        if self.user_groups and not self.user_groups.intersection(attrs.user.groups):
            return False
        if self.verbs and attrs.verb not in self.verbs:
            return False
        if self.namespaces or self.resources:
            return attrs.resource_request and self._matches_resource(attrs)
        if self.non_resource_urls:
            return not attrs.resource_request and any(_path_matches(attrs.path, s) for s in self.non_resource_urls)
        return True

    def _matches_resource(self, attrs: RequestAttributes) -> bool:
        if self.namespaces and attrs.namespace not in self.namespaces:  # cluster-scoped: ""
            return False
        if not self.resources:
            return True
        return any(
            gr.group == attrs.api_group and gr.matches(attrs.resource, attrs.subresource, attrs.name)
            for gr in self.resources
        )


def _path_matches(path: str, spec: str) -> bool:
    return spec == "*" or spec == path or (spec.endswith("*") and path.startswith(spec.rstrip("*")))


@dataclass(frozen=True)
class Policy:
    rules: tuple[PolicyRule, ...]
    omit_stages: frozenset[str] = frozenset()

    def rule_for(self, attrs: RequestAttributes) -> PolicyRule | None:
        """The first matching rule; None means level None (the request is not logged)."""
        for rule in self.rules:
            if rule.matches(attrs):
                return rule
        return None

    def level_and_stages(self, attrs: RequestAttributes) -> tuple[str, frozenset[str]]:
        rule = self.rule_for(attrs)
        return (rule.level, rule.omit_stages) if rule else ("None", self.omit_stages)


def load_policy(path: Path) -> Policy:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AuditPolicyError(f"failed to read file path {str(path)!r}: {exc}") from None
    return parse_policy(data)


def parse_policy(data: bytes) -> Policy:
    try:
        document = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise AuditPolicyError(f"the file is not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise AuditPolicyError("the file must hold one audit.k8s.io/v1 Policy object")
    if document.get("kind") != "Policy":
        raise AuditPolicyError(f"kind: Invalid value: {document.get('kind')!r}: must be 'Policy'")
    if document.get("apiVersion") not in API_VERSIONS:
        raise AuditPolicyError(f"apiVersion: Invalid value: {document.get('apiVersion')!r}: must be 'audit.k8s.io/v1'")
    omit = _stages(document.get("omitStages"), "omitStages")
    rules = document.get("rules")
    if not isinstance(rules, list) or not rules:
        raise AuditPolicyError("rules: Required value: a policy with no rules logs nothing")
    omit_managed = document.get("omitManagedFields") is True
    parsed = tuple(_rule(rule, f"rules[{i}]", omit, omit_managed) for i, rule in enumerate(rules))
    return Policy(parsed, omit)


def _strings(value: object, path: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AuditPolicyError(f"{path}: Invalid value: must be a list of strings")
    return tuple(value)


def _stages(value: object, path: str) -> frozenset[str]:
    stages = _strings(value, path)
    for i, stage in enumerate(stages):
        if stage not in STAGES:
            supported = ", ".join(f'"{s}"' for s in STAGES)
            raise AuditPolicyError(f'{path}[{i}]: Unsupported value: "{stage}": supported values: {supported}')
    return frozenset(stages)


def _rule(rule: object, path: str, policy_omit: frozenset[str], policy_omit_managed: bool) -> PolicyRule:
    if not isinstance(rule, dict):
        raise AuditPolicyError(f"{path}: Invalid value: a rule must be an object")
    for key in rule:
        if key not in RULE_FIELDS:
            raise AuditPolicyError(f'{path}: Invalid value: unknown field "{key}"')
    level = rule.get("level")
    if not level:
        raise AuditPolicyError(f"{path}.level: Required value")
    if level not in LEVELS:
        supported = ", ".join(f'"{s}"' for s in LEVELS)
        raise AuditPolicyError(f'{path}.level: Unsupported value: "{level}": supported values: {supported}')
    urls = _strings(rule.get("nonResourceURLs"), f"{path}.nonResourceURLs")
    namespaces = _strings(rule.get("namespaces"), f"{path}.namespaces")
    resources = _group_resources(rule.get("resources"), f"{path}.resources")
    if urls and (namespaces or resources):
        raise AuditPolicyError(
            f"{path}.nonResourceURLs: Invalid value: rules cannot apply to both regular resources and non-resource URLs"
        )
    for i, url in enumerate(urls):
        if url == "*":
            continue
        if not url.startswith("/"):
            raise AuditPolicyError(
                f"{path}.nonResourceURLs[{i}]: Invalid value: \"{url}\": non-resource URL rules must begin with a '/'"
            )
        if "*" in url[:-1]:
            raise AuditPolicyError(
                f'{path}.nonResourceURLs[{i}]: Invalid value: "{url}": '
                "non-resource URL wildcards '*' must be the final character of the rule"
            )
    return PolicyRule(
        level=level,
        users=frozenset(_strings(rule.get("users"), f"{path}.users")),
        user_groups=frozenset(_strings(rule.get("userGroups"), f"{path}.userGroups")),
        verbs=frozenset(_strings(rule.get("verbs"), f"{path}.verbs")),
        resources=resources,
        namespaces=frozenset(namespaces),
        non_resource_urls=urls,
        omit_stages=policy_omit | _stages(rule.get("omitStages"), f"{path}.omitStages"),
        omit_managed_fields=rule.get("omitManagedFields", policy_omit_managed) is True,
    )


def _group_resources(value: object, path: str) -> tuple[GroupResources, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise AuditPolicyError(f"{path}: Invalid value: must be a list of {{group, resources, resourceNames}}")
    result = []
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        if not isinstance(item, dict):
            raise AuditPolicyError(f"{where}: Invalid value: must be an object with group, resources, resourceNames")
        group = item.get("group") or ""
        if not isinstance(group, str) or "*" in group:
            raise AuditPolicyError(f"{where}.group: Invalid value: {group!r}: must be a group name (no wildcards)")
        resources = _strings(item.get("resources"), f"{where}.resources")
        names = _strings(item.get("resourceNames"), f"{where}.resourceNames")
        if names and not resources:
            raise AuditPolicyError(
                f"{where}.resourceNames: Invalid value: using resourceNames requires at least one resource"
            )
        for j, resource in enumerate(resources):
            if not resource:
                raise AuditPolicyError(f"{where}.resources[{j}]: Invalid value: resource name must not be empty")
            if "*" in resource and resource != "*" and not resource.startswith("*/") and not resource.endswith("/*"):
                raise AuditPolicyError(
                    f'{where}.resources[{j}]: Invalid value: "{resource}": illegal usage of wildcard'
                )
        result.append(GroupResources(group, resources, names))
    return tuple(result)
