"""Answers made from shared cache entries: each object is serialized once per form, then reused.

    entry ──object_json(record, entry)──► the object in `record`'s version as JSON bytes
          ──table_json(record, entry, include)──► a one-row Table (a watch event, `kubectl get -w`)
    entries ──list_json(record, entries, metadata)──► `{"kind":"PodList",...,"items":[<bytes>,...]}`

Entries hold stored objects with their stored kind and apiVersion (`with_type_meta`), so for a
record served in its stored version the form is the entry's own JSON. Other forms' names carry
the API version (and the Table's includeObject): a HorizontalPodAutoscaler served as
autoscaling/v1 and as v2 are two forms of one entry. The bytes equal
`json_codec.dumps` of the served object: the list is the same document `list_body` describes.
"""

from __future__ import annotations

from fastapi.responses import Response

from apiserver.storage.encoded import Encoded
from apiserver.tables import to_table
from apiserver.writing import served
from kubemini import json_codec


def object_json(record, entry: Encoded) -> bytes:
    if record.stored:  # the stored form is the served one (shared with the watch events)
        return entry.json()
    return entry.form(("json", record.api_version), lambda obj: json_codec.dumps(served(record, obj)))


def table_json(record, entry: Encoded, include_object: str) -> bytes:
    def make(obj: dict) -> bytes:
        table = to_table(record, [served(record, obj)], list_metadata={}, include_object=include_object)
        return json_codec.dumps(table)

    return entry.form(("table", record.api_version, include_object), make)


def list_json(record, entries: list[Encoded], metadata: dict) -> bytes:
    head = b'{"kind":%b,"apiVersion":%b,"metadata":%b,"items":[' % (
        json_codec.dumps(record.list_kind),
        json_codec.dumps(record.api_version),
        json_codec.dumps(metadata),
    )
    parts = [head]
    if record.stored:
        for entry in entries:
            parts += (entry.json(), b",")
    else:
        for entry in entries:
            parts += (object_json(record, entry), b",")
    if entries:
        parts.pop()
    parts.append(b"]}")
    return b"".join(parts)  # one copy of the items, however many


def json_response(body: bytes, *, code: int = 200, headers: dict | None = None) -> Response:
    return Response(body, status_code=code, media_type="application/json", headers=headers)
