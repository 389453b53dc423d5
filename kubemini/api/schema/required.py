"""Required fields, from the schema's `required` lists, reported as 422 field errors.

Runs after defaulting, so a field Kubernetes defaults is never reported. Lists
and maps are walked item by item (`spec.containers[0].name: Required value`).
"""

from __future__ import annotations

from kubemini.api.field_errors import FieldErrors
from kubemini.api.schema.nodes import LIST, MAP, OBJECT, Schema

# Upstream marks these required in the schema but defaults or fills them itself before validating.
_FILLED_BY_SERVER = frozenset({"metadata", "apiVersion", "kind"})


def check_required(schema: Schema, value: object, errors: FieldErrors, path: str = "") -> None:
    if schema.kind == OBJECT and isinstance(value, dict):
        for name in schema.required:
            if name in _FILLED_BY_SERVER and not path:
                continue
            if value.get(name) is None:
                errors.required(f"{path}.{name}" if path else name)
        for name, item in value.items():
            child = schema.fields.get(name)
            if child is not None and item is not None and child.kind in (OBJECT, LIST, MAP):
                check_required(child, item, errors, f"{path}.{name}" if path else name)
    elif schema.kind == LIST and isinstance(value, list) and schema.items is not None:
        if schema.items.kind in (OBJECT, LIST, MAP):
            for index, item in enumerate(value):
                check_required(schema.items, item, errors, f"{path}[{index}]")
    elif schema.kind == MAP and isinstance(value, dict) and schema.items is not None:
        if schema.items.kind in (OBJECT, LIST, MAP):
            for key, item in value.items():
                check_required(schema.items, item, errors, f"{path}[{key}]")
