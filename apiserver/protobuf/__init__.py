"""Kubernetes protobuf bodies, in both directions, for every kind upstream serves in protobuf.

`decode_protobuf_object(body)` returns the dict the JSON form of the same body would parse to;
`encode_protobuf_object(obj)` writes an answer for clients that prefer protobuf. Layout:
`wire` (bytes), `layouts` (field numbers ⇄ JSON names, from field_numbers.json and the upstream
definitions), `decoding` and `encoding` (one generic codec each way), `special_types` (Time,
Quantity, IntOrString, ...), `envelope` (magic + runtime.Unknown).
"""

from apiserver.protobuf.envelope import (
    PROTOBUF_MAGIC,
    UnsupportedKind,
    decode_protobuf_object,
    encode_protobuf_object,
)
from apiserver.protobuf.wire import ProtobufError

PROTOBUF_MEDIA_TYPE = "application/vnd.kubernetes.protobuf"

__all__ = [
    "PROTOBUF_MAGIC",
    "PROTOBUF_MEDIA_TYPE",
    "ProtobufError",
    "UnsupportedKind",
    "decode_protobuf_object",
    "encode_protobuf_object",
]
