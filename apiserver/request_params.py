"""Query parameters and headers every write shares, read once per request.

?fieldManager / User-Agent ──► field_manager (managedFields)      ?dryRun=All ──► dry_run
DeleteOptions body + ?gracePeriodSeconds&propagationPolicy&orphanDependents ──► delete_options_from
admission and deprecation warnings ──► warning_headers (`Warning: 299 - "..."`)
"""

from __future__ import annotations

from fastapi import Request

from apiserver.deleting import DeleteOptions
from apiserver.errors import bad_request
from apiserver.reading import parse_int64
from apiserver.typed_objects import typed_document

DELETE_OPTIONS_DEFINITION = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"
MAX_FIELD_MANAGER_LENGTH = 128
TRUE_VALUES = ("true", "1")


def warning_headers(warnings: list[str]) -> dict | None:
    """RFC 7234 warnings (`299 - "text"`), the text's bytes sent as UTF-8 like Go's apiserver sends them."""
    if not warnings:
        return None
    quoted = ('299 - "{}"'.format(w.replace("\\", "\\\\").replace('"', '\\"')) for w in warnings)
    return {"Warning": ", ".join(quoted).encode("utf-8", "replace").decode("latin-1")}


def field_manager(request: Request) -> str:
    """`fieldManager`, else the product in the User-Agent (`kubectl/v1.35.0 (linux/amd64)` → kubectl)."""
    manager = request.query_params.get("fieldManager")
    if manager:
        return manager
    agent = request.headers.get("user-agent", "").split("/", 1)[0].strip()
    return agent[:MAX_FIELD_MANAGER_LENGTH] or "unknown"


def dry_run(params) -> bool:
    values = params.getlist("dryRun")
    if any(value != "All" for value in values):
        raise bad_request(f"dryRun must be All, got {values}")
    return bool(values)


def check_write_params(params) -> None:
    manager = params.get("fieldManager")
    if manager is not None and (len(manager) > MAX_FIELD_MANAGER_LENGTH or not manager.isprintable()):
        raise bad_request(f"fieldManager must be at most {MAX_FIELD_MANAGER_LENGTH} printable characters")


def _typed_delete_options(body: dict) -> dict:
    return typed_document(DELETE_OPTIONS_DEFINITION, body, kind="DeleteOptions")


def delete_options_from(body: dict, params) -> DeleteOptions:
    options = dict(_typed_delete_options(body))
    if "gracePeriodSeconds" in params and "gracePeriodSeconds" not in options:
        value = params["gracePeriodSeconds"]
        negative = value.startswith("-")
        options["gracePeriodSeconds"] = (-1 if negative else 1) * parse_int64(value.lstrip("-"), "gracePeriodSeconds")
    if "propagationPolicy" in params and "propagationPolicy" not in options:
        options["propagationPolicy"] = params["propagationPolicy"]
    if "orphanDependents" in params and "orphanDependents" not in options:
        if params["orphanDependents"] not in ("true", "false"):
            raise bad_request("orphanDependents must be true or false")
        options["orphanDependents"] = params["orphanDependents"] == "true"
    return DeleteOptions.from_body(options)
