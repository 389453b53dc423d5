"""Strategic merge patch, what `kubectl apply`, `edit` and `set image` send, driven by the kind's schema.

For each list the upstream schema says how to merge (`x-kubernetes-patch-strategy`
and `x-kubernetes-patch-merge-key`): lists of maps with a merge key merge element
by element (containers by `name`, container ports by `containerPort`, service
ports by `port`), primitive lists with strategy `merge` are merged as sets
(finalizers), every other list is replaced. Fields the schema does not know
merge as plain maps (typed decoding reports them afterwards).

Directives: `$patch: delete|replace|merge`, `$retainKeys`, `$deleteFromPrimitiveList/<field>`,
`$setElementOrder/<field>`; any other `$patch` value is a 422.
"""

from __future__ import annotations

import copy

from apiserver.errors import ApiError, bad_request
from kubemini.api.schema.nodes import LIST, MAP, OBJECT, Schema

_DELETE = object()
DIRECTIVES = ("replace", "merge", "delete")


def _bad_directive(value: object) -> ApiError:
    return ApiError(422, f"Unknown patch type: {str(value)[:40]}", reason="Invalid")


def _field(schema: Schema | None, name: str) -> Schema | None:
    if schema is None:
        return None
    if schema.kind == OBJECT:
        return schema.fields.get(name)
    if schema.kind == MAP:
        return schema.items
    return None


def _strategies(schema: Schema | None) -> set[str]:
    return set(schema.patch_strategy.split(",")) if schema is not None and schema.patch_strategy else set()


def _merge_map(current: object, patch: dict, schema: Schema | None) -> object:
    directive = patch.get("$patch")
    if directive is not None and directive not in DIRECTIVES:
        raise _bad_directive(directive)
    if directive == "delete":
        return _DELETE
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    result = dict(current) if isinstance(current, dict) else {}  # untouched values are shared, not copied
    retain = patch.get("$retainKeys")
    orders = {}
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys"):
            continue
        if key.startswith("$setElementOrder/"):
            orders[key.split("/", 1)[1]] = value
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            if isinstance(result.get(field), list) and isinstance(value, list):
                result[field] = [v for v in result[field] if v not in value]
            continue
        if value is None:
            result.pop(key, None)
            continue
        merged = _merge_value(result.get(key), value, _field(schema, key))
        if merged is _DELETE:
            result.pop(key, None)
        else:
            result[key] = merged
    for field, order in orders.items():
        if isinstance(result.get(field), list) and isinstance(order, list):
            result[field] = _ordered(result[field], order, _field(schema, field))
    if retain is not None:
        if not isinstance(retain, list):
            raise bad_request("$retainKeys must be a list of field names")
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _ordered(items: list, order: list, schema: Schema | None) -> list:
    """Items listed in `$setElementOrder` come first in that order; the others keep theirs after them."""
    key = schema.patch_merge_key if schema is not None else ""

    def identity(item: object) -> object:
        return item.get(key) if key and isinstance(item, dict) else item

    wanted = [identity(entry) for entry in order]
    ranked = {value: rank for rank, value in enumerate(wanted) if isinstance(value, str | int | float | bool)}
    listed = [item for item in items if identity(item) in ranked]
    listed.sort(key=lambda item: ranked[identity(item)])
    return listed + [item for item in items if identity(item) not in ranked]


def _merge_list(current: object, patch: list, schema: Schema | None) -> list:
    current_list = current if isinstance(current, list) else []
    for element in patch:
        if isinstance(element, dict) and element.get("$patch") not in (None, *DIRECTIVES):
            raise _bad_directive(element["$patch"])
    if any(isinstance(e, dict) and e.get("$patch") == "replace" for e in patch):
        return [copy.deepcopy(e) for e in patch if not (isinstance(e, dict) and "$patch" in e)]
    if "merge" not in _strategies(schema):
        return copy.deepcopy(patch)
    key = schema.patch_merge_key if schema is not None else ""
    if not key:
        merged = list(current_list)
        merged.extend(copy.deepcopy(v) for v in patch if v not in merged)
        return merged
    element_schema = schema.items if schema is not None else None
    result = list(current_list)
    for element in patch:
        if not isinstance(element, dict):
            raise bad_request(f"a strategic merge patch list element must be an object with merge key {key!r}")
        if key not in element:
            raise bad_request(f"map in list has no merge key {key!r}")
        position = next((i for i, e in enumerate(result) if isinstance(e, dict) and e.get(key) == element[key]), None)
        if element.get("$patch") == "delete":
            if position is not None:
                result.pop(position)
            continue
        if position is None:
            result.append({k: copy.deepcopy(v) for k, v in element.items() if k != "$patch"})
        else:
            merged = _merge_map(result[position], element, element_schema)
            if merged is _DELETE:
                result.pop(position)
            else:
                result[position] = merged
    return result


def _merge_value(current: object, patch: object, schema: Schema | None) -> object:
    if isinstance(patch, dict):
        if schema is not None and schema.kind == LIST:
            raise bad_request("a strategic merge patch gives an object where the schema has a list")
        return _merge_map(current, patch, schema)
    if isinstance(patch, list):
        return _merge_list(current, patch, schema)
    return copy.deepcopy(patch)


def apply_strategic_merge_patch(document: dict, patch: object, schema: Schema | None) -> dict:
    if not isinstance(patch, dict):
        raise bad_request("a strategic merge patch must be a JSON object")
    result = _merge_map(document, patch, schema)
    if not isinstance(result, dict):
        raise bad_request("a strategic merge patch may not delete the whole object")
    return result
