"""Protobuf wire format: the bytes level, below any knowledge of Kubernetes types.

A message is a flat run of (tag, value) records; the tag packs the field number and one of four
wire types that say how long the value is. This module only splits a buffer into those records,
so every decoding decision (names, types, omission) lives in `codec.py` and the layouts.
Anything that does not parse raises `ProtobufError`, which the apiserver turns into a 400.
"""

from __future__ import annotations

from collections.abc import Iterator

VARINT = 0
FIXED64 = 1
LENGTH_DELIMITED = 2
FIXED32 = 5

MAX_VARINT_BYTES = 10
MAX_FIELD_NUMBER = 2**29 - 1
_SIGN_BIT = 2**63
_TWO_TO_64 = 2**64

WireValue = int | bytes


class ProtobufError(ValueError):
    """The body is not well-formed protobuf (or not the message it claims to be)."""


def read_varint(data: bytes, offset: int) -> tuple[int, int]:
    """Return (value, next offset) for the base-128 varint starting at `offset`."""
    value, shift = 0, 0
    for index in range(offset, min(offset + MAX_VARINT_BYTES, len(data))):
        byte = data[index]
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, index + 1
        shift += 7
    raise ProtobufError(f"truncated or overlong varint at byte {offset}")


def to_signed(value: int) -> int:
    """Go writes negative int32/int64 as the 64-bit two's complement varint; undo that."""
    value %= _TWO_TO_64
    return value - _TWO_TO_64 if value >= _SIGN_BIT else value


def iter_fields(data: bytes) -> Iterator[tuple[int, int, WireValue]]:
    """Yield (field number, wire type, value) for each record of one message.

    Varints come back as unsigned ints, length-delimited values and fixed-width values as bytes.
    Groups (wire types 3 and 4) are proto1 leftovers that Kubernetes never emits: rejected.
    """
    offset, end = 0, len(data)
    while offset < end:
        tag, offset = read_varint(data, offset)
        number, wire_type = tag >> 3, tag & 0x7
        if not 1 <= number <= MAX_FIELD_NUMBER:
            raise ProtobufError(f"invalid field number {number}")
        if wire_type == VARINT:
            value, offset = read_varint(data, offset)
            yield number, wire_type, value
        elif wire_type == LENGTH_DELIMITED:
            length, offset = read_varint(data, offset)
            if offset + length > end:
                raise ProtobufError(f"field {number} claims {length} bytes but the message ends first")
            yield number, wire_type, bytes(data[offset : offset + length])
            offset += length
        elif wire_type in (FIXED64, FIXED32):
            width = 8 if wire_type == FIXED64 else 4
            if offset + width > end:
                raise ProtobufError(f"field {number} is truncated")
            yield number, wire_type, bytes(data[offset : offset + width])
            offset += width
        else:
            raise ProtobufError(f"unsupported wire type {wire_type} for field {number}")


def iter_packed_varints(data: bytes) -> Iterator[int]:
    """Values of a packed repeated integer field (one length-delimited run of varints)."""
    offset = 0
    while offset < len(data):
        value, offset = read_varint(data, offset)
        yield value


def encode_varint(value: int) -> bytes:
    """Base-128 varint; a negative int32/int64 goes out as its 64-bit two's complement, as Go writes it."""
    value %= _TWO_TO_64
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def encode_key(number: int, wire_type: int) -> bytes:
    return encode_varint((number << 3) | wire_type)


def encode_length_delimited(number: int, payload: bytes) -> bytes:
    """Field `number` holding `payload` (a string, bytes or an embedded message)."""
    return encode_key(number, LENGTH_DELIMITED) + encode_varint(len(payload)) + payload
