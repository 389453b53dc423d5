"""RFC 7386 JSON merge patch."""

from __future__ import annotations

import copy

from apiserver.errors import bad_request


def merge(target: object, patch: object) -> object:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}  # untouched values are shared, not copied
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge(result.get(key), value)
    return result


def apply_merge_patch(document: dict, patch: object) -> dict:
    if not isinstance(patch, dict):
        raise bad_request("a merge patch must be a JSON object")
    return merge(document, patch)  # type: ignore[return-value]
