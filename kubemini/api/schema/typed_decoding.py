"""Typed decoding: a decoded JSON document checked and normalised against its kind's schema.

    dict from JSON/YAML ──decode_typed(schema, doc)──► the same dict, in place:
        wrong JSON type for a field           → TypeMismatch (the API answers 400, Go's wording)
        int out of int32/int64 range          → TypeMismatch
        field the schema does not know        → removed, path reported in `unknown`
        key sent twice in one JSON object     → path reported in `duplicates` (last one kept)
        `null` for a field                    → removed (Go decodes it to the zero value)
        quantity                              → canonical string (`0.5` → `500m`)
        nesting deeper than MAX_DEPTH          → TypeMismatch

This runs before defaulting and semantic validation, so those only ever see a
document whose types match the schema (as in Kubernetes, where decoding into
Go structs comes first). Paths use Kubernetes' strict-decoding form:
`spec.template.spec.containers[0].imagee`.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field

from kubemini.api.quantity import QuantityError, canonical_quantity
from kubemini.api.schema.nodes import (
    ANY,
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

MAX_DEPTH = 512
INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
QUANTITY_PATTERN_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


class TypeMismatch(ValueError):
    """The document does not fit the schema's types; the message is Go's `json:` error."""


@dataclass
class DecodeFindings:
    unknown: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


def go_type(schema: Schema) -> str:
    """How Go names the field's type in an unmarshal error: `[]v1.Container`, `int32`, `map[string]string`."""
    if schema.kind == OBJECT or schema.name:
        parts = schema.name.split(".")
        return f"{parts[-2]}.{parts[-1]}" if len(parts) >= 2 else "struct"
    if schema.kind == LIST:
        return f"[]{go_type(schema.items)}" if schema.items else "[]interface {}"
    if schema.kind == MAP:
        return f"map[string]{go_type(schema.items)}" if schema.items else "map[string]interface {}"
    if schema.kind == INTEGER:
        return "int32" if schema.format == "int32" else "int64"
    if schema.kind == NUMBER:
        return "float64"
    if schema.kind == BOOLEAN:
        return "bool"
    if schema.kind == STRING:
        return "[]uint8" if schema.format == "byte" else "string"
    return "interface {}"


