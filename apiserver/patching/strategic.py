"""Strategic merge patch, what `kubectl apply`, `edit` and `set image` send.

Lists of named things merge element by element on their merge key (the key
Kubernetes' Go types declare with `patchMergeKey`); other lists are replaced.
Directives honoured: `$patch: delete|replace|merge`, `$retainKeys`,
`$deleteFromPrimitiveList/<field>`; `$setElementOrder/<field>` is ignored.
"""

from __future__ import annotations

import copy

from apiserver.errors import bad_request

MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "conditions": "type",
    "ownerReferences": "uid",
    "hostAliases": "ip",
    "addresses": "type",
    "podIPs": "ip",
    "resourceClaims": "name",
}
PRIMITIVE_MERGE_LISTS = {"finalizers"}
_DELETE = object()


def _merge_key(field: str, current: list, patch: list) -> str | None:
    if field == "ports":
        elements = [e for e in current + patch if isinstance(e, dict)]
        return "containerPort" if any("containerPort" in e for e in elements) else "port"
    return MERGE_KEYS.get(field)


def _merge_map(current: object, patch: dict) -> object:
    directive = patch.get("$patch")
    if directive == "delete":
        return _DELETE
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    result = copy.deepcopy(current) if isinstance(current, dict) else {}
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys") or key.startswith("$setElementOrder/"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            if isinstance(result.get(field), list) and isinstance(value, list):
                result[field] = [v for v in result[field] if v not in value]
            continue
        if value is None:
            result.pop(key, None)
            continue
        merged = _merge_value(key, result.get(key), value)
        if merged is _DELETE:
            result.pop(key, None)
        else:
            result[key] = merged
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_list(field: str, current: object, patch: list) -> list:
    current_list = current if isinstance(current, list) else []
    if any(isinstance(e, dict) and e.get("$patch") == "replace" for e in patch):
        return [copy.deepcopy(e) for e in patch if not (isinstance(e, dict) and "$patch" in e)]
    if field in PRIMITIVE_MERGE_LISTS:
        merged = list(current_list)
        merged.extend(v for v in patch if v not in merged)
        return merged
    key = _merge_key(field, current_list, patch)
    if key is None or not all(isinstance(e, dict) for e in patch):
        return copy.deepcopy(patch)
    result = copy.deepcopy(current_list)
    for element in patch:
        if key not in element:
            raise bad_request(f"map in list {field!r} has no merge key {key!r}")
        position = next((i for i, e in enumerate(result) if isinstance(e, dict) and e.get(key) == element[key]), None)
        if element.get("$patch") == "delete":
            if position is not None:
                result.pop(position)
            continue
        if position is None:
            result.append({k: copy.deepcopy(v) for k, v in element.items() if k != "$patch"})
        else:
            result[position] = _merge_map(result[position], element)
    return result


def _merge_value(field: str, current: object, patch: object) -> object:
    if isinstance(patch, dict):
        return _merge_map(current, patch)
    if isinstance(patch, list):
        return _merge_list(field, current, patch)
    return copy.deepcopy(patch)


def apply_strategic_merge_patch(document: dict, patch: object) -> dict:
    if not isinstance(patch, dict):
        raise bad_request("a strategic merge patch must be a JSON object")
    result = _merge_map(document, patch)
    if not isinstance(result, dict):
        raise bad_request("a strategic merge patch may not delete the whole object")
    return result
