"""The Kubernetes protobuf envelope: `k8s\\x00` magic, then a `runtime.Unknown` message.

Data flow: request body -> check the 4-byte magic -> read Unknown {1: TypeMeta{1: apiVersion,
2: kind}, 2: raw typed object, 3: contentEncoding, 4: contentType} -> pick the schema for the
kind -> decode the raw object -> add apiVersion/kind back (the typed message does not repeat
TypeMeta). The result is the dict the JSON form of the same request would have parsed to, so
everything after `apiserver.body` works on it unchanged.
"""

from __future__ import annotations

from apiserver.protobuf.decoding import decode_message
from apiserver.protobuf.fields import string
from apiserver.protobuf.kinds import schema_for
from apiserver.protobuf.wire import LENGTH_DELIMITED, ProtobufError, iter_fields

PROTOBUF_MAGIC = b"k8s\x00"

RUNTIME_TYPE_META = {
    1: string("apiVersion"),
    2: string("kind"),
}

# runtime.Unknown field numbers (apimachinery pkg/runtime/generated.proto).
UNKNOWN_TYPE_META = 1
UNKNOWN_RAW = 2
UNKNOWN_CONTENT_ENCODING = 3


def decode_protobuf_object(body: bytes) -> dict:
    """Decode one Kubernetes protobuf request body into its JSON-shaped dict.

    Raises `ProtobufError` for a malformed body and `kinds.UnsupportedKind` for a kind we cannot read.
    """
    if not body.startswith(PROTOBUF_MAGIC):
        raise ProtobufError("the body does not start with the Kubernetes protobuf magic number")
    type_meta, raw, encoding = {}, b"", b""
    for number, wire_type, value in iter_fields(body[len(PROTOBUF_MAGIC) :]):
        if number not in (UNKNOWN_TYPE_META, UNKNOWN_RAW, UNKNOWN_CONTENT_ENCODING):
            continue  # contentType is informational: the raw bytes are protobuf by construction
        if wire_type != LENGTH_DELIMITED:
            raise ProtobufError(f"runtime.Unknown field {number} is not length-delimited")
        if number == UNKNOWN_TYPE_META:
            type_meta = decode_message(value, RUNTIME_TYPE_META)
        elif number == UNKNOWN_RAW:
            raw = value
        else:
            encoding = value
    api_version, kind = type_meta.get("apiVersion", ""), type_meta.get("kind", "")
    if not kind:
        raise ProtobufError("the protobuf envelope names no kind")
    if encoding:
        # client-go never compresses request bodies this way; say so instead of misreading the bytes.
        raise ProtobufError(f"unsupported protobuf content encoding {encoding!r}")
    decoded = decode_message(raw, schema_for(api_version, kind))
    return {"apiVersion": api_version, "kind": kind, **decoded}
