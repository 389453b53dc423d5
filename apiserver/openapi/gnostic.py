"""The swagger 2.0 document as gnostic's OpenAPIv2 protobuf (`openapi.v2.Document`), what kubectl downloads.

kube-apiserver makes it by parsing its JSON with gnostic and marshalling the
result; this encodes the same JSON directly. Each message below lists its
fields as (JSON key, field number, kind): a `Named*` map becomes repeated
(name, value) messages in key order, every `x-` key a NamedAny whose Any holds
the value as YAML text (what kube-openapi's clients read back).
"""

from __future__ import annotations

import struct

import yaml

from apiserver.protobuf.wire import FIXED64, LENGTH_DELIMITED, VARINT, encode_key, encode_varint


def _bytes(number: int, payload: bytes) -> bytes:
    return encode_key(number, LENGTH_DELIMITED) + encode_varint(len(payload)) + payload


def _string(number: int, value: str) -> bytes:
    return _bytes(number, value.encode()) if value else b""


def _bool(number: int, value: bool) -> bytes:
    return encode_key(number, VARINT) + b"\x01" if value else b""


def _double(number: int, value: float) -> bytes:
    return encode_key(number, FIXED64) + struct.pack("<d", float(value)) if value else b""


def _int64(number: int, value: int) -> bytes:
    return encode_key(number, VARINT) + encode_varint(int(value)) if value else b""


def _yaml_any(value: object) -> bytes:
    text = yaml.safe_dump(value, default_flow_style=False, sort_keys=True)
    if text.endswith("\n...\n"):
        text = text[: -len("...\n")]
    return _string(2, text)


def _named_any(name: str, value: object) -> bytes:
    return _string(1, name) + _bytes(2, _yaml_any(value))


# Message layouts: JSON key → (field number, kind, message for nested kinds).
_SCHEMA = {
    "$ref": (1, "string"),
    "format": (2, "string"),
    "title": (3, "string"),
    "description": (4, "string"),
    "default": (5, "any"),
    "multipleOf": (6, "double"),
    "maximum": (7, "double"),
    "exclusiveMaximum": (8, "bool"),
    "minimum": (9, "double"),
    "exclusiveMinimum": (10, "bool"),
    "maxLength": (11, "int64"),
    "minLength": (12, "int64"),
    "pattern": (13, "string"),
    "maxItems": (14, "int64"),
    "minItems": (15, "int64"),
    "uniqueItems": (16, "bool"),
    "maxProperties": (17, "int64"),
    "minProperties": (18, "int64"),
    "required": (19, "strings"),
    "enum": (20, "anys"),
    "additionalProperties": (21, "additional"),
    "type": (22, "type_item"),
    "items": (23, "items_item"),
    "allOf": (24, "schemas"),
    "properties": (25, "properties"),
    "discriminator": (26, "string"),
    "readOnly": (27, "bool"),
    "example": (30, "any"),
    "_vendor": (31, "vendor"),
}
_INFO = {"title": (1, "string"), "version": (2, "string"), "description": (3, "string"), "_vendor": (7, "vendor")}
_QUERY = {
    "required": (1, "bool"),
    "in": (2, "string"),
    "description": (3, "string"),
    "name": (4, "string"),
    "type": (6, "string"),
    "format": (7, "string"),
    "uniqueItems": (20, "bool"),
    "_vendor": (23, "vendor"),
}
_PATH_PARAM = {
    "required": (1, "bool"),
    "in": (2, "string"),
    "description": (3, "string"),
    "name": (4, "string"),
    "type": (5, "string"),
    "format": (6, "string"),
    "uniqueItems": (19, "bool"),
    "_vendor": (22, "vendor"),
}
_BODY = {
    "description": (1, "string"),
    "name": (2, "string"),
    "in": (3, "string"),
    "required": (4, "bool"),
    "schema": (5, "schema"),
    "_vendor": (6, "vendor"),
}
_RESPONSE = {"description": (1, "string"), "schema": (2, "schema_item"), "_vendor": (5, "vendor")}
_OPERATION = {
    "tags": (1, "strings"),
    "summary": (2, "string"),
    "description": (3, "string"),
    "operationId": (5, "string"),
    "produces": (6, "strings"),
    "consumes": (7, "strings"),
    "parameters": (8, "parameters"),
    "responses": (9, "responses"),
    "schemes": (10, "strings"),
    "deprecated": (11, "bool"),
    "_vendor": (13, "vendor"),
}
_PATH_ITEM = {
    "$ref": (1, "string"),
    "get": (2, "operation"),
    "put": (3, "operation"),
    "post": (4, "operation"),
    "delete": (5, "operation"),
    "options": (6, "operation"),
    "head": (7, "operation"),
    "patch": (8, "operation"),
    "parameters": (9, "parameters"),
    "_vendor": (10, "vendor"),
}


