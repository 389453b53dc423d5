"""Protobuf → the dict a message's JSON form is, for any Kubernetes message (see special_types.py).

    decode_message(data, "io.k8s.api.apps.v1.Deployment") → {"metadata": {...}, "spec": {...}}

Field numbers and types come from `layouts`; nested messages, maps (entries {1: key, 2: value})
and repeated fields (packed or not) decode alike. Empty strings are dropped, zeros kept only
where JSON keeps them. Unknown field numbers are skipped: newer clients send fields older
tables lack, and losing an optional field beats refusing the object. Anything malformed is a
ProtobufError (400).
"""

from __future__ import annotations

import base64
import json
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
    keeps_zero,
    list_wrapper,
)
from apiserver.protobuf.wire import (
    FIXED32,
    FIXED64,
    LENGTH_DELIMITED,
    VARINT,
    ProtobufError,
    iter_fields,
    iter_packed_varints,
    to_signed,
)


def _scalar(field: ProtoField, wire_type: int, value) -> object:
    kind = field.type
    if kind in ("int32", "int64", "uint32", "uint64"):
        if wire_type != VARINT:
            raise ProtobufError(f"field {field.json_name} should be a varint")
        return to_signed(value) if kind in ("int32", "int64") else value
    if kind == "bool":
        if wire_type != VARINT:
            raise ProtobufError(f"field {field.json_name} should be a varint")
        return bool(value)
    if kind == "double":
        if wire_type != FIXED64:
            raise ProtobufError(f"field {field.json_name} should be a double")
        return struct.unpack("<d", value)[0]
    if kind == "float":
        if wire_type != FIXED32:
            raise ProtobufError(f"field {field.json_name} should be a float")
        return struct.unpack("<f", value)[0]
    if wire_type != LENGTH_DELIMITED:
        raise ProtobufError(f"field {field.json_name} should be length-delimited")
    if kind == "bytes":
        return base64.b64encode(value).decode()
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtobufError(f"field {field.json_name} is not UTF-8") from exc


def _time(data: bytes, *, micro: bool) -> str | None:
    if not data:
        return None  # Go writes a zero Time as an empty message; its JSON is absent
    seconds = nanos = 0
    for number, _, value in iter_fields(data):
        if number == 1:
            seconds = to_signed(_int(value))
        elif number == 2:
            nanos = to_signed(_int(value))
    try:
        moment = datetime.fromtimestamp(seconds, UTC).replace(microsecond=max(nanos, 0) // 1000)
    except (OverflowError, OSError, ValueError) as exc:
        raise ProtobufError(f"time out of range: {seconds}") from exc
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if micro else "%Y-%m-%dT%H:%M:%SZ")


def go_duration(nanos: int) -> str:
    """Go's time.Duration String(): `1h2m3s`, `1.5s`, `0s`."""
    if nanos == 0:
        return "0s"
    sign, nanos = ("-" if nanos < 0 else ""), abs(nanos)
    if nanos < 10**9:
        for unit, size in (("ms", 10**6), ("µs", 10**3), ("ns", 1)):
            if nanos >= size:
                return f"{sign}{nanos / size:g}{unit}"
    text, rest = "", nanos
    for unit, size in (("h", 3600 * 10**9), ("m", 60 * 10**9)):
        if rest >= size:
            text += f"{rest // size}{unit}"
            rest %= size
    return f"{sign}{text}{rest / 10**9:g}s" if text or rest else f"{sign}0s"


def _text(value: object) -> str:
    if not isinstance(value, bytes):
        raise ProtobufError("expected a length-delimited string")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtobufError("a string is not UTF-8") from exc


def _int(value: object) -> int:
    if not isinstance(value, int):
        raise ProtobufError("expected a varint")
    return value


