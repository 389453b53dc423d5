"""What an applier stops listing goes away, unless another manager owns it.

    prune(merged, last, owned, schema)
        last  = the fields the applier owned before this apply
        owned = every manager's fields after it (the applier's new set included)

A field in `last` that nobody owns now is removed with everything below it; a
field that was only a parent in `last` is walked into, and removed when nothing
is left in it. Fields the applier never owned (defaults, other writers' fields
nobody tracks) are kept: structured-merge-diff's prune with its add-backs.
"""

from __future__ import annotations

from apiserver.apply.fieldpath import Element, FieldSet
from apiserver.apply.typed import is_granular_list, is_granular_map, items_by_element, schema_of_child
from kubemini.api.schema.nodes import LIST, Schema

_EMPTY = FieldSet()
_DROP = object()


def prune(value: object, last: FieldSet | None, owned: FieldSet, schema: Schema) -> object:
    if last is None or last.empty():
        return value
    return _prune(value, last, owned, schema)


def _prune(value: object, last: FieldSet, owned: FieldSet, schema: Schema) -> object:
    if isinstance(value, dict) and is_granular_map(schema, value):
        result = {}
        for key, child in value.items():
            kept = _decide(("f", key), child, last, owned, schema_of_child(schema, key)[0])
            if kept is not _DROP:
                result[key] = kept
        return result
    if isinstance(value, list) and schema.kind == LIST and is_granular_list(schema):
        result = []
        for element, item in items_by_element(schema, value).items():
            kept = _decide(element, item, last, owned, schema.items)
            if kept is not _DROP:
                result.append(kept)
        return result
    return value


def _decide(element: Element, child: object, last: FieldSet, owned: FieldSet, schema: Schema) -> object:
    if element not in last.members and element not in last.children:
        return child  # never this applier's
    if element in owned.members:
        return child
    child_last = last.children.get(element) or _EMPTY
    child_owned = owned.children.get(element)
    if child_owned is not None and not child_owned.empty():
        return _prune(child, child_last, child_owned, schema)
    if element in last.members:
        return _DROP
    emptied = _prune(child, child_last, _EMPTY, schema)
    if element[0] == "f" and emptied in ({}, []) and child not in ({}, []):
        return _DROP  # a struct field left empty goes too, as Go's omitempty drops it
    return emptied