def _message(layout: dict, value: dict) -> bytes:
    out = bytearray()
    vendor = [(k, v) for k, v in value.items() if k.startswith("x-")]
    for key, item in value.items():
        if key.startswith("x-") or key not in layout or item is None:
            continue
        number, kind = layout[key]
        out += _ENCODERS[kind](number, item)
    if vendor and "_vendor" in layout:
        number = layout["_vendor"][0]
        for name, item in vendor:
            out += _bytes(number, _named_any(name, item))
    return bytes(out)


def _schema(number: int, value: dict) -> bytes:
    return _bytes(number, _message(_SCHEMA, value))


def _named(number: int, mapping: dict, encode_value) -> bytes:
    return b"".join(_bytes(number, _string(1, name) + _bytes(2, encode_value(item))) for name, item in mapping.items())


def _parameter(value: dict) -> bytes:
    if "$ref" in value:
        return _bytes(2, _string(1, value["$ref"]))  # ParametersItem.json_reference
    if value.get("in") == "body":
        return _bytes(1, _bytes(1, _message(_BODY, value)))  # Parameter.body_parameter
    sub_schema = {"query": (3, _QUERY), "path": (4, _PATH_PARAM), "header": (1, _PATH_PARAM), "formData": (2, _QUERY)}
    number, layout = sub_schema.get(value.get("in"), (3, _QUERY))
    non_body = _bytes(number, _message(layout, value))
    return _bytes(1, _bytes(2, non_body))  # ParametersItem.parameter → Parameter.non_body_parameter


def _additional_properties(value: object) -> bytes:
    """AdditionalPropertiesItem: a schema, or a boolean (written even when false: it is a oneof)."""
    if isinstance(value, dict):
        return _bytes(1, _message(_SCHEMA, value))
    return encode_key(2, VARINT) + (b"\x01" if value else b"\x00")


def _responses(number: int, value: dict) -> bytes:
    codes = {k: v for k, v in value.items() if not k.startswith("x-")}
    payload = _named(1, codes, lambda response: _bytes(1, _message(_RESPONSE, response)))
    return _bytes(number, payload)


_ENCODERS = {
    "string": lambda n, v: _string(n, str(v)),
    "bool": lambda n, v: _bool(n, bool(v)),
    "double": lambda n, v: _double(n, v),
    "int64": lambda n, v: _int64(n, v),
    "strings": lambda n, v: b"".join(_bytes(n, str(s).encode()) for s in v),
    "any": lambda n, v: _bytes(n, _yaml_any(v)),
    "anys": lambda n, v: b"".join(_bytes(n, _yaml_any(item)) for item in v),
    "schema": _schema,
    "schemas": lambda n, v: b"".join(_schema(n, item) for item in v),
    "schema_item": lambda n, v: _bytes(n, _bytes(1, _message(_SCHEMA, v))),
    "type_item": lambda n, v: _bytes(n, b"".join(_bytes(1, t.encode()) for t in (v if isinstance(v, list) else [v]))),
    "items_item": lambda n, v: _bytes(
        n, b"".join(_bytes(1, _message(_SCHEMA, s)) for s in (v if isinstance(v, list) else [v]))
    ),
    "properties": lambda n, v: _bytes(n, _named(1, v, lambda s: _message(_SCHEMA, s))),
    "additional": lambda n, v: _bytes(n, _additional_properties(v)),
    "parameters": lambda n, v: b"".join(_bytes(n, _parameter(p)) for p in v),
    "responses": _responses,
    "operation": lambda n, v: _bytes(n, _message(_OPERATION, v)),
}


def _security_definitions(definitions: dict) -> bytes:
    def item(definition: dict) -> bytes:
        api_key = _string(1, definition.get("type", "")) + _string(2, definition.get("name", ""))
        api_key += _string(3, definition.get("in", "")) + _string(4, definition.get("description", ""))
        return _bytes(2, api_key)  # SecurityDefinitionsItem.api_key_security

    return _named(1, definitions, item)


def _security(requirements: list) -> bytes:
    out = b""
    for requirement in requirements:
        entries = _named(1, requirement, lambda scopes: b"".join(_bytes(1, s.encode()) for s in scopes))
        out += _bytes(12, entries)
    return out


def encode_document(document: dict) -> bytes:
    """A swagger 2.0 document (dict) as `openapi.v2.Document` protobuf bytes."""
    out = bytearray()
    out += _string(1, document.get("swagger", "2.0"))
    out += _bytes(2, _message(_INFO, document.get("info") or {}))
    paths = _named(2, document.get("paths") or {}, lambda item: _message(_PATH_ITEM, item))
    out += _bytes(8, paths)
    definitions = _named(1, document.get("definitions") or {}, lambda schema: _message(_SCHEMA, schema))
    out += _bytes(9, definitions)
    if document.get("security"):
        out += _security(document["security"])
    if document.get("securityDefinitions"):
        out += _bytes(13, _security_definitions(document["securityDefinitions"]))
    return bytes(out)
