"""The small language the schema tables are written in: one `Field` per protobuf field number.

A message schema is a plain `dict[int, Field]` copied from upstream `generated.proto` (field
numbers) and the Go struct tags (JSON names, and whether the field is a pointer or lacks
`omitempty`). The constructors below keep each table line short enough to check against the
upstream file at a glance.

Why `keep_zero` matters: Go's protobuf marshaller writes every non-pointer scalar, even when it is
zero, so "present on the wire" says nothing for those. What decides whether the JSON form shows
the field is the Go JSON tag: `omitempty` fields vanish when zero, pointer fields and fields
without `omitempty` (`containerPort`, `replicas`) are kept. `keep_zero=True` marks the second
group. Nested messages are always kept when present: Go never omits a struct (`"resources": {}`)
and only writes a pointer-to-struct when it is set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# Scalar kinds and how they arrive: ints and bools as varints, the rest length-delimited.
STRING = "string"
BYTES = "bytes"
BOOL = "bool"
INT = "int"  # int32 and int64 alike: JSON has one number type
MESSAGE = "message"
QUANTITY = "quantity"  # resource.Quantity {1: string} -> "100m"
INT_OR_STRING = "int_or_string"  # intstr.IntOrString {1: type, 2: intVal, 3: strVal} -> 80 or "http"
TIME = "time"  # metav1.Time {1: seconds, 2: nanos} -> "2024-01-02T03:04:05Z"
RAW_JSON = "raw_json"  # metav1.FieldsV1 {1: raw JSON bytes} -> the parsed JSON value

VARINT_KINDS = frozenset({BOOL, INT})

Schema = Mapping[int, "Field"]


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    message: Schema | None = None
    repeated: bool = False
    map_value: str | None = None  # set for map<string, V>: the kind of V
    keep_zero: bool = False
    inline: bool = False  # Go embeds the struct with `json:",inline"`: merge its keys into the parent


def string(name: str, *, keep_zero: bool = False) -> Field:
    return Field(name, STRING, keep_zero=keep_zero)


def strings(name: str) -> Field:
    return Field(name, STRING, repeated=True)


def boolean(name: str, *, keep_zero: bool = False) -> Field:
    return Field(name, BOOL, keep_zero=keep_zero)


def integer(name: str, *, keep_zero: bool = False) -> Field:
    return Field(name, INT, keep_zero=keep_zero)


def integers(name: str) -> Field:
    return Field(name, INT, repeated=True)


def message(name: str, schema: Schema, *, inline: bool = False) -> Field:
    return Field(name, MESSAGE, message=schema, inline=inline)


def messages(name: str, schema: Schema) -> Field:
    return Field(name, MESSAGE, message=schema, repeated=True)


def string_map(name: str) -> Field:
    return Field(name, STRING, map_value=STRING)


def bytes_map(name: str) -> Field:
    return Field(name, BYTES, map_value=BYTES)


def quantity_map(name: str) -> Field:
    return Field(name, QUANTITY, map_value=QUANTITY)


def quantity(name: str) -> Field:
    return Field(name, QUANTITY)


def int_or_string(name: str) -> Field:
    return Field(name, INT_OR_STRING)


def time(name: str) -> Field:
    return Field(name, TIME)


def raw_json(name: str) -> Field:
    return Field(name, RAW_JSON)


# A pointer to a scalar (`*int32`, `*bool`, `*string`) is only on the wire when set: keep it even if zero.
def optional_string(name: str) -> Field:
    return string(name, keep_zero=True)


def optional_boolean(name: str) -> Field:
    return boolean(name, keep_zero=True)


def optional_integer(name: str) -> Field:
    return integer(name, keep_zero=True)
