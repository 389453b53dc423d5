"""Reading and decoding one request body: the entry point handlers use (see the package docstring)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from fastapi import Request

from apiserver.decoding.json_bodies import JsonBodyError, load_json
from apiserver.decoding.limits import MAX_BODY_BYTES, MAX_OBJECT_BYTES, THREAD_DECODE_BYTES
from apiserver.decoding.yaml_bodies import YamlBodyError, load_yaml
from apiserver.errors import ApiError, bad_request
from apiserver.protobuf import PROTOBUF_MEDIA_TYPE, ProtobufError, UnsupportedKind, decode_protobuf_object
from kubemini.api.schema.typed_decoding import TypeMismatch, check_free_form


@dataclass
class Decoded:
    document: object
    duplicates: dict[int, list[str]] = field(default_factory=dict)  # id(object) → keys it repeated


def too_large(limit: int = MAX_OBJECT_BYTES) -> ApiError:
    return ApiError(413, f"Request entity too large: limit is {limit}", reason="RequestEntityTooLarge")


async def read_raw(request: Request, *, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body, refused with 413 as soon as it passes `limit` (a declared Content-Length first)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def unsupported_media_type(content_type: str) -> ApiError:
    return ApiError(
        415,
        f"the body of the request was in an unknown format ({content_type}) - accepted media types include: "
        "application/json, application/yaml, application/vnd.kubernetes.protobuf",
        reason="UnsupportedMediaType",
    )


def decode_bytes(raw: bytes, content_type: str) -> Decoded:
    """JSON (also with no Content-Type), YAML or Kubernetes protobuf; an ApiError on anything malformed."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media == PROTOBUF_MEDIA_TYPE:
        try:
            return Decoded(decode_protobuf_object(raw))
        except UnsupportedKind as exc:
            raise unsupported_media_type(content_type) from exc
        except (ProtobufError, RecursionError, ValueError) as exc:
            raise bad_request(f"error decoding protobuf body: {exc}") from exc
    if "protobuf" in media or "cbor" in media:
        raise unsupported_media_type(content_type)
    if not raw.strip():
        raise bad_request("request body is empty")
    if "yaml" in media and not raw.lstrip().startswith(b"{"):  # JSON is YAML too, and kubectl sends JSON
        try:
            return Decoded(load_yaml(raw))
        except YamlBodyError as exc:
            raise bad_request(str(exc)) from exc
    if media not in ("", "application/json", "*/*") and not media.endswith(("+json", "yaml")):
        raise unsupported_media_type(content_type)
    try:
        document, duplicates = load_json(raw)
    except JsonBodyError as exc:
        raise bad_request(f"couldn't get version/kind; {exc}") from exc
    return Decoded(document, duplicates)


async def decode_body(raw: bytes, content_type: str) -> Decoded:
    """`decode_bytes`, in a worker thread for big bodies so other requests keep being served."""
    if len(raw) < THREAD_DECODE_BYTES:
        return decode_bytes(raw, content_type)
    return await asyncio.to_thread(decode_bytes, raw, content_type)


async def read_object(request: Request) -> Decoded:
    """A body that must be one object (create, update, subresources)."""
    raw = await read_raw(request)
    if len(raw) > MAX_OBJECT_BYTES:
        raise too_large()
    decoded = await decode_body(raw, request.headers.get("content-type", ""))
    if not isinstance(decoded.document, dict):
        raise bad_request("the request body must be a JSON or YAML object")
    return decoded


async def read_patch(request: Request, content_type: str) -> object:
    """A patch body: JSON for the JSON patch types, JSON or YAML for apply; depth- and number-checked."""
    raw = await read_raw(request)
    decoded = await decode_body(raw, content_type)
    try:
        check_free_form(decoded.document)
    except TypeMismatch as exc:
        raise bad_request(str(exc)) from exc
    return decoded.document


async def read_options(request: Request) -> Decoded:
    """DELETE bodies: DeleteOptions may be absent, empty, or an object."""
    raw = await read_raw(request)
    if not raw.strip():
        return Decoded({})
    decoded = await decode_body(raw, request.headers.get("content-type", ""))
    if not isinstance(decoded.document, dict):
        raise bad_request("DeleteOptions must be an object")
    return decoded
