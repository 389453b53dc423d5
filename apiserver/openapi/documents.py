"""The served OpenAPI documents, built from the registry and cached until the registry changes.

/openapi/v3                 {"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=…"}, …}}
/openapi/v3/apis/<g>/<v>    paths of that group-version + every schema they reference
/openapi/v2                 one swagger 2.0 document of everything (JSON, or gnostic protobuf)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from apiserver.openapi import custom_schemas, gnostic
from apiserver.openapi.paths import DELETE_OPTIONS, PATCH, STATUS, record_paths
from apiserver.openapi.schemas import definition, referenced
from kubemini.api.registry import all_resources, group_versions
from kubemini.api.schema.definitions import KUBERNETES_VERSION, definition_for_kind

ALWAYS_REFERENCED = (
    STATUS,
    DELETE_OPTIONS,
    PATCH,
    "io.k8s.api.autoscaling.v1.Scale",
    "io.k8s.api.core.v1.Binding",
    "io.k8s.api.policy.v1.Eviction",
)
INFO = {"title": "Kubernetes", "version": KUBERNETES_VERSION}


def gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _hash(payload: bytes) -> str:
    return hashlib.sha512(payload).hexdigest()[:128].upper()


def _kind_definitions(records) -> list[str]:
    names = []
    for record in records:
        if custom_schemas.is_custom(record):
            names.extend(custom_schemas.REFERENCED)
            continue
        for kind in (record.kind, record.list_kind):
            name = definition_for_kind(record.group, record.version, kind)
            if name:
                names.append(name)
    return names


def _records(group: str, version: str) -> list:
    return [r for r in all_resources() if (r.group, r.version) == (group, version)]


def _schemas(names: list[str], records, *, v3: bool) -> dict[str, dict]:
    custom = {}
    for record in records:
        if custom_schemas.is_custom(record):
            custom.update(custom_schemas.definitions(record, v3=v3))
    result = {name: definition(name, v3=v3) for name in referenced(names + list(ALWAYS_REFERENCED))}
    result.update(custom)
    return dict(sorted(result.items()))


def group_version_document(group: str, version: str) -> dict | None:
    if (group, version) not in group_versions():
        return None
    records = _records(group, version)
    paths: dict[str, dict] = {}
    for record in records:
        paths.update(record_paths(record, v3=True))
    return {
        "openapi": "3.0.0",
        "info": INFO,
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": _schemas(_kind_definitions(records), records, v3=True),
            "securitySchemes": {
                "BearerToken": {
                    "type": "apiKey",
                    "name": "authorization",
                    "in": "header",
                    "description": "Bearer Token authentication",
                }
            },
        },
    }


def swagger_document() -> dict:
    records = [r for r in all_resources()]
    paths: dict[str, dict] = {}
    for record in records:
        paths.update(record_paths(record, v3=False))
    return {
        "swagger": "2.0",
        "info": INFO,
        "paths": dict(sorted(paths.items())),
        "definitions": _schemas(_kind_definitions(records), records, v3=False),
        "securityDefinitions": {
            "BearerToken": {
                "type": "apiKey",
                "name": "authorization",
                "in": "header",
                "description": "Bearer Token authentication",
            }
        },
        "security": [{"BearerToken": []}],
    }


@dataclass
class Rendered:
    body: bytes
    etag: str


class OpenAPICache:
    """Documents rendered once per registry state (CRDs change it at run time)."""

    def __init__(self):
        self._key: tuple | None = None
        self._v3: dict[tuple[str, str], Rendered] = {}
        self._v2_json: Rendered | None = None
        self._v2_protobuf: Rendered | None = None

    def _check(self) -> None:
        key = tuple((r.group, r.version, r.plural, id(r.strategy)) for r in all_resources())
        if key != self._key:
            self._key, self._v3, self._v2_json, self._v2_protobuf = key, {}, None, None

    def v3(self, group: str, version: str) -> Rendered | None:
        self._check()
        if (group, version) not in self._v3:
            document = group_version_document(group, version)
            if document is None:
                return None
            body = json.dumps(document, separators=(",", ":")).encode()
            self._v3[(group, version)] = Rendered(body, _hash(body))
        return self._v3[(group, version)]

    def v3_root(self) -> dict:
        paths = {}
        for group, version in group_versions():
            rendered = self.v3(group, version)
            path = gv_path(group, version)
            paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={rendered.etag}"}
        return {"paths": paths}

    def v2_json(self) -> Rendered:
        self._check()
        if self._v2_json is None:
            body = json.dumps(swagger_document(), separators=(",", ":")).encode()
            self._v2_json = Rendered(body, _hash(body))
        return self._v2_json

    def v2_protobuf(self) -> Rendered:
        self._check()
        if self._v2_protobuf is None:
            source = self.v2_json()
            self._v2_protobuf = Rendered(gnostic.encode_document(json.loads(source.body)), source.etag)
        return self._v2_protobuf
