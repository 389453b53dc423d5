"""OpenAPI v3 documents, enough for `kubectl apply` with its default validation.

kubectl looks for a `patch` operation carrying the kind's
`x-kubernetes-group-version-kind` and a `fieldValidation` query parameter;
finding it, kubectl leaves validation to the server (Strict/Warn/Ignore).
Schemas are open objects: kubemini validates what it acts on itself.
"""

from __future__ import annotations

import hashlib
import json

from kubemini.api.registry import RESOURCES, group_versions

_QUERY_PARAMS = ("dryRun", "fieldManager", "fieldValidation", "force", "pretty")


def _gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _schema_name(record) -> str:
    group = record.group.replace(".k8s.io", "") if record.group else "core"
    return f"io.k8s.api.{group}.{record.version}.{record.kind}"


def _operation(record, action: str) -> dict:
    return {
        "operationId": f"{action}{record.kind}",
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": record.group, "version": record.version, "kind": record.kind},
        "parameters": [{"name": p, "in": "query", "schema": {"type": "string"}} for p in _QUERY_PARAMS],
        "responses": {
            "200": {
                "description": "OK",
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{_schema_name(record)}"}}},
            }
        },
    }


def group_version_document(group: str, version: str) -> dict | None:
    if (group, version) not in group_versions():
        return None
    paths, schemas = {}, {}
    for record in RESOURCES:
        if (record.group, record.version) != (group, version):
            continue
        namespace = "{namespace}" if record.namespaced else None
        paths[record.object_path("{name}", namespace)] = {
            "get": _operation(record, "get"),
            "put": _operation(record, "put"),
            "patch": _operation(record, "patch"),
            "delete": _operation(record, "delete"),
        }
        paths[record.collection_path(namespace)] = {
            "get": _operation(record, "list"),
            "post": _operation(record, "post"),
        }
        schemas[_schema_name(record)] = {
            "type": "object",
            "description": f"{record.kind} ({record.api_version})",
            "properties": {
                "apiVersion": {"type": "string"},
                "kind": {"type": "string"},
                "metadata": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            },
            "x-kubernetes-preserve-unknown-fields": True,
            "x-kubernetes-group-version-kind": [
                {"group": record.group, "version": record.version, "kind": record.kind}
            ],
        }
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes (kubemini)", "version": "v1.35.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _hash(document: dict) -> str:
    return hashlib.sha512(json.dumps(document, sort_keys=True).encode()).hexdigest()[:64].upper()


def root_document() -> dict:
    paths = {}
    for group, version in group_versions():
        path = _gv_path(group, version)
        document = group_version_document(group, version)
        paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={_hash(document)}"}
    return {"paths": paths}
