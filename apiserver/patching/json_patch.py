"""RFC 6902 JSON patch: add, remove, replace, move, copy, test, with Kubernetes' limits.

At most 10,000 operations per patch, and `copy` may add at most 3 MiB in total
(measured as it goes, stopping as soon as the budget is spent), so a short
patch of doubling copies cannot blow a small object up to gigabytes.
"""

from __future__ import annotations

import copy

from apiserver.decoding.limits import JSON_PATCH_MAX_COPIED_BYTES, JSON_PATCH_MAX_OPERATIONS
from apiserver.errors import ApiError, bad_request
from kubemini import json_codec

OPERATIONS = ("add", "remove", "replace", "move", "copy", "test")


def _unprocessable(message: str) -> ApiError:
    return ApiError(422, f"the server rejected our request due to an error in our request: {message}", reason="Invalid")


def _tokens(pointer: object) -> list[str]:
    if not isinstance(pointer, str):
        raise bad_request(f"a JSON patch path must be a string, got {type(pointer).__name__}")
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise bad_request(f"JSON pointer {pointer[:80]!r} must start with '/'")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _index(container: list, token: str, *, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return len(container)
    if not token.isdigit() or (len(token) > 1 and token.startswith("0")):
        raise _unprocessable(f"invalid array index {token[:40]!r}")
    index = int(token)
    if index > len(container) or (index == len(container) and not allow_end):
        raise _unprocessable(f"array index {index} out of range")
    return index


def _walk(document: object, tokens: list[str], pointer: str) -> object:
    current = document
    for token in tokens:
        if isinstance(current, dict) and token in current:
            current = current[token]
        elif isinstance(current, list):
            current = current[_index(current, token, allow_end=False)]
        else:
            raise _unprocessable(f"path {pointer[:80]!r} does not exist")
    return current


def _parent(document: object, pointer: str) -> tuple[object, str]:
    tokens = _tokens(pointer)
    if not tokens:
        raise _unprocessable("cannot operate on the whole document")
    return _walk(document, tokens[:-1], pointer), tokens[-1]


def _add(document: object, pointer: str, value: object) -> None:
    parent, token = _parent(document, pointer)
    if isinstance(parent, dict):
        parent[token] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, token, allow_end=True), value)
    else:
        raise _unprocessable(f"path {pointer[:80]!r} does not exist")


def _remove(document: object, pointer: str) -> object:
    parent, token = _parent(document, pointer)
    if isinstance(parent, dict) and token in parent:
        return parent.pop(token)
    if isinstance(parent, list):
        return parent.pop(_index(parent, token, allow_end=False))
    raise _unprocessable(f"path {pointer[:80]!r} does not exist")


def _measure(value: object, budget: int) -> int:
    """An upper-bound byte size of `value` as JSON, giving up once it passes `budget`."""
    size, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            size += 2 + sum(len(key) + 4 for key in item)
            stack.extend(item.values())
        elif isinstance(item, list):
            size += 2 + len(item)
            stack.extend(item)
        else:
            size += len(item) + 2 if isinstance(item, str) else 8
        if size > budget:
            return size
    return size


def apply_json_patch(document: dict, operations: object) -> dict:
    if not isinstance(operations, list):
        raise bad_request("a JSON patch must be a list of operations")
    if len(operations) > JSON_PATCH_MAX_OPERATIONS:
        raise ApiError(
            413,
            f"The allowed maximum operations in a JSON patch is {JSON_PATCH_MAX_OPERATIONS}, got {len(operations)}",
            reason="RequestEntityTooLarge",
        )
    result = json_codec.clone(document)
    copied = 0
    for operation in operations:
        if not isinstance(operation, dict) or "op" not in operation or "path" not in operation:
            raise bad_request(f"invalid JSON patch operation: {str(operation)[:120]}")
        op, path = operation["op"], operation["path"]
        if op not in OPERATIONS:
            raise bad_request(f"unknown JSON patch operation {str(op)[:40]!r}")
        if op in ("add", "replace", "test") and "value" not in operation:
            raise bad_request(f"JSON patch operation {op!r} needs a value")
        if op == "add":
            _add(result, path, copy.deepcopy(operation["value"]))
        elif op == "remove":
            _remove(result, path)
        elif op == "replace":
            _remove(result, path)
            _add(result, path, copy.deepcopy(operation["value"]))
        elif op == "move":
            source = operation.get("from", "")
            if isinstance(source, str) and isinstance(path, str) and path.startswith(source + "/"):
                raise _unprocessable("a value may not be moved into one of its children")
            _add(result, path, _remove(result, source))
        elif op == "copy":
            value = _walk(result, _tokens(operation.get("from", "")), str(operation.get("from")))
            copied += _measure(value, JSON_PATCH_MAX_COPIED_BYTES - copied)
            if copied > JSON_PATCH_MAX_COPIED_BYTES:
                raise ApiError(
                    413,
                    f"Unable to apply JSON patch: copies would add more than {JSON_PATCH_MAX_COPIED_BYTES} bytes",
                    reason="RequestEntityTooLarge",
                )
            _add(result, path, copy.deepcopy(value))
        elif _walk(result, _tokens(path), path) != operation["value"]:
            raise _unprocessable(f"test operation failed at {path[:80]!r}")
    if not isinstance(result, dict):
        raise _unprocessable("a JSON patch must leave an object")
    return result
