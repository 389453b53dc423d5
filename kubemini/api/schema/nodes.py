"""Schema nodes: the shape of a kind as the API machinery walks it.

    raw definition (definitions.py)  ──schema_for("io.k8s.api.core.v1.Pod")──►  Schema tree
    CRD openAPIV3Schema              ──structural.building.from_structural──►  Schema tree (structural=True)

A `Schema` says what a value must be (`kind`), and for containers what they
hold: an OBJECT's `fields`, a LIST's or MAP's `items`. List and map semantics
(`list_type`, `list_map_keys`, `map_type`) and the strategic-merge directives
(`patch_strategy`, `patch_merge_key`) come from the upstream extensions, so
typed decoding, strategic merge and server-side apply read them from here.
Definitions are built lazily and shared: a recursive definition
(JSONSchemaProps) is a cycle of nodes, never built twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from kubemini.api.schema.definitions import raw_definitions, ref_name

OBJECT = "object"
MAP = "map"
LIST = "list"
STRING = "string"
INTEGER = "integer"
NUMBER = "number"
BOOLEAN = "boolean"
INT_OR_STRING = "int-or-string"
QUANTITY = "quantity"
ANY = "any"

INT_OR_STRING_DEFINITION = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY_DEFINITION = "io.k8s.apimachinery.pkg.api.resource.Quantity"
# Definitions whose JSON is free-form: kept as sent, never pruned.
FREE_FORM_DEFINITIONS = frozenset(
    {
        "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1",
        "io.k8s.apimachinery.pkg.runtime.RawExtension",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool",
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray",
    }
)


@dataclass(eq=False)
class Constraints:
    """Value rules a CRD's structural schema may add (built-in kinds validate in Python instead)."""

    enum: tuple = ()
    pattern: str = ""
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    min_length: int | None = None
    max_length: int | None = None
    min_items: int | None = None
    max_items: int | None = None
    min_properties: int | None = None
    max_properties: int | None = None
    multiple_of: float | None = None
    unique_items: bool = False
    rules: tuple = ()  # compiled x-kubernetes-validations (kubemini.api.schema.structural.cel.Rule)
    # Value validations under logic junctors (nodes without a type of their own).
    all_of: tuple = ()
    any_of: tuple = ()
    one_of: tuple = ()
    not_: object = None


@dataclass(eq=False)
class Schema:
    kind: str
    name: str = ""  # the definition an OBJECT comes from (for Go-style type names in errors)
    fields: dict[str, Schema] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    items: Schema | None = None  # LIST element or MAP value
    format: str = ""
    list_type: str = ""  # atomic | set | map ("" = atomic, as upstream)
    list_map_keys: tuple[str, ...] = ()
    map_type: str = ""  # atomic | granular
    patch_strategy: str = ""
    patch_merge_key: str = ""
    preserve_unknown: bool = False  # OBJECT: fields outside `fields` are kept, not pruned
    embedded_resource: bool = False
    nullable: bool = False
    default: object = None
    constraints: Constraints | None = None
    # A node of a CRD's structural schema: a value of the wrong type is kept by typed decoding and
    # reported by value validation (422, as for unstructured objects), never a decoding error (400).
    structural: bool = False

    def field_schema(self, name: str) -> Schema | None:
        return self.fields.get(name)


def _is_type(raw: dict, wanted: str) -> bool:
    declared = raw.get("type")
    return declared == wanted or (isinstance(declared, list) and wanted in declared)


def _apply_extensions(node: Schema, raw: dict) -> Schema:
    """Property-level list/map/patch extensions on top of a (possibly shared) node."""
    overrides = {}
    if "x-kubernetes-list-type" in raw:
        overrides["list_type"] = raw["x-kubernetes-list-type"]
    if "x-kubernetes-list-map-keys" in raw:
        overrides["list_map_keys"] = tuple(raw["x-kubernetes-list-map-keys"])
    if "x-kubernetes-map-type" in raw:
        overrides["map_type"] = raw["x-kubernetes-map-type"]
    if "x-kubernetes-patch-strategy" in raw:
        overrides["patch_strategy"] = raw["x-kubernetes-patch-strategy"]
    if "x-kubernetes-patch-merge-key" in raw:
        overrides["patch_merge_key"] = raw["x-kubernetes-patch-merge-key"]
    if not overrides:
        return node
    for key, value in overrides.items():
        if getattr(node, key) != value:
            return replace(node, **overrides)
    return node


def _build(raw: dict) -> Schema:
    """A node for an inline (property-level) upstream schema."""
    if "$ref" in raw:
        return _apply_extensions(schema_for(ref_name(raw["$ref"])), raw)
    if "allOf" in raw and len(raw["allOf"]) == 1:
        return _apply_extensions(_build({**raw["allOf"][0]}), raw)
    if _is_type(raw, "array"):
        items = _build(raw.get("items") or {})
        return _apply_extensions(Schema(LIST, items=items), raw)
    if _is_type(raw, "object"):
        if "properties" in raw:
            return _object_node("", raw)
        additional = raw.get("additionalProperties")
        if isinstance(additional, dict):
            return _apply_extensions(Schema(MAP, items=_build(additional)), raw)
        return Schema(ANY, preserve_unknown=True)
    for scalar in (STRING, INTEGER, NUMBER, BOOLEAN):
        if _is_type(raw, scalar):
            return Schema(scalar, format=raw.get("format", ""))
    return Schema(ANY, preserve_unknown=True)


def _object_node(name: str, raw: dict) -> Schema:
    node = Schema(OBJECT, name=name, required=tuple(raw.get("required") or ()))
    node.map_type = raw.get("x-kubernetes-map-type", "")
    return node


def _fill_fields(node: Schema, raw: dict) -> None:
    for field_name, field_raw in (raw.get("properties") or {}).items():
        node.fields[field_name] = _build(field_raw)


_NODES: dict[str, Schema] = {}


def schema_for(name: str) -> Schema:
    """The shared node of one upstream definition, built on first use.

    An OBJECT node is registered before its fields are built, so a recursive
    definition (JSONSchemaProps) resolves to the node being built.
    """
    node = _NODES.get(name)
    if node is not None:
        return node
    if name == INT_OR_STRING_DEFINITION:
        node = Schema(INT_OR_STRING, name=name)
    elif name == QUANTITY_DEFINITION:
        node = Schema(QUANTITY, name=name)
    elif name in FREE_FORM_DEFINITIONS:
        node = Schema(ANY, name=name, preserve_unknown=True)
    else:
        raw = raw_definitions()[name]
        if not _is_type(raw, "object"):
            node = replace(_build(raw), name=name)
        else:
            node = _object_node(name, raw)
            _NODES[name] = node
            _fill_fields(node, raw)
    _NODES[name] = node
    return node
