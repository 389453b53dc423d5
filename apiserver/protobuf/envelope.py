"""The Kubernetes protobuf envelope: `k8s\\x00` magic, then a `runtime.Unknown` message.

    decode: body ─► magic ─► Unknown {1: TypeMeta{1: apiVersion, 2: kind}, 2: raw object,
            3: contentEncoding, 4: contentType} ─► the kind's upstream definition ─► codec.decode_message
            ─► the dict the JSON form of the request would have parsed to (apiVersion/kind added back)
    encode: the reverse, for answers to clients that prefer protobuf

Any kind with an upstream definition and protobuf field numbers can be read and written;
DeleteOptions is accepted under any group-version (client-go tags it with its own).
"""

from __future__ import annotations

from apiserver.protobuf.decoding import decode_message
from apiserver.protobuf.encoding import encode_message
from apiserver.protobuf.layouts import known
from apiserver.protobuf.wire import LENGTH_DELIMITED, ProtobufError, encode_length_delimited, iter_fields
from kubemini.api.schema.definitions import definition_for_kind

PROTOBUF_MAGIC = b"k8s\x00"
DELETE_OPTIONS = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"
UNKNOWN_TYPE_META, UNKNOWN_RAW, UNKNOWN_CONTENT_ENCODING = 1, 2, 3


class UnsupportedKind(Exception):
    """A well-formed envelope around a kind with no protobuf form here (answered with 415)."""


def definition_of(api_version: str, kind: str) -> str:
    group, _, version = api_version.rpartition("/")
    definition = definition_for_kind(group, version, kind)
    if definition is None and kind == "DeleteOptions":
        definition = DELETE_OPTIONS
    if definition is None or not known(definition):
        raise UnsupportedKind(f"no protobuf form for {api_version}/{kind}")
    return definition


def _type_meta(data: bytes) -> tuple[str, str]:
    api_version = kind = ""
    for number, wire_type, value in iter_fields(data):
        if wire_type == LENGTH_DELIMITED and number == 1:
            api_version = value.decode("utf-8", "replace")
        elif wire_type == LENGTH_DELIMITED and number == 2:
            kind = value.decode("utf-8", "replace")
    return api_version, kind


def decode_protobuf_object(body: bytes) -> dict:
    """One Kubernetes protobuf request body as its JSON-shaped dict (ProtobufError / UnsupportedKind)."""
    if not body.startswith(PROTOBUF_MAGIC):
        raise ProtobufError("the body does not start with the Kubernetes protobuf magic number")
    api_version, kind, raw, encoding = "", "", b"", b""
    for number, wire_type, value in iter_fields(body[len(PROTOBUF_MAGIC) :]):
        if number not in (UNKNOWN_TYPE_META, UNKNOWN_RAW, UNKNOWN_CONTENT_ENCODING):
            continue  # contentType is informational: the raw bytes are protobuf by construction
        if wire_type != LENGTH_DELIMITED:
            raise ProtobufError(f"runtime.Unknown field {number} is not length-delimited")
        if number == UNKNOWN_TYPE_META:
            api_version, kind = _type_meta(value)
        elif number == UNKNOWN_RAW:
            raw = value
        else:
            encoding = value
    if not kind:
        raise ProtobufError("the protobuf envelope names no kind")
    if encoding:
        raise ProtobufError(f"unsupported protobuf content encoding {encoding!r}")
    decoded = decode_message(raw, definition_of(api_version, kind))
    return {"apiVersion": api_version, "kind": kind, **decoded}


def encode_protobuf_object(obj: dict) -> bytes:
    """An answer (object or list) in the envelope client-go's protobuf decoder reads."""
    api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
    raw = encode_message(obj, definition_of(api_version, kind))
    field = encode_length_delimited
    type_meta = field(1, api_version.encode()) + field(2, kind.encode())
    return PROTOBUF_MAGIC + field(UNKNOWN_TYPE_META, type_meta) + field(UNKNOWN_RAW, raw)
