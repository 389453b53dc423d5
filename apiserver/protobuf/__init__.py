"""Reading Kubernetes protobuf request bodies (what kubectl's typed generators send).

`decode_protobuf_object(body)` returns the same dict the JSON form of the request would parse
to; responses stay JSON. Layout: `wire` (bytes), `fields` (schema language), `decoding`
(generic decoder), `*_messages` (one schema table per upstream message), `kinds` (which kinds
we read), `envelope` (magic + runtime.Unknown).
"""

from apiserver.protobuf.envelope import PROTOBUF_MAGIC, decode_protobuf_object
from apiserver.protobuf.kinds import UnsupportedKind
from apiserver.protobuf.wire import ProtobufError

PROTOBUF_MEDIA_TYPE = "application/vnd.kubernetes.protobuf"

__all__ = ["PROTOBUF_MAGIC", "PROTOBUF_MEDIA_TYPE", "ProtobufError", "UnsupportedKind", "decode_protobuf_object"]
