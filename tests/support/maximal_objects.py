"""A maximal object of every kind: every field its upstream schema has, set to a type-valid placeholder
(nested to MAX_DEPTH). Typed decoding, protobuf and the HTTP path must keep every one of them."""

from __future__ import annotations

from kubemini.api.kinds.checking import schema_of
from kubemini.api.schema.nodes import (
    BOOLEAN,
    INT_OR_STRING,
    INTEGER,
    LIST,
    MAP,
    NUMBER,
    OBJECT,
    QUANTITY,
    STRING,
    Schema,
)

MAX_DEPTH = 7
# TypeMeta of an embedded object (volumeClaimTemplates): JSON only, as upstream has it.
EMBEDDED_TYPE_META = ("apiVersion", "kind")
# A definition that contains itself directly: cut at MAX_DEPTH like lists and maps.
RECURSIVE_DEFINITIONS = ("apiextensions.v1.JSONSchemaProps",)
CUT = object()  # a field below MAX_DEPTH: left out, as empty lists and maps have no protobuf form


def _value(schema: Schema, depth: int, name: str = "") -> object:
    """A type-valid, non-zero value for `schema` (every field of objects, up to MAX_DEPTH)."""
    if schema.kind == OBJECT:
        if depth >= MAX_DEPTH and schema.name.endswith(RECURSIVE_DEFINITIONS):
            return CUT  # JSONSchemaProps holds itself (`not`, `externalDocs`' parent): stop somewhere
        values = {
            key: _value(child, depth + 1, key)
            for key, child in sorted(schema.fields.items())
            if depth == 0 or key not in EMBEDDED_TYPE_META or "metadata" not in schema.fields
        }
        return {key: value for key, value in values.items() if value is not CUT}
    if depth >= MAX_DEPTH:
        return CUT
    if schema.kind == LIST:
        item = _value(schema.items, depth + 1)
        return CUT if item is CUT else [item]
    if schema.kind == MAP:
        item = _value(schema.items, depth + 1)
        return CUT if item is CUT else {"key": item}
    if schema.kind == STRING:
        if schema.format == "byte":
            return "Ynl0ZXM="
        if schema.format == "date-time":
            return "2026-01-02T03:04:05Z"
        return f"{name or 'value'}-x"
    if schema.kind == INTEGER:
        return 7
    if schema.kind == NUMBER:
        return 1.5
    if schema.kind == BOOLEAN:
        return True
    if schema.kind == INT_OR_STRING:
        return "25%"
    if schema.kind == QUANTITY:
        return "250m"
    if schema.name.endswith(("JSONSchemaPropsOrArray", "JSONSchemaPropsOrBool", "JSONSchemaPropsOrStringArray")):
        return {"type": "string"}  # a schema: what the protobuf form of these unions can carry
    return {"free": ["form", 1]}


def maximal(record) -> dict:
    obj = _value(schema_of(record), 0)
    obj["apiVersion"], obj["kind"] = record.api_version, record.kind
    return obj
