"""An HTTP request's authorization attributes, parsed as kube-apiserver's RequestInfoFactory does.

/api/v1/namespaces/dev/pods/web/log   ──► get pods/log "web" in dev (group "")
/apis/apps/v1/deployments?watch=1     ──► watch deployments (all namespaces)
/api/v1/namespaces/dev                ──► get namespaces "dev" (namespace dev)
/healthz, /version, /apis             ──► non-resource: get /healthz
Parsing is syntactic: an unknown resource is still authorized (a user who may not see it gets 403,
one who may gets the 404).
"""

from __future__ import annotations

from urllib.parse import parse_qs

from apiserver.authentication.user import UserInfo
from apiserver.authorization.attributes import RequestAttributes

NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})
UPGRADE_SUBRESOURCES = frozenset({"exec", "attach", "portforward"})
TRUE = frozenset({"1", "true", "True"})
METHOD_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch", "GET": "get", "HEAD": "get", "DELETE": "delete"}


def request_attributes(scope, user: UserInfo) -> RequestAttributes:
    path = scope["path"]
    method = "GET" if scope["type"] == "websocket" else scope.get("method", "GET")
    parts = [p for p in path.strip("/").split("/") if p != ""]
    if len(parts) >= 2 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        rest = []
    if not rest:
        verb = "get" if method in ("GET", "HEAD") else method.lower()
        return RequestAttributes(user=user, verb=verb, resource_request=False, path=path)
    verb = METHOD_VERBS.get(method, method.lower())
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if rest[0] == "watch":  # the deprecated /watch/ paths
        verb, rest = "watch", rest[1:]
    namespace = ""
    if rest and rest[0] == "namespaces" and len(rest) > 1:
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
    resource = rest[0] if rest else ""
    name = rest[1] if len(rest) > 1 else ""
    subresource = rest[2] if len(rest) > 2 else ""
    if not name and verb == "get":
        verb = "watch" if query.get("watch", [""])[-1] in TRUE else "list"
    elif verb == "get" and query.get("watch", [""])[-1] in TRUE:
        verb = "watch"
    if not name and verb == "delete":
        verb = "deletecollection"
    if not name and verb in ("list", "watch"):
        for selector in query.get("fieldSelector", []):
            for term in selector.split(","):
                key, _, value = term.partition("=")
                if key == "metadata.name" and value and not value.startswith("="):
                    name = value
    if scope["type"] == "websocket" and subresource in UPGRADE_SUBRESOURCES:
        verb = "create"  # kube-apiserver 1.35 asks for create on pods/exec|attach|portforward upgrades
    return RequestAttributes(
        user=user,
        verb=verb,
        resource_request=True,
        namespace=namespace,
        api_group=group,
        api_version=version,
        resource=resource,
        subresource=subresource,
        name=name,
    )