def json_type(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


class _Walk:
    """One decode: the duplicate-key side table, the findings, and Go's view of where we are."""

    def __init__(self, duplicates_by_id: dict[int, list[str]] | None):
        self.duplicates_by_id = duplicates_by_id or {}
        self.findings = DecodeFindings()

    def mismatch(self, value: object, schema: Schema, path: str, struct: str) -> TypeMismatch:
        shown = json_type(value)
        if shown == "number" and not isinstance(value, bool):
            shown = f"number {value}"
        go_path = re.sub(r"\[[^\]]*\]", "", path)
        where = f"Go struct field {struct}.{go_path}" if struct and go_path else "Go value"
        return TypeMismatch(f"json: cannot unmarshal {shown} into {where} of type {go_type(schema)}")

    def wrong_type(self, value: object, schema: Schema, path: str, struct: str) -> object:
        """A value that does not fit: Go's decoding error, or kept as sent for a CRD's structural
        schema (its validation reports the type with upstream's 422 message)."""
        if schema.structural:
            return value
        raise self.mismatch(value, schema, path, struct)

    def value(self, schema: Schema, value: object, path: str, struct: str, depth: int) -> object:
        if depth > MAX_DEPTH:
            raise TypeMismatch(f"json: exceeded max depth of {MAX_DEPTH}")
        kind = schema.kind
        if kind == STRING:
            if not isinstance(value, str):
                return self.wrong_type(value, schema, path, struct)
            if schema.structural:
                return value  # formats are checked by value validation (422)
            if schema.format == "byte":
                _check_base64(value)
            elif schema.format == "date-time" and value and not _RFC3339.match(value):
                raise TypeMismatch(f'parsing time "{value[:64]}" as "2006-01-02T15:04:05Z07:00": cannot parse')
            return value
        if kind == INTEGER:
            if isinstance(value, bool) or not isinstance(value, int):
                return self.wrong_type(value, schema, path, struct)
            low, high = INT32 if schema.format == "int32" else INT64
            if not low <= value <= high:
                return self.wrong_type(value, schema, path, struct)
            return value
        if kind == OBJECT:
            if not isinstance(value, dict):
                return self.wrong_type(value, schema, path, struct)
            self.object(schema, value, path, depth)
            return value
        if kind == LIST:
            if not isinstance(value, list):
                return self.wrong_type(value, schema, path, struct)
            items = schema.items
            for index, item in enumerate(value):
                where = f"{path}[{index}]"
                if item is None:
                    value[index] = None if items.structural else _zero(items)
                else:
                    value[index] = self.value(items, item, where, struct, depth + 1)
            return value
        if kind == MAP:
            if not isinstance(value, dict):
                return self.wrong_type(value, schema, path, struct)
            self.report_duplicates(value, path)
            items = schema.items
            for key, item in value.items():
                where = f"{path}[{key}]"
                value[key] = _zero(items) if item is None else self.value(items, item, where, struct, depth + 1)
            return value
        if kind == BOOLEAN:
            if not isinstance(value, bool):
                return self.wrong_type(value, schema, path, struct)
            return value
        if kind == NUMBER:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return self.wrong_type(value, schema, path, struct)
            return value
        if kind == INT_OR_STRING:
            if isinstance(value, str):
                return value
            if isinstance(value, bool) or not isinstance(value, int) or not INT32[0] <= value <= INT32[1]:
                return self.wrong_type(value, schema, path, struct)
            return value
        if kind == QUANTITY:
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise TypeMismatch(QUANTITY_PATTERN_MESSAGE)
            try:
                return canonical_quantity(value)
            except QuantityError:
                raise TypeMismatch(QUANTITY_PATTERN_MESSAGE) from None
        return self.free_form(value, path, depth)

    def object(self, schema: Schema, obj: dict, path: str, depth: int) -> None:
        self.report_duplicates(obj, path)
        struct = schema.name.rsplit(".", 1)[-1]
        fields = schema.fields
        drop = []
        for key, item in obj.items():
            child = fields.get(key)
            where = f"{path}.{key}" if path else key
            if child is None:
                if schema.preserve_unknown:
                    obj[key] = self.free_form(item, where, depth + 1)
                else:
                    self.findings.unknown.append(where)
                    drop.append(key)
            elif item is None:
                if not child.nullable:
                    drop.append(key)  # Go decodes it to the zero value; a CRD keeps it only when nullable
            else:
                obj[key] = self.value(child, item, where, struct, depth + 1)
        for key in drop:
            del obj[key]

    def report_duplicates(self, obj: dict, path: str) -> None:
        repeated = self.duplicates_by_id.get(id(obj))
        if repeated:
            self.findings.duplicates.extend(f"{path}.{key}" if path else key for key in repeated)

    def free_form(self, value: object, path: str, depth: int) -> object:
        """Values the schema leaves open: only depth and JSON-ness are checked."""
        if depth > MAX_DEPTH:
            raise TypeMismatch(f"json: exceeded max depth of {MAX_DEPTH}")
        if isinstance(value, dict):
            self.report_duplicates(value, path)
            for key, item in value.items():
                value[key] = self.free_form(item, f"{path}.{key}", depth + 1)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                value[index] = self.free_form(item, f"{path}[{index}]", depth + 1)
        elif isinstance(value, int) and not isinstance(value, bool) and not INT64[0] <= value <= 2**64 - 1:
            return float(value)  # Go decodes an integer too large for int64/uint64 as a float64
        return value


def _zero(schema: Schema | None) -> object:
    """Go's zero value for a `null` list item or map value."""
    if schema is None:
        return None
    return {
        OBJECT: {},
        MAP: {},
        STRING: "",
        INTEGER: 0,
        NUMBER: 0,
        BOOLEAN: False,
        INT_OR_STRING: 0,
        QUANTITY: "0",
    }.get(schema.kind)


def _check_base64(value: str) -> None:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise TypeMismatch(f"illegal base64 data: {exc}") from None


def decode_typed(
    schema: Schema, document: dict, *, duplicates_by_id: dict[int, list[str]] | None = None
) -> DecodeFindings:
    """Check and normalise `document` in place against `schema`; raise TypeMismatch on a type error."""
    walk = _Walk(duplicates_by_id)
    if schema.kind == ANY:
        walk.free_form(document, "", 0)
    else:
        walk.object(schema, document, "", 0)
    return walk.findings


def check_free_form(value: object) -> None:
    """Depth and number checks for a document with no schema (patches, DeleteOptions)."""
    _Walk(None).free_form(value, "", 0)


__all__ = ["MAX_DEPTH", "DecodeFindings", "TypeMismatch", "check_free_form", "decode_typed", "go_type"]
