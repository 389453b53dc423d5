"""PolicyRule matching, as Kubernetes' `rbac.RuleAllows` (pure functions over plain dict rules).

    rule {verbs, apiGroups, resources, resourceNames} × attrs (verb, group, resource[/sub], name) ──► bool
    rule {verbs, nonResourceURLs}                      × attrs (verb, path)                       ──► bool
`*` matches every verb, group and resource (subresources included); `*/scale` every resource's
scale; a resourceNames list limits a rule to those names (so never to a list or a create without
a name); a nonResourceURL ending in `*` matches every path it prefixes.
"""

from __future__ import annotations

from apiserver.authorization.attributes import RequestAttributes

ALL = "*"


def verb_matches(rule: dict, verb: str) -> bool:
    verbs = rule.get("verbs") or ()
    return ALL in verbs or verb in verbs


def group_matches(rule: dict, group: str) -> bool:
    groups = rule.get("apiGroups") or ()
    return ALL in groups or group in groups


def resource_matches(rule: dict, combined: str, subresource: str) -> bool:
    for resource in rule.get("resources") or ():
        if resource == ALL or resource == combined:
            return True
        if subresource and resource == f"*/{subresource}":
            return True
    return False


def name_matches(rule: dict, name: str) -> bool:
    names = rule.get("resourceNames")
    if not names:
        return True
    return bool(name) and name in names


def url_matches(rule: dict, path: str) -> bool:
    for url in rule.get("nonResourceURLs") or ():
        if url == ALL or url == path:
            return True
        if url.endswith(ALL) and path.startswith(url.rstrip(ALL)):
            return True
    return False


def combined_resource(attrs: RequestAttributes) -> str:
    return f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource


def rule_allows(rule: dict, attrs: RequestAttributes) -> bool:
    if not verb_matches(rule, attrs.verb):
        return False
    if attrs.resource_request:
        return (
            group_matches(rule, attrs.api_group)
            and resource_matches(rule, combined_resource(attrs), attrs.subresource)
            and name_matches(rule, attrs.name)
        )
    return url_matches(rule, attrs.path)


def rules_allow(rules: list[dict], attrs: RequestAttributes) -> bool:
    return any(rule_allows(rule, attrs) for rule in rules)
