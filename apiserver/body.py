"""Reading request bodies: JSON or YAML, with the size limit etcd imposes."""

from __future__ import annotations

import json

import yaml
from fastapi import Request

from apiserver.errors import ApiError, bad_request
from apiserver.protobuf import PROTOBUF_MEDIA_TYPE, ProtobufError, UnsupportedKind, decode_protobuf_object

MAX_BODY_BYTES = 3 * 1024 * 1024
MAX_OBJECT_BYTES = 1536 * 1024  # 1.5 MiB, etcd's default request limit


def too_large() -> ApiError:
    return ApiError(413, "Request entity too large: limit is 1572864", reason="RequestEntityTooLarge")


async def read_raw(request: Request) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def unsupported_media_type(content_type: str) -> ApiError:
    return ApiError(
        415,
        f"the body of the request was in an unknown format ({content_type}) - accepted media types include: "
        "application/json, application/yaml",
        reason="UnsupportedMediaType",
    )


def decode_document(raw: bytes, content_type: str) -> object:
    """Decode JSON (the default, also with no Content-Type), YAML or Kubernetes protobuf; 400 on malformed input.

    kubectl's typed generators (`create deployment`, `create configmap`, ...) send protobuf and do
    not retry on 415, so those kinds are decoded here into the same dict JSON would give. CBOR and
    protobuf of kinds without a schema still get 415.
    """
    if PROTOBUF_MEDIA_TYPE in content_type:
        try:
            return decode_protobuf_object(raw)
        except UnsupportedKind as exc:
            raise unsupported_media_type(content_type) from exc
        except ProtobufError as exc:
            raise bad_request(f"error decoding protobuf body: {exc}") from exc
    if "protobuf" in content_type or "cbor" in content_type:
        raise unsupported_media_type(content_type)
    if not raw.strip():
        raise bad_request("request body is empty")
    if "yaml" in content_type:
        try:
            return yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise bad_request(f"error decoding YAML: {exc}") from exc
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise bad_request(f"couldn't get version/kind; json parse error: {exc}") from exc


async def read_object(request: Request) -> dict:
    raw = await read_raw(request)
    if len(raw) > MAX_OBJECT_BYTES:
        raise too_large()
    document = decode_document(raw, request.headers.get("content-type", ""))
    if not isinstance(document, dict):
        raise bad_request("the request body must be a JSON or YAML object")
    return document


async def read_optional_object(request: Request) -> dict:
    """For DELETE: DeleteOptions may be absent, empty, or a JSON object."""
    raw = await read_raw(request)
    if not raw.strip():
        return {}
    document = decode_document(raw, request.headers.get("content-type", ""))
    if not isinstance(document, dict):
        raise bad_request("DeleteOptions must be an object")
    return document
