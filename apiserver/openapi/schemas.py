"""Upstream definitions rewritten as OpenAPI v3 (components/schemas) and v2 (definitions) schema objects.

The stored definitions are JSON Schema with nullable types (`["string", "null"]`)
and `$defs` references; the served documents use plain types, `#/components/schemas/`
(v3) or `#/definitions/` (v2) references, a referenced property wrapped as
`allOf: [{$ref}]` with its description beside it (v3), and IntOrString and
Quantity written the way kube-apiserver writes them.
"""

from __future__ import annotations

from kubemini.api.schema.definitions import REF_PREFIX, raw_definitions
from kubemini.api.schema.nodes import INT_OR_STRING_DEFINITION, QUANTITY_DEFINITION

V3_PREFIX = "#/components/schemas/"
V2_PREFIX = "#/definitions/"
INT_OR_STRING_DESCRIPTION = (
    "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and "
    "unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field "
    "that can accept a name or number."
)
QUANTITY_DESCRIPTION = (
    "Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON "
    "and YAML, in addition to String() and AsInt64() accessors.\n\nThe serialization format is:\n\n"
    "``` <quantity>        ::= <signedNumber><suffix>\n```"
)
_TYPE_META = ("apiVersion", "kind")


def _plain_type(value):
    if isinstance(value, list):
        kept = [t for t in value if t != "null"]
        return kept[0] if len(kept) == 1 else kept
    return value


def convert(raw: object, *, v3: bool, top_level: bool = False) -> object:
    """One raw schema (or fragment) in the served form."""
    if isinstance(raw, list):
        return [convert(item, v3=v3) for item in raw]
    if not isinstance(raw, dict):
        return raw
    if "$ref" in raw:
        target = (V3_PREFIX if v3 else V2_PREFIX) + raw["$ref"].removeprefix(REF_PREFIX)
        extra = {k: convert(v, v3=v3) for k, v in raw.items() if k != "$ref"}
        if v3 and extra:
            return {"allOf": [{"$ref": target}], **extra}
        return {"$ref": target, **extra}
    result = {}
    for key, value in raw.items():
        if key == "type":
            result[key] = _plain_type(value)
        elif key == "properties":
            result[key] = {name: _property(name, schema, v3=v3, top_level=top_level) for name, schema in value.items()}
        elif key in ("items", "additionalProperties", "allOf", "oneOf", "anyOf", "not"):
            result[key] = convert(value, v3=v3)
        else:
            result[key] = value
    return result


def _property(name: str, schema: dict, *, v3: bool, top_level: bool) -> object:
    converted = convert(schema, v3=v3)
    if top_level and name in _TYPE_META and isinstance(converted, dict):
        converted.pop("enum", None)  # an artifact of the JSON Schema conversion, not upstream's
    return converted


def definition(name: str, *, v3: bool) -> dict:
    if name == INT_OR_STRING_DEFINITION:
        if v3:
            return {
                "description": INT_OR_STRING_DESCRIPTION,
                "format": "int-or-string",
                "oneOf": [{"type": "integer"}, {"type": "string"}],
            }
        return {"description": INT_OR_STRING_DESCRIPTION, "type": "string", "format": "int-or-string"}
    if name == QUANTITY_DEFINITION:
        if v3:
            return {"description": QUANTITY_DESCRIPTION, "oneOf": [{"type": "string"}, {"type": "number"}]}
        return {"description": QUANTITY_DESCRIPTION, "type": "string"}
    raw = raw_definitions()[name]
    return convert(raw, v3=v3, top_level="x-kubernetes-group-version-kind" in raw)


def referenced(names: list[str]) -> list[str]:
    """`names` and every definition they reference, transitively, in a stable order."""
    definitions = raw_definitions()
    seen: dict[str, None] = {}
    stack = list(reversed(names))
    while stack:
        name = stack.pop()
        if name in seen or name not in definitions:
            continue
        seen[name] = None
        found: list[str] = []
        _collect_refs(definitions[name], found)
        stack.extend(reversed(found))
    return list(seen)


def _collect_refs(raw: object, found: list[str]) -> None:
    if isinstance(raw, dict):
        ref = raw.get("$ref")
        if isinstance(ref, str):
            found.append(ref.removeprefix(REF_PREFIX))
        for value in raw.values():
            _collect_refs(value, found)
    elif isinstance(raw, list):
        for value in raw:
            _collect_refs(value, found)
