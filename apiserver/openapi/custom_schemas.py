"""OpenAPI schemas of custom resources, from their CRD version's openAPIV3Schema.

record (strategy with raw_schema) ──definition_name──► `com.example.stable.v1.CronTab` (reversed group,
    version, kind: the names kube-apiserver gives them)
                                   ──definitions(record, v3)──► {CronTab: schema, CronTabList: schema}
    each with x-kubernetes-group-version-kind, apiVersion/kind/metadata (ObjectMeta by reference);
    swagger 2.0 drops what it cannot say (nullable, CEL rules)
"""

from __future__ import annotations

from apiserver.openapi.schemas import V2_PREFIX, V3_PREFIX

OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
LIST_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"
REFERENCED = (OBJECT_META, LIST_META)
_V2_DROPPED = ("nullable", "x-kubernetes-validations")
API_VERSION_DOC = (
    "APIVersion defines the versioned schema of this representation of an object. Servers should convert "
    "recognized schemas to the latest internal value, and may reject unrecognized values. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources"
)
KIND_DOC = (
    "Kind is a string value representing the REST resource this object represents. Servers may infer this from "
    "the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"
)
METADATA_DOC = (
    "Standard object's metadata. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)


def is_custom(record) -> bool:
    return hasattr(record.strategy, "raw_schema")


def definition_name(record, *, listing: bool = False) -> str:
    reversed_group = ".".join(reversed(record.group.split(".")))
    return f"{reversed_group}.{record.version}.{record.list_kind if listing else record.kind}"


def _ref(name: str, *, v3: bool, description: str) -> dict:
    target = (V3_PREFIX if v3 else V2_PREFIX) + name
    return (
        {"allOf": [{"$ref": target}], "description": description}
        if v3
        else {"$ref": target, "description": description}
    )


def _served_form(raw: object, *, v3: bool) -> object:
    if isinstance(raw, list):
        return [_served_form(item, v3=v3) for item in raw]
    if not isinstance(raw, dict):
        return raw
    return {k: _served_form(v, v3=v3) for k, v in raw.items() if v3 or k not in _V2_DROPPED}


def definitions(record, *, v3: bool) -> dict[str, dict]:
    gvk = [{"group": record.group, "kind": record.kind, "version": record.version}]
    schema = _served_form(dict(record.strategy.raw_schema or {"type": "object"}), v3=v3)
    schema.setdefault("type", "object")
    properties = dict(schema.get("properties") or {})
    properties["apiVersion"] = {"description": API_VERSION_DOC, "type": "string"}
    properties["kind"] = {"description": KIND_DOC, "type": "string"}
    properties["metadata"] = _ref(OBJECT_META, v3=v3, description=METADATA_DOC)
    schema["properties"] = dict(sorted(properties.items()))
    schema["x-kubernetes-group-version-kind"] = gvk
    listing = {
        "description": f"{record.list_kind} is a list of {record.kind}",
        "required": ["items"],
        "type": "object",
        "properties": {
            "apiVersion": {"description": API_VERSION_DOC, "type": "string"},
            "items": {
                "description": f"List of {record.plural}. More info: https://git.k8s.io/community/contributors/devel/"
                "sig-architecture/api-conventions.md",
                "type": "array",
                "items": {"$ref": (V3_PREFIX if v3 else V2_PREFIX) + definition_name(record)},
            },
            "kind": {"description": KIND_DOC, "type": "string"},
            "metadata": _ref(LIST_META, v3=v3, description="Standard list metadata."),
        },
        "x-kubernetes-group-version-kind": [{**gvk[0], "kind": record.list_kind}],
    }
    return {definition_name(record): schema, definition_name(record, listing=True): listing}
