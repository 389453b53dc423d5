"""The client's one error hierarchy, raised from one place.

Every non-2xx HTTP answer passes through `check_response()`, which turns the
apiserver's `Status` body into a typed `ApiError` subclass chosen by `reason`
(falling back to the HTTP code). Watch `ERROR` events carry the same `Status`
and go through `error_from_status()`. Transport failures that outlive the
client's retries become `ConnectionFailed`, itself a `ServerUnavailable`, so a
caller that handles "apiserver not there" handles both.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from kubemini.api.status import make_status


class ApiError(Exception):
    """A failed API call; `status` is the apiserver's `Status` object."""

    def __init__(self, status: dict[str, Any]):
        self.status = status
        super().__init__(f"{self.code} {self.reason}: {self.message}")

    @property
    def code(self) -> int:
        return int(self.status.get("code") or 0)

    @property
    def reason(self) -> str:
        return str(self.status.get("reason") or "")

    @property
    def message(self) -> str:
        return str(self.status.get("message") or "")

    @property
    def details(self) -> dict[str, Any]:
        return self.status.get("details") or {}


class BadRequest(ApiError):
    pass


class Unauthorized(ApiError):
    pass


class Forbidden(ApiError):
    pass


class NotFound(ApiError):
    pass


class MethodNotAllowed(ApiError):
    pass


class AlreadyExists(ApiError):
    pass


class Conflict(ApiError):
    pass


class Gone(ApiError):
    """The resourceVersion asked for was compacted (or a continue token expired): relist."""


class RequestEntityTooLarge(ApiError):
    pass


class UnsupportedMediaType(ApiError):
    pass


class Invalid(ApiError):
    pass


class TooManyRequests(ApiError):
    pass


class InternalError(ApiError):
    pass


class ServerUnavailable(ApiError):
    pass


class ConnectionFailed(ServerUnavailable):
    """The apiserver could not be reached (after the client's own retries)."""


_BY_REASON: dict[str, type[ApiError]] = {
    "BadRequest": BadRequest,
    "Unauthorized": Unauthorized,
    "Forbidden": Forbidden,
    "NotFound": NotFound,
    "MethodNotAllowed": MethodNotAllowed,
    "AlreadyExists": AlreadyExists,
    "Conflict": Conflict,
    "Gone": Gone,
    "Expired": Gone,
    "RequestEntityTooLarge": RequestEntityTooLarge,
    "UnsupportedMediaType": UnsupportedMediaType,
    "Invalid": Invalid,
    "TooManyRequests": TooManyRequests,
    "InternalError": InternalError,
    "ServiceUnavailable": ServerUnavailable,
}

_BY_CODE: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    410: Gone,
    413: RequestEntityTooLarge,
    415: UnsupportedMediaType,
    422: Invalid,
    429: TooManyRequests,
    500: InternalError,
    503: ServerUnavailable,
}


def error_from_status(status: dict[str, Any]) -> ApiError:
    """The typed error for a `Status` object (from a response body or a watch ERROR event)."""
    code = int(status.get("code") or 0)
    # 409 has two meanings; the reason tells them apart, the code alone means Conflict.
    error_type = _BY_REASON.get(str(status.get("reason") or "")) or _BY_CODE.get(code, ApiError)
    return error_type(status)


def _status_from_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = json.loads(response.content) if response.content else None
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("kind") == "Status":
        status = dict(body)
        status.setdefault("code", response.status_code)
        return status
    # Not a Status (a proxy's HTML page, an empty 503): synthesise one so callers see one shape.
    return make_status(response.status_code, response.text[:500] or response.reason_phrase)


def check_response(response: httpx.Response) -> httpx.Response:
    """Return a successful response unchanged; raise the matching `ApiError` otherwise.

    The body must already be read (`await response.aread()` for streams).
    """
    if response.is_success:
        return response
    error = error_from_status(_status_from_body(response))
    retry_after = response.headers.get("Retry-After")
    if retry_after is not None:
        error.status.setdefault("details", {}).setdefault("retryAfterSeconds", _to_int(retry_after))
    raise error


def connection_failed(url: str, cause: BaseException) -> ConnectionFailed:
    return ConnectionFailed(make_status(503, f"cannot reach {url}: {type(cause).__name__}: {cause}"))


def _to_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 1
