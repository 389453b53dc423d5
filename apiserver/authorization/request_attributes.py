"""What a request asks, in authorization terms (upstream's `RequestInfoFactory`), from its method,
path and query alone: no lookup of the registry, so unknown resources are authorized too.

    GET    /api/v1/namespaces/dev/pods            ──► list pods in dev  (watch=true: watch;
                                                      fieldSelector=metadata.name=x: name x)
    GET    /api/v1/watch/namespaces/dev/pods      ──► watch
    GET    /apis/apps/v1/namespaces/dev/deployments/web/scale ──► get deployments/scale "web"
    POST ──► create, PUT ──► update, PATCH ──► patch, DELETE ──► delete (deletecollection without a name)
    pods/exec, pods/attach, pods/portforward      ──► create, whatever the method (a WebSocket
                                                      upgrade is a GET; upstream asks for create too)
    anything else (/healthz, /apis, /api/v1)      ──► a non-resource request: the lowercased method
"""

from __future__ import annotations

from collections.abc import Mapping

from apiserver.authentication.user import UserInfo
from apiserver.authorization.attributes import RequestAttributes

METHOD_VERBS = {"POST": "create", "GET": "get", "HEAD": "get", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}
NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})
CONNECT_SUBRESOURCES = frozenset({("pods", "exec"), ("pods", "attach"), ("pods", "portforward")})
TRUE_VALUES = ("1", "true", "True")


def _name_from_selector(selector: str) -> str:
    """`metadata.name=x` (or `==`) as the only term: the one name a list or watch is about."""
    if "," in selector:
        return ""
    for operator in ("==", "="):
        key, found, value = selector.partition(operator)
        if found and key.strip() == "metadata.name" and "!" not in key:
            value = value.strip()
            return value if value and "/" not in value and value not in (".", "..") else ""
    return ""


def attributes_for(user: UserInfo, method: str, path: str, query: Mapping[str, str]) -> RequestAttributes:
    parts = [part for part in path.strip("/").split("/")]
    if parts and parts[0] == "api" and len(parts) >= 3:
        group, version, rest = "", parts[1], parts[2:]
    elif parts and parts[0] == "apis" and len(parts) >= 4:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return RequestAttributes(user, method.lower(), False, path=path)
    verb = METHOD_VERBS.get(method.upper(), method.lower())
    if rest[0] == "watch":
        verb, rest = "watch", rest[1:]
        if not rest:
            return RequestAttributes(user, method.lower(), False, path=path)
    namespace = ""
    if rest[0] == "namespaces" and len(rest) > 1:
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
    resource = rest[0]
    name = rest[1] if len(rest) >= 2 else ""
    subresource = rest[2] if len(rest) >= 3 else ""
    if not name and verb == "get":
        verb = "watch" if query.get("watch") in TRUE_VALUES else "list"
    if not name and verb in ("list", "watch"):
        name = _name_from_selector(query.get("fieldSelector") or "")
    if not name and verb == "delete":
        verb = "deletecollection"
    if (resource, subresource) in CONNECT_SUBRESOURCES:
        verb = "create"
    return RequestAttributes(
        user,
        verb,
        True,
        namespace=namespace,
        api_group=group,
        api_version=version,
        resource=resource,
        subresource=subresource,
        name=name,
    )


def request_attributes(scope, user: UserInfo) -> RequestAttributes:
    """The attributes of an ASGI request (a WebSocket upgrade is a GET)."""
    from urllib.parse import parse_qsl

    method = "GET" if scope["type"] == "websocket" else scope.get("method", "GET")
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
    return attributes_for(user, method, scope["path"], query)
