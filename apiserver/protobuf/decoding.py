"""One generic decoder: protobuf bytes + a schema table -> the dict Kubernetes' JSON would be.

Data flow: `wire.iter_fields` splits the buffer into records, the schema (`fields.Field` per
field number) says what each record is called and how to turn it into a JSON value, and Go's
JSON rules decide what is left out (see `fields.py` on `keep_zero`). Field numbers the table does
not know are skipped with a debug log rather than failing: clients newer than our tables send
fields we have never heard of, and losing an optional field beats refusing the whole object.
"""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime

from apiserver.protobuf.fields import (
    BOOL,
    BYTES,
    INT,
    INT_OR_STRING,
    MESSAGE,
    QUANTITY,
    RAW_JSON,
    STRING,
    TIME,
    VARINT_KINDS,
    Field,
    Schema,
)
from apiserver.protobuf.wire import (
    LENGTH_DELIMITED,
    VARINT,
    ProtobufError,
    WireValue,
    iter_fields,
    iter_packed_varints,
    to_signed,
)

log = logging.getLogger(__name__)

INT_OR_STRING_STRING_TYPE = 1
_ZERO_SCALARS = ("", 0, False)
_OMITTED = object()  # a value Go's JSON encoder leaves out entirely (zero Time, empty FieldsV1)


def decode_message(data: bytes, schema: Schema) -> dict:
    """Decode one message; nested messages, maps and lists recurse through the same schema tables."""
    result: dict = {}
    for number, wire_type, value in iter_fields(data):
        field = schema.get(number)
        if field is None:
            log.debug("skipping unknown protobuf field %d (wire type %d)", number, wire_type)
            continue
        if field.map_value is not None:
            key, item = _decode_map_entry(field, _expect_bytes(field, wire_type, value))
            result.setdefault(field.name, {})[key] = item
        elif field.repeated:
            result.setdefault(field.name, []).extend(_decode_repeated(field, wire_type, value))
        elif field.inline:
            result.update(decode_message(_expect_bytes(field, wire_type, value), field.message))
        else:
            _store_single(result, field, _decode_single(field, wire_type, value))
    return result


def _store_single(result: dict, field: Field, decoded: object) -> None:
    if decoded is _OMITTED or (not field.keep_zero and decoded in _ZERO_SCALARS):
        # A later zero overrides an earlier value (proto's last-one-wins), so drop what was there.
        result.pop(field.name, None)
    elif isinstance(decoded, dict) and isinstance(result.get(field.name), dict):
        result[field.name].update(decoded)  # a repeated singular message merges, as in proto
    else:
        result[field.name] = decoded


def _decode_single(field: Field, wire_type: int, value: WireValue) -> object:
    if field.kind in VARINT_KINDS:
        return _scalar_from_varint(field, _expect_varint(field, wire_type, value))
    data = _expect_bytes(field, wire_type, value)
    if field.kind == MESSAGE:
        return decode_message(data, field.message)
    return _decode_length_delimited(field, data)


def _decode_repeated(field: Field, wire_type: int, value: WireValue) -> list:
    if field.kind in VARINT_KINDS and wire_type == LENGTH_DELIMITED:
        # Packed encoding: proto2 parsers must accept it even though Go writes one record per item.
        return [_scalar_from_varint(field, item) for item in iter_packed_varints(value)]
    if field.kind in VARINT_KINDS:
        return [_scalar_from_varint(field, _expect_varint(field, wire_type, value))]
    data = _expect_bytes(field, wire_type, value)
    if field.kind == MESSAGE:
        return [decode_message(data, field.message)]
    return [_decode_length_delimited(field, data)]


def _decode_map_entry(field: Field, data: bytes) -> tuple[str, object]:
    """A map<string, V> is a repeated entry message {1: key, 2: value}; missing halves are zero values."""
    key, item = "", _map_zero(field.map_value)
    for number, wire_type, value in iter_fields(data):
        if number == 1:
            key = _text(_expect_bytes(field, wire_type, value))
        elif number == 2:
            item = _decode_length_delimited(Field(field.name, field.map_value), _expect_bytes(field, wire_type, value))
    return key, item


def _map_zero(kind: str | None) -> object:
    return "0" if kind == QUANTITY else ""


def _decode_length_delimited(field: Field, data: bytes) -> object:
    if field.kind == STRING:
        return _text(data)
    if field.kind == BYTES:
        return base64.b64encode(data).decode("ascii")
    if field.kind == QUANTITY:
        return _decode_quantity(data)
    if field.kind == INT_OR_STRING:
        return _decode_int_or_string(data)
    if field.kind == TIME:
        return _decode_time(data)
    if field.kind == RAW_JSON:
        return _decode_raw_json(data)
    raise ProtobufError(f"field {field.name!r} has an unknown kind {field.kind!r}")  # a bug in our tables


def _scalar_from_varint(field: Field, value: int) -> bool | int:
    if field.kind == BOOL:
        return value != 0
    if field.kind == INT:
        return to_signed(value)
    raise ProtobufError(f"field {field.name!r} has an unknown kind {field.kind!r}")


def _decode_quantity(data: bytes) -> str:
    """resource.Quantity travels as its canonical string; an empty message is the zero quantity."""
    text = "0"
    for number, wire_type, value in iter_fields(data):
        if number == 1 and wire_type == LENGTH_DELIMITED:
            text = _text(value)
    return text


def _decode_int_or_string(data: bytes) -> int | str:
    kind, int_value, str_value = 0, 0, ""
    for number, wire_type, value in iter_fields(data):
        if number == 1 and wire_type == VARINT:
            kind = to_signed(value)
        elif number == 2 and wire_type == VARINT:
            int_value = to_signed(value)
        elif number == 3 and wire_type == LENGTH_DELIMITED:
            str_value = _text(value)
    return str_value if kind == INT_OR_STRING_STRING_TYPE else int_value


def _decode_time(data: bytes) -> object:
    """metav1.Time: Go writes the zero time as an empty message, which JSON omits.

    Only whole seconds survive, as in Kubernetes, whose JSON form of Time is RFC 3339 seconds.
    """
    if not data:
        return _OMITTED
    seconds = 0
    for number, wire_type, value in iter_fields(data):
        if number == 1 and wire_type == VARINT:
            seconds = to_signed(value)
    try:
        moment = datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise ProtobufError(f"timestamp {seconds} is out of range") from exc
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _decode_raw_json(data: bytes) -> object:
    raw = b""
    for number, wire_type, value in iter_fields(data):
        if number == 1 and wire_type == LENGTH_DELIMITED:
            raw = value
    if not raw:
        return _OMITTED
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProtobufError(f"embedded JSON is malformed: {exc}") from exc


def _text(data: bytes) -> str:
    # Go does not validate UTF-8 in proto2 strings; its JSON encoder then substitutes U+FFFD, as we do.
    return data.decode("utf-8", errors="replace")


def _expect_bytes(field: Field, wire_type: int, value: WireValue) -> bytes:
    if wire_type != LENGTH_DELIMITED:
        raise ProtobufError(f"field {field.name!r}: expected a length-delimited value, got wire type {wire_type}")
    return value


def _expect_varint(field: Field, wire_type: int, value: WireValue) -> int:
    if wire_type != VARINT:
        raise ProtobufError(f"field {field.name!r}: expected a varint, got wire type {wire_type}")
    return value
