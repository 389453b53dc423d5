"""`meta/v1 Status` objects: the one shape of every API error.

Keys are in Kubernetes' order (`kind, apiVersion, metadata, status, message,
reason, details, code`): some clients compare error bodies as text.
"""

from __future__ import annotations

REASONS_BY_CODE = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    431: "RequestHeaderFieldsTooLarge",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


def make_status(
    code: int,
    message: str,
    *,
    reason: str | None = None,
    details: dict | None = None,
) -> dict:
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success" if code < 400 else "Failure",
        "message": message,
        "reason": reason or REASONS_BY_CODE.get(code, "Unknown"),
    }
    if details is not None:
        status["details"] = details
    status["code"] = code
    return status


def success_status(*, kind: str, name: str, group: str = "", uid: str = "") -> dict:
    details = {"name": name}
    if group:
        details["group"] = group
    details["kind"] = kind
    if uid:
        details["uid"] = uid
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}
