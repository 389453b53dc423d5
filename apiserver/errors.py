"""API errors and the one place storage errors become `Status` responses."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from apiserver.storage.errors import (
    Compacted,
    FutureRevision,
    KeyExists,
    KeyNotFound,
    RevisionConflict,
    StorageError,
    Unavailable,
)
from kubemini.api.field_errors import FieldErrors
from kubemini.api.registry import ResourceType
from kubemini.api.status import make_status

RETRY_AFTER_SECONDS = 1


class ApiError(Exception):
    def __init__(self, code: int, message: str, *, reason: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.status = make_status(code, message, reason=reason, details=details)
        self.code = code

    def response(self) -> JSONResponse:
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if self.code in (429, 503) else None
        return JSONResponse(self.status, status_code=self.code, headers=headers)


def _qualified(resource: ResourceType) -> str:
    return f"{resource.plural}.{resource.group}" if resource.group else resource.plural


def _details(resource: ResourceType, name: str) -> dict:
    details = {"name": name, "kind": resource.plural}
    if resource.group:
        details["group"] = resource.group
    return details


def not_found(resource: ResourceType, name: str) -> ApiError:
    return ApiError(404, f'{_qualified(resource)} "{name}" not found', details=_details(resource, name))


def already_exists(resource: ResourceType, name: str) -> ApiError:
    return ApiError(
        409, f'{_qualified(resource)} "{name}" already exists', reason="AlreadyExists", details=_details(resource, name)
    )


def conflict(resource: ResourceType, name: str, why: str = "") -> ApiError:
    why = why or "the object has been modified; please apply your changes to the latest version and try again"
    return ApiError(
        409,
        f'Operation cannot be fulfilled on {_qualified(resource)} "{name}": {why}',
        reason="Conflict",
        details=_details(resource, name),
    )


def invalid(resource: ResourceType, name: str, errors: FieldErrors) -> ApiError:
    details = {**_details(resource, name), "kind": resource.kind, "causes": errors.causes()}
    return ApiError(422, f'{resource.kind} "{name}" is invalid: {errors.summary()}', reason="Invalid", details=details)


def bad_request(message: str) -> ApiError:
    return ApiError(400, message, reason="BadRequest")


def gone(message: str) -> ApiError:
    return ApiError(410, message, reason="Expired")


def from_storage(error: StorageError, resource: ResourceType, name: str = "") -> ApiError:
    """Map a storage error to its Status; the only place this mapping lives."""
    if isinstance(error, KeyNotFound):
        return not_found(resource, name)
    if isinstance(error, KeyExists):
        return already_exists(resource, name)
    if isinstance(error, RevisionConflict):
        return conflict(resource, name)
    if isinstance(error, Compacted):
        return gone("The resourceVersion for the provided watch is too old.")
    if isinstance(error, FutureRevision):
        return ApiError(504, "Too large resource version", reason="Timeout")
    if isinstance(error, Unavailable):
        return ApiError(503, f"storage is unavailable: {error}", reason="ServiceUnavailable")
    return ApiError(500, f"storage error: {error}", reason="InternalError")
