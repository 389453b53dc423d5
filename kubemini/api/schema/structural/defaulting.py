"""Defaults of a structural schema, applied to a custom resource (upstream's structural defaulting).

    object + root node ──apply_defaults──► the object, in place:
        a field absent (or null and not nullable) whose schema has `default` → a copy of the default,
        itself defaulted further down; then every present object, map value and list item, recursively

Runs on every create and update, after unknown fields are pruned and before validation,
so a default is validated like a value the client sent.
"""

from __future__ import annotations

import copy

from kubemini.api.schema.nodes import LIST, MAP, OBJECT, Schema


def apply_defaults(schema: Schema, value: object) -> None:
    if not schema.structural:
        return
    if isinstance(value, dict):
        if schema.kind == MAP and schema.items is not None:
            for item in value.values():
                apply_defaults(schema.items, item)
            return
        if schema.kind != OBJECT:
            return
        for name, child in schema.fields.items():
            if child.default is not None and (name not in value or (value[name] is None and not child.nullable)):
                value[name] = copy.deepcopy(child.default)
            if name in value:
                apply_defaults(child, value[name])
    elif isinstance(value, list) and schema.kind == LIST and schema.items is not None:
        for item in value:
            apply_defaults(schema.items, item)
