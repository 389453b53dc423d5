"""The 403 `Status` kube-apiserver answers when no authorizer allows a request (responsewriters.Forbidden)."""

from __future__ import annotations

from apiserver.authorization.attributes import RequestAttributes
from apiserver.errors import ApiError


def forbidden_message(attrs: RequestAttributes, reason: str = "") -> str:
    user = attrs.user.name
    if not attrs.resource_request:
        message = f'forbidden: User "{user}" cannot {attrs.verb} path "{attrs.path}"'
    else:
        resource = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
        qualified = f"{attrs.resource}.{attrs.api_group}" if attrs.api_group else attrs.resource
        subject = f'{qualified} "{attrs.name}"' if attrs.name else qualified
        scope = f'in the namespace "{attrs.namespace}"' if attrs.namespace else "at the cluster scope"
        message = (
            f'{subject} is forbidden: User "{user}" cannot {attrs.verb} resource "{resource}" '
            f'in API group "{attrs.api_group}" {scope}'
        )
    return f"{message}: {reason}" if reason else message


def forbidden(attrs: RequestAttributes, reason: str = "") -> ApiError:
    details: dict = {}
    if attrs.resource_request:
        if attrs.name:
            details["name"] = attrs.name
        if attrs.api_group:
            details["group"] = attrs.api_group
        details["kind"] = attrs.resource
    return ApiError(403, forbidden_message(attrs, reason), reason="Forbidden", details=details)
