"""Which form an answer takes, from the request's Accept header.

    application/json (or none, or */*)                    → JSON
    application/yaml                                      → YAML
    application/json;as=Table;v=v1;g=meta.k8s.io          → a Table (kubectl get)
    application/json;as=PartialObjectMetadata[List];...   → metadata only (metadata informers)
    application/vnd.kubernetes.protobuf                   → protobuf, for kinds that have a protobuf form
    anything else alone                                   → 406 NotAcceptable
Entries are tried in the order the client lists them.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from fastapi.responses import Response

from apiserver.errors import ApiError
from apiserver.protobuf import PROTOBUF_MEDIA_TYPE, UnsupportedKind, encode_protobuf_object
from apiserver.protobuf.envelope import definition_of
from kubemini import json_codec

JSON, YAML, TABLE, PARTIAL, PROTOBUF = "json", "yaml", "table", "partial", "protobuf"
ACCEPTED = "application/json, application/yaml, application/vnd.kubernetes.protobuf"


@dataclass(frozen=True)
class MediaType:
    type: str
    params: dict[str, str]


def parse_accept(header: str) -> list[MediaType]:
    media = []
    for entry in header.split(","):
        parts = [part.strip() for part in entry.split(";")]
        if not parts[0]:
            continue
        params = {}
        for part in parts[1:]:
            key, _, value = part.partition("=")
            params[key.strip().lower()] = value.strip()
        media.append(MediaType(parts[0].lower(), params))
    return media


def choose(accept: str, *, tables: bool = True, protobuf: bool = False) -> str:
    """The answer form for `accept`; 406 when none of the listed forms can be produced."""
    listed = parse_accept(accept)
    if not listed:
        return JSON
    for media in listed:
        shape = media.params.get("as")
        if media.type in ("application/json", "*/*", "application/*") and not shape:
            return JSON
        if media.type == "application/json" and shape == "Table" and media.params.get("g") == "meta.k8s.io":
            if tables and media.params.get("v") in ("v1", "v1beta1"):
                return TABLE
        if media.type == "application/json" and shape in ("PartialObjectMetadata", "PartialObjectMetadataList"):
            if media.params.get("g") == "meta.k8s.io" and media.params.get("v") in ("v1", "v1beta1"):
                return PARTIAL
        if media.type in ("application/yaml", "text/yaml") and not shape:
            return YAML
        if media.type == PROTOBUF_MEDIA_TYPE and not shape and protobuf:
            return PROTOBUF
    raise ApiError(406, f"only the following media types are accepted: {ACCEPTED}", reason="NotAcceptable")


def partial_metadata(obj: dict, api_version: str = "meta.k8s.io/v1") -> dict:
    return {"kind": "PartialObjectMetadata", "apiVersion": api_version, "metadata": obj.get("metadata", {})}


def partial_list(items: list[dict], metadata: dict) -> dict:
    return {
        "kind": "PartialObjectMetadataList",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "items": [partial_metadata(item) for item in items],
    }


def render(obj: dict, form: str, *, code: int = 200, headers: dict | None = None) -> Response:
    if form == PROTOBUF:
        return Response(encode_protobuf_object(obj), status_code=code, media_type=PROTOBUF_MEDIA_TYPE, headers=headers)
    if form == YAML:
        body = yaml.safe_dump(obj, sort_keys=False, allow_unicode=True)
        return Response(body, status_code=code, media_type="application/yaml", headers=headers)
    return Response(json_codec.dumps(obj), status_code=code, media_type="application/json", headers=headers)


def has_protobuf(record) -> bool:
    """Whether the record's objects (and lists of them) have a protobuf form."""
    try:
        definition_of(record.api_version, record.kind)
        definition_of(record.api_version, record.list_kind)
    except UnsupportedKind:
        return False
    return True
