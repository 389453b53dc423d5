"""Path items and operations for every registered kind, in OpenAPI v3 or v2 (swagger) form.

Each record gives its collection and object paths (and the all-namespaces list
for namespaced kinds) plus one path per served subresource; each operation
declares its path and query parameters, its request body, its answers (the
errors as `Status`), `x-kubernetes-action` and `x-kubernetes-group-version-kind`.
"""

from __future__ import annotations

from apiserver.openapi import custom_schemas
from apiserver.openapi.parameters import (
    ANSWER_TYPES,
    DELETE_OPTIONS,
    DELETE_PARAMS,
    ERROR_ANSWERS,
    LIST_PARAMS,
    PATCH,
    QUERY_PARAMETERS,
    STATUS,
    WRITE_PARAMS,
    patch_types,
)
from apiserver.openapi.schemas import V2_PREFIX, V3_PREFIX
from apiserver.openapi.subresource_operations import subresource_operations
from kubemini.api.schema.definitions import definition_for_kind


def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in text.replace("-", ".").split(".") if part)


def _group_label(record) -> str:
    if not record.group:
        return f"CoreV{record.version[1:]}"
    return _camel(record.group.removesuffix(".k8s.io")) + _camel(record.version)


class _Builder:
    def __init__(self, *, v3: bool):
        self.v3 = v3

    def ref(self, name: str) -> dict:
        return {"$ref": (V3_PREFIX if self.v3 else V2_PREFIX) + name}

    def query(self, name: str) -> dict:
        kind, description = QUERY_PARAMETERS[name]
        if self.v3:
            return {
                "name": name,
                "in": "query",
                "description": description,
                "schema": {"type": kind, "uniqueItems": True},
            }
        return {"name": name, "in": "query", "description": description, "type": kind, "uniqueItems": True}

    def path_param(self, name: str, description: str) -> dict:
        if self.v3:
            return {
                "name": name,
                "in": "path",
                "required": True,
                "description": description,
                "schema": {"type": "string", "uniqueItems": True},
            }
        return {
            "name": name,
            "in": "path",
            "required": True,
            "description": description,
            "type": "string",
            "uniqueItems": True,
        }

    def answers(self, schema: str | None, codes: tuple[str, ...]) -> dict:
        answers = {}
        for code in codes:
            text = {"200": "OK", "201": "Created", "202": "Accepted"}[code]
            answers[code] = self._answer(text, self.ref(schema) if schema else {"type": "string"})
        for code, reason in ERROR_ANSWERS.items():
            answers[code] = self._answer(reason, self.ref(STATUS))
        return answers

    def _answer(self, description: str, schema: dict) -> dict:
        if self.v3:
            return {"description": description, "content": {media: {"schema": schema} for media in ANSWER_TYPES}}
        return {"description": description, "schema": schema}

    def operation(
        self,
        record,
        action: str,
        verb: str,
        *,
        params=(),
        body: str | None = None,
        body_types=("*/*",),
        answer: str | None = None,
        codes=("200",),
        gvk: dict | None = None,
        suffix: str = "",
    ) -> dict:
        scope = "Namespaced" if record.namespaced and action != "list-all" else ""
        name = f"{verb}{_group_label(record)}{scope}{record.kind}{suffix}"
        operation = {
            "description": f"{verb} {suffix.lower() or 'the specified'} {record.kind}",
            "operationId": name,
            "tags": [_group_label(record)],
            "parameters": [self.query(p) for p in params],
            "responses": self.answers(answer, codes),
            "x-kubernetes-action": "list" if action == "list-all" else action,
            "x-kubernetes-group-version-kind": gvk
            or {"group": record.group, "kind": record.kind, "version": record.version},
        }
        if body is not None:
            if self.v3:
                operation["requestBody"] = {
                    "required": True,
                    "content": {t: {"schema": self.ref(body)} for t in body_types},
                }
            else:
                operation["parameters"].append(
                    {"name": "body", "in": "body", "required": True, "schema": self.ref(body)}
                )
                operation["consumes"] = list(body_types)
        if not self.v3:
            operation["produces"] = list(ANSWER_TYPES)
            operation["schemes"] = ["https"]
        return operation

    def item(self, operations: dict, parameters: list[dict]) -> dict:
        return {**operations, "parameters": parameters + [self.query("pretty")]}


def _kind_definition(record) -> str:
    if custom_schemas.is_custom(record):
        return custom_schemas.definition_name(record)
    return definition_for_kind(record.group, record.version, record.kind) or ""


def record_paths(record, *, v3: bool) -> dict[str, dict]:
    """Every path a record is served under, with its operations."""
    build = _Builder(v3=v3)
    kind = _kind_definition(record)
    list_kind = _kind_definition_list(record)
    namespace = "{namespace}" if record.namespaced else None
    name_param = build.path_param("name", f"name of the {record.kind}")
    scope = (
        [build.path_param("namespace", "object name and auth scope, such as for teams and projects")]
        if namespace
        else []
    )
    collection, obj = record.collection_path(namespace), record.object_path("{name}", namespace)
    paths: dict[str, dict] = {}
    verbs = set(record.verbs)
    collection_ops = {}
    if "list" in verbs:
        collection_ops["get"] = build.operation(record, "list", "list", params=LIST_PARAMS, answer=list_kind or kind)
    if "create" in verbs:
        collection_ops["post"] = build.operation(
            record, "post", "create", params=WRITE_PARAMS, body=kind, answer=kind, codes=("200", "201", "202")
        )
    if "deletecollection" in verbs:
        collection_ops["delete"] = build.operation(
            record,
            "deletecollection",
            "deleteCollection",
            params=LIST_PARAMS + DELETE_PARAMS,
            body=DELETE_OPTIONS,
            answer=STATUS,
        )
    if collection_ops:
        paths[collection] = build.item(collection_ops, scope)
    object_ops = {}
    if "get" in verbs:
        object_ops["get"] = build.operation(record, "get", "read", answer=kind)
    if "update" in verbs:
        object_ops["put"] = build.operation(
            record, "put", "replace", params=WRITE_PARAMS, body=kind, answer=kind, codes=("200", "201")
        )
    if "patch" in verbs:
        object_ops["patch"] = build.operation(
            record,
            "patch",
            "patch",
            params=(*WRITE_PARAMS, "force"),
            body=PATCH,
            body_types=patch_types(record),
            answer=kind,
            codes=("200", "201"),
        )
    if "delete" in verbs:
        object_ops["delete"] = build.operation(
            record, "delete", "delete", params=DELETE_PARAMS, body=DELETE_OPTIONS, answer=STATUS, codes=("200", "202")
        )
    if object_ops:
        paths[obj] = build.item(object_ops, [name_param, *scope])
    if record.namespaced and "list" in verbs:
        paths[record.collection_path(None)] = build.item(
            {
                "get": build.operation(
                    record, "list-all", "list", params=LIST_PARAMS, answer=list_kind or kind, suffix="ForAllNamespaces"
                )
            },
            [],
        )
    for sub in record.subresources:
        operations = subresource_operations(build, record, sub, kind)
        if operations:
            paths[f"{obj}/{sub}"] = build.item(operations, [name_param, *scope])
    return paths


def _kind_definition_list(record) -> str:
    if custom_schemas.is_custom(record):
        return custom_schemas.definition_name(record, listing=True)
    return definition_for_kind(record.group, record.version, record.list_kind) or ""
