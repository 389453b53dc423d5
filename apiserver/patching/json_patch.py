"""RFC 6902 JSON patch: add, remove, replace, move, copy, test."""

from __future__ import annotations

import copy

from apiserver.errors import ApiError, bad_request


def _unprocessable(message: str) -> ApiError:
    return ApiError(422, message, reason="Invalid")


def _tokens(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise bad_request(f"JSON pointer {pointer!r} must start with '/'")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _index(container: list, token: str, *, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return len(container)
    if not token.isdigit():
        raise _unprocessable(f"invalid array index {token!r}")
    index = int(token)
    if index > len(container) or (index == len(container) and not allow_end):
        raise _unprocessable(f"array index {index} out of range")
    return index


def _parent(document: object, pointer: str) -> tuple[object, str]:
    tokens = _tokens(pointer)
    if not tokens:
        raise _unprocessable("cannot operate on the whole document")
    current = document
    for token in tokens[:-1]:
        if isinstance(current, dict) and token in current:
            current = current[token]
        elif isinstance(current, list):
            current = current[_index(current, token, allow_end=False)]
        else:
            raise _unprocessable(f"path {pointer!r} does not exist")
    return current, tokens[-1]


def _get(document: object, pointer: str) -> object:
    current = document
    for token in _tokens(pointer):
        if isinstance(current, dict) and token in current:
            current = current[token]
        elif isinstance(current, list):
            current = current[_index(current, token, allow_end=False)]
        else:
            raise _unprocessable(f"path {pointer!r} does not exist")
    return current


def _add(document: object, pointer: str, value: object) -> None:
    parent, token = _parent(document, pointer)
    if isinstance(parent, dict):
        parent[token] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, token, allow_end=True), value)
    else:
        raise _unprocessable(f"path {pointer!r} does not exist")


def _remove(document: object, pointer: str) -> object:
    parent, token = _parent(document, pointer)
    if isinstance(parent, dict) and token in parent:
        return parent.pop(token)
    if isinstance(parent, list):
        return parent.pop(_index(parent, token, allow_end=False))
    raise _unprocessable(f"path {pointer!r} does not exist")


def apply_json_patch(document: dict, operations: object) -> dict:
    if not isinstance(operations, list):
        raise bad_request("a JSON patch must be a list of operations")
    result = copy.deepcopy(document)
    for operation in operations:
        if not isinstance(operation, dict) or "op" not in operation or "path" not in operation:
            raise bad_request(f"invalid JSON patch operation: {operation!r}")
        op, path = operation["op"], operation["path"]
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
            _add(result, path, _remove(result, operation.get("from", "")))
        elif op == "copy":
            _add(result, path, copy.deepcopy(_get(result, operation.get("from", ""))))
        elif op == "test":
            if _get(result, path) != operation["value"]:
                raise _unprocessable(f"test operation failed at {path!r}")
        else:
            raise bad_request(f"unknown JSON patch operation {op!r}")
    if not isinstance(result, dict):
        raise _unprocessable("a JSON patch must leave an object")
    return result