def _special(definition: str, data: bytes) -> object:
    if definition in (TIME, MICRO_TIME):
        return _time(data, micro=definition == MICRO_TIME)
    fields = {number: value for number, _, value in iter_fields(data)}
    if definition == DURATION:
        return go_duration(to_signed(_int(fields.get(1, 0))))
    if definition == QUANTITY:
        return _text(fields.get(1, b"")) or "0"
    if definition == INT_OR_STRING:
        return _text(fields.get(3, b"")) if fields.get(1) == 1 else to_signed(_int(fields.get(2, 0)))
    if definition in RAW_JSON:
        raw = fields.get(1, b"")
        if not isinstance(raw, bytes):
            raise ProtobufError(f"{definition.rsplit('.', 1)[-1]} holds no bytes")
        try:
            return json.loads(raw) if raw else {}
        except ValueError as exc:
            raise ProtobufError(f"{definition.rsplit('.', 1)[-1]} does not hold JSON") from exc
    if definition == OR_BOOL:
        if isinstance(fields.get(2), bytes):
            return decode_message(fields[2], EXTENSIONS + "JSONSchemaProps")
        return bool(_int(fields.get(1, 0)))
    if definition in (OR_ARRAY, OR_STRINGS):
        # field 1: one schema; field 2 (repeated): schemas (OrArray) or strings (OrStringArray)
        repeated = [value for number, _, value in iter_fields(data) if number == 2]
        if repeated:
            if definition == OR_STRINGS:
                return [_text(item) for item in repeated]
            return [decode_message(item, EXTENSIONS + "JSONSchemaProps") for item in repeated]
        return decode_message(fields[1], EXTENSIONS + "JSONSchemaProps") if isinstance(fields.get(1), bytes) else {}
    decoded = decode_message(data, definition)
    return decoded.get("items", [])  # a string-list wrapper


def _value(field: ProtoField, wire_type: int, value) -> object:
    if not field.is_message:
        return _scalar(field, wire_type, value)
    if wire_type != LENGTH_DELIMITED:
        raise ProtobufError(f"field {field.json_name or field.type} should be a message")
    if field.type in SPECIAL or list_wrapper(field.type):
        return _special(field.type, value)
    return decode_message(value, field.type)


def _map_entry(field: ProtoField, data: bytes) -> tuple[str, object]:
    key, item = "", None
    value_field = ProtoField(2, field.json_name, field.type)
    for number, wire_type, value in iter_fields(data):
        if number == 1:
            key = _text(value) if isinstance(value, bytes) else str(value)
        elif number == 2:
            item = _value(value_field, wire_type, value)
    if item is None:
        item = "" if not field.is_message else ({} if field.type not in (QUANTITY,) else "0")
    return key, item


def decode_message(data: bytes, definition: str) -> dict:
    """One message as the dict its JSON form is (nested messages, maps, lists decoded alike)."""
    fields = layout(definition)
    result: dict = {}
    for number, wire_type, value in iter_fields(data):
        field = fields.get(number)
        if field is None:
            continue
        if field.map_key:
            key, item = _map_entry(field, _bytes(field, wire_type, value))
            result.setdefault(field.json_name, {})[key] = item
        elif field.inline:
            result.update(decode_message(_bytes(field, wire_type, value), field.type))
        elif field.repeated:
            items = result.setdefault(field.json_name, [])
            if wire_type == LENGTH_DELIMITED and field.type in ("int32", "int64", "uint32", "uint64", "bool"):
                items.extend(_scalar(field, VARINT, v) for v in iter_packed_varints(value))
            else:
                items.append(_value(field, wire_type, value))
        else:
            decoded = _value(field, wire_type, value)
            omitted = decoded == "" or decoded is None
            if decoded in (0, False) and not isinstance(decoded, str) and not field.is_message:
                omitted = not keeps_zero(definition, field.json_name)
            if omitted:
                result.pop(field.json_name, None)  # a later zero overrides an earlier value, as in proto
            else:
                result[field.json_name] = decoded
    return result


def _bytes(field: ProtoField, wire_type: int, value) -> bytes:
    if wire_type != LENGTH_DELIMITED:
        raise ProtobufError(f"field {field.json_name or field.type} should be length-delimited")
    return value
