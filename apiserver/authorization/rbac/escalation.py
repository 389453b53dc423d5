"""What a user may grant: only permissions they hold themselves (upstream's `ConfirmNoEscalation`).

requested rules ──► broken down into one verb × group × resource × name (or URL × verb) each
                ──► each covered by some rule the user holds? (`covers`)
                ──► the uncovered ones, compacted (verbs merged per resource) and described:
user "bob" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not
currently held:
{APIGroups:[""], Resources:["pods"], Verbs:["delete" "get"]}
"""

from __future__ import annotations

import json

ALL = "*"


def breakdown(rule: dict) -> list[dict]:
    simple: list[dict] = []
    names = rule.get("resourceNames") or ()
    for group in rule.get("apiGroups") or ():
        for resource in rule.get("resources") or ():
            for verb in rule.get("verbs") or ():
                base = {"apiGroups": [group], "resources": [resource], "verbs": [verb]}
                if names:
                    simple.extend({**base, "resourceNames": [name]} for name in names)
                else:
                    simple.append(base)
    for url in rule.get("nonResourceURLs") or ():
        for verb in rule.get("verbs") or ():
            simple.append({"nonResourceURLs": [url], "verbs": [verb]})
    return simple


def _has_all(owned, wanted) -> bool:
    return set(wanted) <= set(owned)


def _resources_cover(owned, wanted) -> bool:
    if ALL in owned or _has_all(owned, wanted):
        return True
    for resource in wanted:
        if resource in owned:
            continue
        _, slash, sub = resource.partition("/")
        if not slash or f"*/{sub}" not in owned:
            return False
    return True


def _urls_cover(owned, wanted) -> bool:
    def one(url: str) -> bool:
        return any(o == url or (o.endswith(ALL) and url.startswith(o.rstrip(ALL))) for o in owned)

    return all(one(url) for url in wanted)


def rule_covers(owner: dict, sub: dict) -> bool:
    owned_verbs, owned_groups = owner.get("verbs") or (), owner.get("apiGroups") or ()
    owned_names, wanted_names = owner.get("resourceNames") or (), sub.get("resourceNames") or ()
    if wanted_names:
        names_match = not owned_names or _has_all(owned_names, wanted_names)
    else:
        names_match = not owned_names
    return (
        (ALL in owned_verbs or _has_all(owned_verbs, sub.get("verbs") or ()))
        and (ALL in owned_groups or _has_all(owned_groups, sub.get("apiGroups") or ()))
        and _resources_cover(owner.get("resources") or (), sub.get("resources") or ())
        and _urls_cover(owner.get("nonResourceURLs") or (), sub.get("nonResourceURLs") or ())
        and names_match
    )


def missing_rules(owned: list[dict], requested: list[dict]) -> list[dict]:
    """The simple rules of `requested` that no rule of `owned` covers."""
    missing = []
    for rule in requested:
        for sub in breakdown(rule):
            if not any(rule_covers(owner, sub) for owner in owned):
                missing.append(sub)
    return missing


def compact(rules: list[dict]) -> list[dict]:
    """Simple resource rules of one group, resource and name merged into one rule with their verbs."""
    merged: dict[tuple, dict] = {}
    out: list[dict] = []
    for rule in rules:
        if rule.get("nonResourceURLs"):
            out.append(rule)
            continue
        key = (rule["apiGroups"][0], rule["resources"][0], tuple(rule.get("resourceNames") or ()))
        if key in merged:
            if rule["verbs"][0] not in merged[key]["verbs"]:
                merged[key]["verbs"].append(rule["verbs"][0])
        else:
            merged[key] = {**rule, "verbs": list(rule["verbs"])}
            out.append(merged[key])
    return out


def _quoted(values) -> str:
    return "[" + " ".join(json.dumps(value, ensure_ascii=False) for value in values) + "]"


def compact_string(rule: dict) -> str:
    parts = [
        f"{label}:{_quoted(rule[field])}"
        for label, field in (
            ("APIGroups", "apiGroups"),
            ("Resources", "resources"),
            ("NonResourceURLs", "nonResourceURLs"),
            ("ResourceNames", "resourceNames"),
            ("Verbs", "verbs"),
        )
        if rule.get(field)
    ]
    return "{" + ", ".join(parts) + "}"


def escalation_message(user, missing: list[dict], errors: list[str]) -> str:
    described = sorted({compact_string(rule) for rule in compact(missing)})
    message = (
        f'user "{user.name}" (groups={_quoted(user.groups)}) is attempting to grant RBAC permissions not currently '
        "held:\n" + "\n".join(described)
    )
    if errors:
        message += f"; resolution errors: [{' '.join(errors)}]"
    return message
