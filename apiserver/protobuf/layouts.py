"""Message layouts: which protobuf field number is which JSON field, for every upstream definition.

    field_numbers.json   upstream generated.proto facts: message → {proto field: [number, label, type]}
  + the upstream API definitions (JSON field names)
  ──► layout("io.k8s.api.core.v1.PodSpec") → {number: ProtoField(json_name, type, repeated, map, inline)}

Proto field names are the JSON names, except a handful spelled differently (`aPIGroup`,
`uID`, `ref` for `$ref`, `xKubernetesListType` for `x-kubernetes-list-type`): those match
once case, `$` and `-` are ignored. A message-typed proto field with no JSON field of its
name is an embedded struct whose JSON is flattened into the parent (`Probe.handler`,
`Volume.volumeSource`, `ConfigMapKeySelector.localObjectReference`).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from kubemini.api.schema.definitions import raw_definitions

FIELD_NUMBERS_FILE = Path(__file__).with_name("field_numbers.json")
SCALARS = frozenset({"string", "int32", "int64", "bool", "bytes", "double", "float", "uint32", "uint64"})


@dataclass(frozen=True)
class ProtoField:
    number: int
    json_name: str  # "" for an inline (flattened) struct
    type: str  # a scalar name or a definition name
    repeated: bool = False
    map_key: str = ""  # set for map<K, V> fields; `type` is then V

    @property
    def inline(self) -> bool:
        return not self.json_name

    @property
    def is_message(self) -> bool:
        return self.type not in SCALARS


@functools.cache
def field_numbers() -> dict[str, dict[str, list]]:
    with FIELD_NUMBERS_FILE.open() as handle:
        return json.load(handle)


def _normal(name: str) -> str:
    return name.replace("$", "").replace("-", "").lower()


def _json_names(definition: str) -> dict[str, str]:
    properties = (raw_definitions().get(definition) or {}).get("properties") or {}
    return {_normal(name): name for name in properties}


def _field(proto_name: str, spec: list, json_names: dict[str, str] | None) -> ProtoField:
    """`json_names` is None for a struct with no OpenAPI definition of its own (VolumeSource,
    ProbeHandler): it only ever appears inlined, and its proto names are its JSON names."""
    number, label, proto_type = spec
    json_name = proto_name if json_names is None else json_names.get(_normal(proto_name), "")
    if label == "map":
        key, value = proto_type.removeprefix("map<").removesuffix(">").split(",", 1)
        return ProtoField(number, json_name or proto_name, value, map_key=key)
    if not json_name and proto_type in SCALARS:
        json_name = proto_name  # a field the JSON schema does not list: keep its proto name
    return ProtoField(number, json_name, proto_type, repeated=label == "repeated")


@functools.cache
def layout(definition: str) -> dict[int, ProtoField]:
    """Field number → field of one message (empty for a definition protobuf does not know)."""
    fields = field_numbers().get(definition)
    if fields is None:
        return {}
    names = _json_names(definition) if definition in raw_definitions() else None
    return {spec[0]: _field(proto_name, spec, names) for proto_name, spec in fields.items()}


@functools.cache
def by_json_name(definition: str) -> dict[str, ProtoField]:
    """JSON field name → field, inline structs included under their type name."""
    return {field.json_name or f"@{field.type}": field for field in layout(definition).values()}


def known(definition: str) -> bool:
    return definition in field_numbers()
