"""How a watch writes its events, one encoder per answer form.

    JSON, Table: {"type":"ADDED","object":<the object in that form>}\\n      (application/json)
    protobuf:    4-byte big-endian length, then metav1.WatchEvent {1: type, 2: RawExtension {1: the
                 object in the k8s\\x00 envelope}}          (application/vnd.kubernetes.protobuf;stream=watch)

as the kube-apiserver frames them (its protobuf stream serializer writes the WatchEvent without the
envelope, the object inside with it). An event's object bytes are the cache entry's, made once per
form and shared by every watcher; bookmarks and errors are encoded on their own.
"""

from __future__ import annotations

from apiserver.protobuf import PROTOBUF_MEDIA_TYPE, encode_protobuf_object
from apiserver.protobuf.wire import encode_length_delimited
from apiserver.serialized import object_json, table_json
from apiserver.storage.encoded import Encoded
from apiserver.writing import served
from kubemini import json_codec

PROTOBUF_WATCH_MEDIA_TYPE = PROTOBUF_MEDIA_TYPE + ";stream=watch"
WATCH_EVENT_TYPE, WATCH_EVENT_OBJECT, RAW_EXTENSION_RAW = 1, 2, 1

_LINE_HEADS = {kind: b'{"type":"%b","object":' % kind.encode() for kind in ("ADDED", "MODIFIED", "DELETED")}


class JsonEvents:
    """Newline-delimited JSON events; with `table_include`, each object is a one-row Table."""

    media_type = "application/json"

    def __init__(self, record, table_include: str | None = None):
        self.record, self.table_include = record, table_include

    def event(self, event_type: str, entry: Encoded, chunk: list[bytes]) -> None:
        if self.table_include is not None:
            object_bytes = table_json(self.record, entry, self.table_include)
        else:
            object_bytes = object_json(self.record, entry)
        chunk += (_LINE_HEADS[event_type], object_bytes, b"}\n")

    def standalone(self, event_type: str, obj: dict) -> bytes:
        return b'{"type":"' + event_type.encode() + b'","object":' + json_codec.dumps(obj) + b"}\n"


def protobuf_frame(event_type: str, object_bytes: bytes) -> bytes:
    """One length-prefixed metav1.WatchEvent around an object already in the protobuf envelope."""
    message = encode_length_delimited(WATCH_EVENT_TYPE, event_type.encode()) + encode_length_delimited(
        WATCH_EVENT_OBJECT, encode_length_delimited(RAW_EXTENSION_RAW, object_bytes)
    )
    return len(message).to_bytes(4, "big") + message


class ProtobufEvents:
    """Length-delimited protobuf WatchEvents, for clients that prefer protobuf (client-go's default
    for built-in kinds when asked for)."""

    media_type = PROTOBUF_WATCH_MEDIA_TYPE

    def __init__(self, record):
        self.record = record
        self._form = ("protobuf", record.api_version)

    def event(self, event_type: str, entry: Encoded, chunk: list[bytes]) -> None:
        record = self.record
        object_bytes = entry.form(self._form, lambda obj: encode_protobuf_object(served(record, obj)))
        chunk.append(protobuf_frame(event_type, object_bytes))

    def standalone(self, event_type: str, obj: dict) -> bytes:
        return protobuf_frame(event_type, encode_protobuf_object(obj))
