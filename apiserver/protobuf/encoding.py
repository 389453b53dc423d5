"""The dict a message's JSON form is → protobuf, for answers to clients that prefer protobuf.

    encode_message(obj, "io.k8s.api.apps.v1.Deployment") → bytes

The mirror of decoding.py: fields in number order, maps as sorted {1: key, 2: value} entries,
repeated fields unpacked as Go writes them, the special types of special_types.py in their
protobuf form. Only the fields the object has are written (absent reads as zero or nil in Go).
"""

from __future__ import annotations

import base64
import json
import re
import struct
from datetime import UTC, datetime

from apiserver.protobuf.layouts import ProtoField, layout
from apiserver.protobuf.special_types import (
    DURATION,
    EXTENSIONS,
    INT_OR_STRING,
    MICRO_TIME,
    OR_ARRAY,
    OR_BOOL,
    OR_STRINGS,
    QUANTITY,
    RAW_JSON,
    SPECIAL,
    TIME,
    list_wrapper,
)
from apiserver.protobuf.wire import FIXED32, FIXED64, LENGTH_DELIMITED, VARINT, encode_key, encode_varint

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_NANOS = {"ns": 1, "us": 10**3, "µs": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}


def _length_delimited(number: int, payload: bytes) -> bytes:
    return encode_key(number, LENGTH_DELIMITED) + encode_varint(len(payload)) + payload


def _encode_scalar(field: ProtoField, number: int, value: object) -> bytes:
    kind = field.type
    if kind in ("int32", "int64", "uint32", "uint64"):
        return encode_key(number, VARINT) + encode_varint(int(value))
    if kind == "bool":
        return encode_key(number, VARINT) + encode_varint(1 if value else 0)
    if kind == "double":
        return encode_key(number, FIXED64) + struct.pack("<d", float(value))
    if kind == "float":
        return encode_key(number, FIXED32) + struct.pack("<f", float(value))
    if kind == "bytes":
        return _length_delimited(number, base64.b64decode(str(value)))
    return _length_delimited(number, str(value).encode("utf-8"))


def _parse_time(text: str) -> tuple[int, int]:
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return int(moment.timestamp()), moment.microsecond * 1000


def parse_go_duration(text: str) -> int:
    text = str(text).strip()
    sign = -1 if text.startswith("-") else 1
    total = sum(float(number) * _UNIT_NANOS[unit] for number, unit in _DURATION_PART.findall(text.lstrip("+-")))
    return sign * int(total)


def _encode_special(definition: str, value: object) -> bytes:
    if definition in (TIME, MICRO_TIME):
        seconds, nanos = _parse_time(value)
        return (
            encode_key(1, VARINT)
            + encode_varint(seconds)
            + (encode_key(2, VARINT) + encode_varint(nanos) if nanos else b"")
        )
    if definition == DURATION:
        return encode_key(1, VARINT) + encode_varint(parse_go_duration(value))
    if definition == QUANTITY:
        return _length_delimited(1, str(value).encode())
    if definition == INT_OR_STRING:
        if isinstance(value, str):
            return encode_key(1, VARINT) + encode_varint(1) + _length_delimited(3, value.encode())
        return encode_key(1, VARINT) + encode_varint(0) + encode_key(2, VARINT) + encode_varint(int(value))
    if definition in RAW_JSON:
        return _length_delimited(1, json.dumps(value, separators=(",", ":")).encode())
    props = EXTENSIONS + "JSONSchemaProps"
    if definition == OR_BOOL:
        if isinstance(value, bool):
            return encode_key(1, VARINT) + encode_varint(int(value))
        return encode_key(1, VARINT) + encode_varint(1) + _length_delimited(2, encode_message(value, props))
    if definition == OR_ARRAY:
        if isinstance(value, list):
            return b"".join(_length_delimited(2, encode_message(item, props)) for item in value)
        return _length_delimited(1, encode_message(value, props))
    if definition == OR_STRINGS:
        if isinstance(value, list):
            return b"".join(_length_delimited(2, str(item).encode()) for item in value)
        return _length_delimited(1, encode_message(value, props))
    return b"".join(_length_delimited(1, str(item).encode()) for item in value)  # a string-list wrapper


def _encode_value(field: ProtoField, number: int, value: object) -> bytes:
    if not field.is_message:
        return _encode_scalar(field, number, value)
    if field.type in SPECIAL or list_wrapper(field.type):
        return _length_delimited(number, _encode_special(field.type, value))
    return _length_delimited(number, encode_message(value, field.type))


def encode_message(obj: dict, definition: str) -> bytes:
    """The dict (a JSON form) as the protobuf message `definition` names."""
    out = bytearray()
    for number in sorted(layout(definition)):
        field = layout(definition)[number]
        if field.inline:
            out += _length_delimited(number, encode_message(obj, field.type))
            continue
        value = obj.get(field.json_name)
        if value is None:
            continue
        if field.map_key:
            value_field = ProtoField(2, field.json_name, field.type)
            for key in sorted(value):
                entry = _length_delimited(1, str(key).encode()) + _encode_value(value_field, 2, value[key])
                out += _length_delimited(number, entry)
        elif field.repeated:
            for item in value:
                out += _encode_value(field, number, item)
        else:
            out += _encode_value(field, number, value)
    return bytes(out)
