"""API errors, and the one place storage errors become `Status` responses."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from apiserver.storage.errors import (
    Compacted,
    CorruptValue,
    FutureRevision,
    KeyExists,
    KeyNotFound,
    OutcomeUnknown,
    RevisionConflict,
    StorageError,
    TransformFailed,
    Unavailable,
)
from kubemini.api.field_errors import FieldErrors
from kubemini.api.status import make_status

RETRY_AFTER_SECONDS = 1


class ApiError(Exception):
    def __init__(
        self, code: int, message: str, *, reason: str | None = None, details: dict | None = None, headers=None
    ):
        super().__init__(message)
        self.status = make_status(code, message, reason=reason, details=details)
        self.code = code
        self.headers = headers

    def response(self) -> JSONResponse:
        headers = dict(self.headers or {})
        if self.code in (429, 503):
            headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
        return JSONResponse(self.status, status_code=self.code, headers=headers or None)


def _qualified(resource) -> str:
    return f"{resource.plural}.{resource.group}" if resource.group else resource.plural


def _details(resource, name: str) -> dict:
    details = {"name": name}
    if resource.group:
        details["group"] = resource.group
    details["kind"] = resource.plural
    return details


def path_not_found() -> ApiError:
    return ApiError(404, "the server could not find the requested resource", reason="NotFound", details={})


def not_found(resource, name: str) -> ApiError:
    return ApiError(
        404, f'{_qualified(resource)} "{name}" not found', reason="NotFound", details=_details(resource, name)
    )


def already_exists(resource, name: str) -> ApiError:
    return ApiError(
        409, f'{_qualified(resource)} "{name}" already exists', reason="AlreadyExists", details=_details(resource, name)
    )


def conflict(resource, name: str, why: str = "") -> ApiError:
    why = why or "the object has been modified; please apply your changes to the latest version and try again"
    return ApiError(
        409,
        f'Operation cannot be fulfilled on {_qualified(resource)} "{name}": {why}',
        reason="Conflict",
        details=_details(resource, name),
    )


def invalid(resource, name: str, errors: FieldErrors, *, kind: str | None = None) -> ApiError:
    details = {"name": name}
    if resource.group:
        details["group"] = resource.group
    details["kind"] = kind or resource.kind
    details["causes"] = errors.causes()
    qualified = f"{kind or resource.kind}.{resource.group}" if resource.group else (kind or resource.kind)
    return ApiError(422, f'{qualified} "{name}" is invalid: {errors.summary()}', reason="Invalid", details=details)


def bad_request(message: str) -> ApiError:
    return ApiError(400, message, reason="BadRequest")


def gone(message: str) -> ApiError:
    return ApiError(410, message, reason="Expired")


def method_not_allowed() -> ApiError:
    return ApiError(405, "the server does not allow this method on the requested resource", reason="MethodNotAllowed")


def from_storage(error: StorageError, resource, name: str = "") -> ApiError:
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
        return ApiError(504, "Too large resource version", reason="Timeout", details={"retryAfterSeconds": 1})
    if isinstance(error, OutcomeUnknown):
        return ApiError(
            504,
            "Timeout: request did not complete within the allowed duration; the request may have succeeded",
            reason="Timeout",
            details={"retryAfterSeconds": 1},
        )
    if isinstance(error, Unavailable):
        return ApiError(
            503, f"storage is unavailable: {error}", reason="ServiceUnavailable", details={"retryAfterSeconds": 1}
        )
    if isinstance(error, TransformFailed):
        return ApiError(500, f"Internal error occurred: {error}", reason="InternalError")
    if isinstance(error, CorruptValue):
        return ApiError(500, f"the stored object is not a valid object: {error}", reason="InternalError")
    return ApiError(500, f"storage error: {error}", reason="InternalError")
