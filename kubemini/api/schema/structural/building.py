"""A structural schema (a CRD version's openAPIV3Schema) as Schema nodes.

    {"type": "object", "properties": {"spec": {...}}, ...} ──from_structural──► Schema(OBJECT, structural=True)

Every node carries its value rules (`Constraints`: enum, pattern, bounds, junctors,
compiled CEL rules), `default`, `nullable` and the list/map extensions. The root
always knows `apiVersion`, `kind` and `metadata` (ObjectMeta, typed as for built-in
kinds); an `x-kubernetes-embedded-resource` object knows them too. The schema must
already be structural (checking.py): this module trusts its shape.
"""

from __future__ import annotations

from collections.abc import Callable

from kubemini.api.schema.nodes import (
    ANY,
    BOOLEAN,
    INT_OR_STRING,
    INTEGER,
    LIST,
    MAP,
    NUMBER,
    OBJECT,
    STRING,
    Constraints,
    Schema,
    schema_for,
)

OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
SCALARS = {"string": STRING, "integer": INTEGER, "number": NUMBER, "boolean": BOOLEAN}
# A compiler for x-kubernetes-validations: (rules list, path) -> compiled rules (cel.compile_rules).
RuleCompiler = Callable[[list, str], tuple]


def _constraints(raw: dict, build: Callable[[dict], Schema], compile_rules: RuleCompiler | None, path: str):
    values = {
        "enum": tuple(raw.get("enum") or ()),
        "pattern": raw.get("pattern") or "",
        "minimum": raw.get("minimum"),
        "maximum": raw.get("maximum"),
        "exclusive_minimum": bool(raw.get("exclusiveMinimum")),
        "exclusive_maximum": bool(raw.get("exclusiveMaximum")),
        "min_length": raw.get("minLength"),
        "max_length": raw.get("maxLength"),
        "min_items": raw.get("minItems"),
        "max_items": raw.get("maxItems"),
        "min_properties": raw.get("minProperties"),
        "max_properties": raw.get("maxProperties"),
        "multiple_of": raw.get("multipleOf"),
        "unique_items": bool(raw.get("uniqueItems")),
        "all_of": tuple(build(item) for item in raw.get("allOf") or ()),
        "any_of": tuple(build(item) for item in raw.get("anyOf") or ()),
        "one_of": tuple(build(item) for item in raw.get("oneOf") or ()),
        "not_": build(raw["not"]) if isinstance(raw.get("not"), dict) else None,
    }
    if compile_rules is not None and raw.get("x-kubernetes-validations"):
        values["rules"] = compile_rules(raw["x-kubernetes-validations"], path)
    if all(value in (None, (), "", False) for value in values.values()):
        return None
    return Constraints(**values)


def _nested(raw: dict) -> Schema:
    """A value validation under allOf/anyOf/oneOf/not: no type of its own, only rules."""
    node = Schema(ANY, structural=True, format=raw.get("format") or "")
    node.required = tuple(raw.get("required") or ())
    node.fields = {name: _nested(sub) for name, sub in (raw.get("properties") or {}).items()}
    if isinstance(raw.get("items"), dict):
        node.items = _nested(raw["items"])
    node.constraints = _constraints(raw, _nested, None, "")
    return node


def _embedded_fields(node: Schema) -> None:
    node.fields.setdefault("apiVersion", Schema(STRING, structural=True))
    node.fields.setdefault("kind", Schema(STRING, structural=True))
    node.fields["metadata"] = schema_for(OBJECT_META)


def _node(raw: dict, compile_rules: RuleCompiler | None, path: str) -> Schema:
    declared = raw.get("type") or ""
    preserve = bool(raw.get("x-kubernetes-preserve-unknown-fields"))
    if raw.get("x-kubernetes-int-or-string"):
        node = Schema(INT_OR_STRING, structural=True)
    elif declared == "object":
        additional = raw.get("additionalProperties")
        if isinstance(additional, dict) and not raw.get("properties"):
            node = Schema(MAP, structural=True, items=_node(additional, compile_rules, f"{path}.additionalProperties"))
        else:
            node = Schema(OBJECT, structural=True, preserve_unknown=preserve or additional is True)
            for name, sub in (raw.get("properties") or {}).items():
                node.fields[name] = _node(sub, compile_rules, f"{path}.properties[{name}]")
    elif declared == "array":
        items = raw.get("items") if isinstance(raw.get("items"), dict) else {}
        node = Schema(LIST, structural=True, items=_node(items, compile_rules, f"{path}.items"))
    elif declared in SCALARS:
        node = Schema(SCALARS[declared], structural=True)
    else:
        node = Schema(ANY, structural=True, preserve_unknown=True)
    node.format = raw.get("format") or ""
    node.required = tuple(raw.get("required") or ())
    node.nullable = bool(raw.get("nullable"))
    node.default = raw.get("default")
    node.list_type = raw.get("x-kubernetes-list-type") or ""
    node.list_map_keys = tuple(raw.get("x-kubernetes-list-map-keys") or ())
    node.map_type = raw.get("x-kubernetes-map-type") or ""
    node.embedded_resource = bool(raw.get("x-kubernetes-embedded-resource"))
    if node.embedded_resource and node.kind == OBJECT:
        _embedded_fields(node)
    node.constraints = _constraints(raw, _nested, compile_rules, path)
    return node


def from_structural(raw: dict | None, *, compile_rules: RuleCompiler | None = None, path: str = "") -> Schema:
    """The root node of a custom resource's schema (no schema at all: everything is kept)."""
    if not raw:
        root = Schema(OBJECT, structural=True, preserve_unknown=True)
    else:
        root = _node(raw, compile_rules, path)
        if root.kind != OBJECT:
            root = Schema(OBJECT, structural=True, preserve_unknown=True)
    root.fields["apiVersion"] = Schema(STRING, structural=True)
    root.fields["kind"] = Schema(STRING, structural=True)
    root.fields["metadata"] = schema_for(OBJECT_META)
    return root
