"""Path items and operations for every registered kind, in OpenAPI v3 or v2 (swagger) form.

Each record gives its collection and object paths (and the all-namespaces list
for namespaced kinds) plus one path per served subresource; each operation
declares its path and query parameters, its request body, its answers (the
errors as `Status`), `x-kubernetes-action` and `x-kubernetes-group-version-kind`.
"""

from __future__ import annotations

from apiserver.openapi.schemas import V2_PREFIX, V3_PREFIX
from kubemini.api.schema.definitions import definition_for_kind

STATUS = "io.k8s.apimachinery.pkg.apis.meta.v1.Status"
DELETE_OPTIONS = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"
PATCH = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch"
PATCH_TYPES = (
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
)
ANSWER_TYPES = ("application/json", "application/yaml")
ERROR_ANSWERS = {
    "400": "BadRequest",
    "401": "Unauthorized",
    "403": "Forbidden",
    "404": "NotFound",
    "405": "MethodNotAllowed",
    "406": "NotAcceptable",
    "409": "Conflict",
    "410": "Gone",
    "413": "RequestEntityTooLarge",
    "415": "UnsupportedMediaType",
    "422": "Invalid",
    "429": "TooManyRequests",
    "503": "ServiceUnavailable",
    "504": "Timeout",
}
SUBRESOURCE_BODIES = {
    "scale": ("io.k8s.api.autoscaling.v1.Scale", {"group": "autoscaling", "kind": "Scale", "version": "v1"}),
    "binding": ("io.k8s.api.core.v1.Binding", {"group": "", "kind": "Binding", "version": "v1"}),
    "eviction": ("io.k8s.api.policy.v1.Eviction", {"group": "policy", "kind": "Eviction", "version": "v1"}),
}

_P = {
    "pretty": ("string", "If 'true', then the output is pretty printed."),
    "dryRun": ("string", "When present, indicates that modifications should not be persisted. Valid value: All"),
    "fieldManager": (
        "string",
        "fieldManager is a name associated with the actor or entity that is making these changes.",
    ),
    "fieldValidation": (
        "string",
        "fieldValidation instructs the server on how to handle objects in the request containing unknown or "
        "duplicate fields. Valid values are: Ignore, Warn (default), Strict.",
    ),
    "force": ("boolean", 'Force is going to "force" Apply requests.'),
    "allowWatchBookmarks": ("boolean", 'allowWatchBookmarks requests watch events with type "BOOKMARK".'),
    "continue": ("string", "The continue option should be set when retrieving more results from the server."),
    "fieldSelector": (
        "string",
        "A selector to restrict the list of returned objects by their fields. Defaults to everything.",
    ),
    "labelSelector": (
        "string",
        "A selector to restrict the list of returned objects by their labels. Defaults to everything.",
    ),
    "limit": ("integer", "limit is a maximum number of responses to return for a list call."),
    "resourceVersion": (
        "string",
        "resourceVersion sets a constraint on what resource versions a request may be served from.",
    ),
    "resourceVersionMatch": ("string", "resourceVersionMatch determines how resourceVersion is applied to list calls."),
    "sendInitialEvents": ("boolean", "`sendInitialEvents=true` may be set together with `watch=true`."),
    "timeoutSeconds": ("integer", "Timeout for the list/watch call."),
    "watch": (
        "boolean",
        "Watch for changes to the described resources and return them as a stream of add, update, and remove "
        "notifications.",
    ),
    "gracePeriodSeconds": ("integer", "The duration in seconds before the object should be deleted."),
    "orphanDependents": ("boolean", "Deprecated: please use the PropagationPolicy."),
    "propagationPolicy": (
        "string",
        "Whether and how garbage collection will be performed. Orphan, Background or Foreground.",
    ),
    "container": ("string", "The container for which to stream logs."),
    "follow": ("boolean", "Follow the log stream of the pod."),
    "previous": ("boolean", "Return previous terminated container logs."),
    "tailLines": ("integer", "If set, the number of lines from the end of the logs to show."),
    "timestamps": (
        "boolean",
        "If true, add an RFC3339 or RFC3339Nano timestamp at the beginning of every line of log output.",
    ),
    "sinceSeconds": ("integer", "A relative time in seconds before the current time from which to show logs."),
    "limitBytes": ("integer", "If set, the number of bytes to read from the server before terminating the log output."),
}
LIST_PARAMS = (
    "allowWatchBookmarks",
    "continue",
    "fieldSelector",
    "labelSelector",
    "limit",
    "resourceVersion",
    "resourceVersionMatch",
    "sendInitialEvents",
    "timeoutSeconds",
    "watch",
)
WRITE_PARAMS = ("dryRun", "fieldManager", "fieldValidation")
DELETE_PARAMS = ("dryRun", "gracePeriodSeconds", "orphanDependents", "propagationPolicy")
LOG_PARAMS = ("container", "follow", "limitBytes", "previous", "sinceSeconds", "tailLines", "timestamps")


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
        kind, description = _P[name]
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
            body_types=PATCH_TYPES,
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
        operations = _subresource_operations(build, record, sub, kind)
        if operations:
            paths[f"{obj}/{sub}"] = build.item(operations, [name_param, *scope])
    return paths


def _kind_definition_list(record) -> str:
    return definition_for_kind(record.group, record.version, record.list_kind) or ""


def _subresource_operations(build: _Builder, record, sub: str, kind: str) -> dict:
    suffix = _camel(sub)
    if sub in ("status", "approval"):
        return {
            "get": build.operation(record, "get", "read", answer=kind, suffix=suffix),
            "put": build.operation(
                record,
                "put",
                "replace",
                params=WRITE_PARAMS,
                body=kind,
                answer=kind,
                suffix=suffix,
                codes=("200", "201"),
            ),
            "patch": build.operation(
                record,
                "patch",
                "patch",
                params=(*WRITE_PARAMS, "force"),
                body=PATCH,
                body_types=PATCH_TYPES,
                answer=kind,
                suffix=suffix,
            ),
        }
    if sub == "scale":
        schema, gvk = SUBRESOURCE_BODIES["scale"]
        return {
            "get": build.operation(record, "get", "read", answer=schema, gvk=gvk, suffix=suffix),
            "put": build.operation(
                record,
                "put",
                "replace",
                params=WRITE_PARAMS,
                body=schema,
                answer=schema,
                gvk=gvk,
                suffix=suffix,
                codes=("200", "201"),
            ),
            "patch": build.operation(
                record,
                "patch",
                "patch",
                params=(*WRITE_PARAMS, "force"),
                body=PATCH,
                body_types=PATCH_TYPES,
                answer=schema,
                gvk=gvk,
                suffix=suffix,
            ),
        }
    if sub in ("binding", "eviction"):
        schema, gvk = SUBRESOURCE_BODIES[sub]
        return {
            "post": build.operation(
                record,
                "post",
                "create",
                params=WRITE_PARAMS,
                body=schema,
                answer=schema,
                gvk=gvk,
                suffix=suffix,
                codes=("200", "201", "202"),
            )
        }
    if sub == "finalize":
        return {
            "put": build.operation(
                record,
                "put",
                "replace",
                params=WRITE_PARAMS,
                body=kind,
                answer=kind,
                suffix=suffix,
                codes=("200", "201"),
            )
        }
    if sub == "log":
        return {"get": build.operation(record, "get", "read", params=LOG_PARAMS, answer=None, suffix=suffix)}
    return {}
