"""YAML API bodies turned into the JSON document they stand for.

A YAML alias is a reference: PyYAML builds each anchored node once and shares
it, so a "billion laughs" document of 400 bytes is small in memory until
something walks it. Before anything does, `_expanded_size` counts the nodes of
the expanded tree over the shared graph (each node once, memoised), and a
document that would expand too far is refused. Only then is the tree copied
out without sharing (later defaulting mutates objects in place, which must not
reach every alias). On the way: timestamps stay strings, keys become strings
(`1: a` → `"1": "a"`), NaN and infinities are refused, as sigs.k8s.io/yaml
converting to JSON would.
"""

from __future__ import annotations

import base64
import math

import yaml

from apiserver.decoding.limits import YAML_ALIAS_RATIO_FLOOR, YAML_MAX_ALIAS_RATIO, YAML_MAX_EXPANDED_NODES

try:
    from yaml.cyaml import CParser as _Parser  # libyaml: an order of magnitude faster than pure Python
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _Parser = None


class YamlBodyError(ValueError):
    pass


class _Constructor(yaml.constructor.SafeConstructor):
    pass


def _timestamp_as_text(constructor: yaml.constructor.SafeConstructor, node: yaml.Node) -> str:
    return constructor.construct_scalar(node)


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)

if _Parser is not None:

    class ApiYamlLoader(_Parser, _Constructor, yaml.resolver.Resolver):
        def __init__(self, stream):
            _Parser.__init__(self, stream)
            _Constructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

else:  # pragma: no cover

    class ApiYamlLoader(  # type: ignore[no-redef]
        yaml.reader.Reader,
        yaml.scanner.Scanner,
        yaml.parser.Parser,
        yaml.composer.Composer,
        _Constructor,
        yaml.resolver.Resolver,
    ):
        def __init__(self, stream):
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            _Constructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)


def _expanded_size(root: object) -> tuple[int, int]:
    """(nodes once aliases are expanded, distinct nodes), without expanding anything."""
    sizes: dict[int, int] = {}
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if not isinstance(node, dict | list) or (id(node) in sizes and not children_done):
            continue
        children = list(node.values()) if isinstance(node, dict) else node
        containers = [child for child in children if isinstance(child, dict | list)]
        if not children_done:
            sizes[id(node)] = -1  # on the stack: a cycle back to it counts as one node
            stack.append((node, True))
            stack.extend((child, False) for child in containers if id(child) not in sizes)
            continue
        total = 1 + len(children) - len(containers)
        for child in containers:
            total += max(sizes.get(id(child), 1), 1)
            if total > YAML_MAX_EXPANDED_NODES:
                return total, len(sizes)
        sizes[id(node)] = total
    return max(sizes.get(id(root), 1), 1), len(sizes)


def _to_json_value(value: object, *, on_path: frozenset[int] = frozenset()) -> object:
    if isinstance(value, dict):
        if id(value) in on_path:
            raise YamlBodyError("yaml: a document may not contain itself")
        inner = on_path | {id(value)}
        return {_key(key): _to_json_value(item, on_path=inner) for key, item in value.items()}
    if isinstance(value, list):
        if id(value) in on_path:
            raise YamlBodyError("yaml: a document may not contain itself")
        inner = on_path | {id(value)}
        return [_to_json_value(item, on_path=inner) for item in value]
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        raise YamlBodyError(f"yaml: {value} is not a valid JSON number")
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise YamlBodyError(f"yaml: a {type(value).__name__} value has no JSON form")


def _key(key: object) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, int | float):
        return str(key)
    raise YamlBodyError(f"yaml: a {type(key).__name__} map key has no JSON form")


def load_yaml(raw: bytes) -> object:
    try:
        loader = ApiYamlLoader(raw)
        try:
            document = loader.get_single_data()
        finally:
            loader.dispose()
    except RecursionError:
        raise YamlBodyError("yaml: exceeded max depth") from None
    except yaml.YAMLError as exc:
        raise YamlBodyError(f"error converting YAML to JSON: {exc}") from None
    expanded, distinct = _expanded_size(document)
    too_many = expanded > YAML_MAX_EXPANDED_NODES
    if too_many or (expanded > YAML_ALIAS_RATIO_FLOOR and expanded > YAML_MAX_ALIAS_RATIO * distinct):
        raise YamlBodyError("error converting YAML to JSON: yaml: document contains excessive aliasing")
    try:
        return _to_json_value(document)
    except RecursionError:
        raise YamlBodyError("yaml: exceeded max depth") from None
