"""Objects walked with their schema, as structured-merge-diff walks typed values.

    field_set(value, schema)      the paths a value sets (an applier owns exactly these)
    compare(old, new, schema)     added / modified / removed paths between two versions
    merge(live, config, schema)   config laid over live: granular structs and maps merged key by key,
                                  `map` lists by their keys, `set` lists by value, atomic values replaced

A list is atomic unless its schema says `x-kubernetes-list-type: map|set`, or (for
built-ins without it) its patch strategy is `merge` (keyed by the merge key, or a set).
A struct or map is granular unless `x-kubernetes-map-type: atomic`. A value the schema
does not describe is walked as "deduced": objects granular, lists atomic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apiserver.apply.fieldpath import Element, FieldSet, Path, index_element, key_element, value_element
from kubemini.api.schema.nodes import ANY, LIST, MAP, OBJECT, Schema

DEDUCED = Schema(ANY, preserve_unknown=True)
ATOMIC, SET, ASSOCIATIVE = "atomic", "set", "map"


def list_type(schema: Schema) -> tuple[str, tuple[str, ...]]:
    if schema.kind != LIST:
        return ATOMIC, ()
    if schema.list_type in (SET, ASSOCIATIVE):
        return schema.list_type, schema.list_map_keys or ((schema.patch_merge_key,) if schema.patch_merge_key else ())
    if not schema.list_type and "merge" in schema.patch_strategy.split(","):
        return (ASSOCIATIVE, (schema.patch_merge_key,)) if schema.patch_merge_key else (SET, ())
    return ATOMIC, ()


def is_granular_map(schema: Schema, value: object) -> bool:
    if schema.kind in (OBJECT, MAP):
        return schema.map_type != "atomic"
    return schema.kind == ANY and isinstance(value, dict)


def is_granular_list(schema: Schema) -> bool:
    return list_type(schema)[0] != ATOMIC


def schema_of_child(schema: Schema, key: str) -> tuple[Schema, bool]:
    """(schema of `key` in an object or map, whether it is a declared struct field)."""
    if schema.kind == OBJECT:
        if key in schema.fields:
            return schema.fields[key], True
        return DEDUCED, False
    if schema.kind == MAP and schema.items is not None:
        return schema.items, False
    return DEDUCED, False


# Key fields upstream's OpenAPI gives a default to (the schemas we load leave it out): an item that
# omits one is keyed by the default, so `{port: 80}` and the stored `{port: 80, protocol: TCP}` are one.
KEY_DEFAULTS = {
    "io.k8s.api.core.v1.ServicePort": {"protocol": "TCP"},
    "io.k8s.api.core.v1.ContainerPort": {"protocol": "TCP"},
}


def _with_key_defaults(item: dict, schema: Schema, keys: tuple[str, ...]) -> dict:
    missing = [name for name in keys if name not in item]
    if not missing or schema.items is None:
        return item
    defaults = dict(KEY_DEFAULTS.get(schema.items.name, {}))
    for name in missing:
        declared = schema.items.fields.get(name)
        if declared is not None and declared.default is not None:
            defaults[name] = declared.default
    return {**{name: defaults[name] for name in missing if name in defaults}, **item}


def item_element(schema: Schema, item: object, index: int) -> Element:
    kind, keys = list_type(schema)
    if kind == ASSOCIATIVE and isinstance(item, dict) and keys:
        return key_element(_with_key_defaults(item, schema, keys), keys)
    if kind == SET:
        return value_element(item)
    return index_element(index)


def items_by_element(schema: Schema, items: object) -> dict[Element, object]:
    if not isinstance(items, list):
        return {}
    return {item_element(schema, item, i): item for i, item in enumerate(items)}


# -- field sets -----------------------------------------------------------------------------


def field_set(value: object, schema: Schema) -> FieldSet:
    out = FieldSet()
    _collect(value, schema, (), out)
    return out


def _collect(value: object, schema: Schema, path: Path, out: FieldSet) -> None:
    if is_granular_map(schema, value):
        if not isinstance(value, dict):
            if path:
                out.insert(path)
            return
        for key, child in value.items():
            child_schema, declared = schema_of_child(schema, key)
            child_path = (*path, ("f", key))
            _collect(child, child_schema, child_path, out)
            if child is None or child == {} or not declared:
                out.insert(child_path)
        return
    if schema.kind == LIST and is_granular_list(schema) and schema.items is not None:
        if not isinstance(value, list):
            if path and value is not None:
                out.insert(path)
            return
        for element, item in items_by_element(schema, value).items():
            item_path = (*path, element)
            _collect(item, schema.items, item_path, out)
            out.insert(item_path)
        return
    if path:
        out.insert(path)


# -- comparison -----------------------------------------------------------------------------


@dataclass
class Comparison:
    added: FieldSet = field(default_factory=FieldSet)
    modified: FieldSet = field(default_factory=FieldSet)
    removed: FieldSet = field(default_factory=FieldSet)

    def same(self) -> bool:
        return self.added.empty() and self.modified.empty() and self.removed.empty()

    def changed(self) -> FieldSet:
        return self.modified.union(self.added)


_ABSENT = object()


def compare(old: object, new: object, schema: Schema) -> Comparison:
    result = Comparison()
    _compare(old, new, schema, (), result)
    return result


def _empty(value: object) -> bool:
    return value is _ABSENT or value is None or value == {} or value == []


def _compare(old: object, new: object, schema: Schema, path: Path, out: Comparison) -> None:
    sample = new if new is not _ABSENT else old
    granular_map = is_granular_map(schema, sample) and isinstance(sample, dict)
    granular_list = schema.kind == LIST and is_granular_list(schema) and isinstance(sample, list)
    if not (granular_map or granular_list) or (_empty(old) and _empty(new)):
        _leaf(old, new, path, out)
        return
    if granular_map:
        old_map = old if isinstance(old, dict) else {}
        new_map = new if isinstance(new, dict) else {}
        for key in {**old_map, **new_map}:
            child_schema, _ = schema_of_child(schema, key)
            _compare(old_map.get(key, _ABSENT), new_map.get(key, _ABSENT), child_schema, (*path, ("f", key)), out)
    else:
        old_items, new_items = items_by_element(schema, old), items_by_element(schema, new)
        for element in {**old_items, **new_items}:
            _compare(
                old_items.get(element, _ABSENT), new_items.get(element, _ABSENT), schema.items, (*path, element), out
            )
    if path and old is _ABSENT:
        out.added.insert(path)
    elif path and new is _ABSENT:
        out.removed.insert(path)


def _leaf(old: object, new: object, path: Path, out: Comparison) -> None:
    if not path or (old is _ABSENT and new is _ABSENT):
        return
    if old is _ABSENT:
        out.added.insert(path)
    elif new is _ABSENT:
        out.removed.insert(path)
    elif old != new:
        out.modified.insert(path)


# -- merging --------------------------------------------------------------------------------


def merge(live: object, config: object, schema: Schema) -> object:
    if is_granular_map(schema, config) and isinstance(config, dict):
        result = dict(live) if isinstance(live, dict) else {}
        for key, value in config.items():
            if value is None:
                result.pop(key, None)
                continue
            child_schema, _ = schema_of_child(schema, key)
            result[key] = merge(result.get(key), value, child_schema) if key in result else value
        return result
    if schema.kind == LIST and is_granular_list(schema) and isinstance(config, list) and isinstance(live, list):
        return _merge_items(live, config, schema)
    return config


def _merge_items(live: list, config: list, schema: Schema) -> list:
    """structured-merge-diff's list merge: config's order for shared items, live-only items kept in place."""
    live_items, config_items = items_by_element(schema, live), items_by_element(schema, config)
    live_order, config_order = list(live_items), list(config_items)
    shared = iter([element for element in config_order if element in live_items] + [None])
    next_shared = next(shared)
    out: list = []
    merged: set = set()
    left = right = 0

    def take_config(element) -> None:
        nonlocal next_shared
        merged.add(element)
        value = config_items[element]
        out.append(merge(live_items[element], value, schema.items) if element in live_items else value)
        if element == next_shared:
            next_shared = next(shared)

    while left < len(live_order) or right < len(config_order):
        if left < len(live_order) and right < len(config_order):
            element = live_order[left]
            if element == config_order[right]:
                take_config(element)
                left, right = left + 1, right + 1
                continue
            if element in config_items and next_shared is not None and next_shared != element:
                left += 1  # a shared item, but not the one this round wants
                continue
        if left < len(live_order):
            element = live_order[left]
            if element not in config_items:
                out.append(live_items[element])
                left += 1
                continue
            if element in merged:
                left += 1
                continue
        if right < len(config_order):
            take_config(config_order[right])
            right += 1
    return out
