"""Request → authorization attributes, as kube-apiserver's RequestInfoFactory parses them."""

from __future__ import annotations

import pytest

from apiserver.authentication.user import ANONYMOUS
from apiserver.authorization.request_attributes import request_attributes


def _scope(method: str, path: str, query: str = "", kind: str = "http") -> dict:
    return {"type": kind, "method": method, "path": path, "query_string": query.encode()}


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("GET", "/api/v1/namespaces/dev/pods", "", ("list", "", "pods", "", "", "dev")),
        ("GET", "/api/v1/namespaces/dev/pods", "watch=true", ("watch", "", "pods", "", "", "dev")),
        ("GET", "/api/v1/namespaces/dev/pods/web", "", ("get", "", "pods", "", "web", "dev")),
        ("GET", "/api/v1/namespaces/dev/pods/web/log", "", ("get", "", "pods", "log", "web", "dev")),
        ("POST", "/apis/apps/v1/namespaces/dev/deployments", "", ("create", "apps", "deployments", "", "", "dev")),
        (
            "PATCH",
            "/apis/apps/v1/namespaces/dev/deployments/w/scale",
            "",
            ("patch", "apps", "deployments", "scale", "w", "dev"),
        ),
        ("DELETE", "/api/v1/namespaces/dev/pods", "", ("deletecollection", "", "pods", "", "", "dev")),
        ("DELETE", "/api/v1/nodes/n1", "", ("delete", "", "nodes", "", "n1", "")),
        ("GET", "/api/v1/namespaces/dev", "", ("get", "", "namespaces", "", "dev", "dev")),
        ("PUT", "/api/v1/namespaces/dev/finalize", "", ("update", "", "namespaces", "finalize", "dev", "dev")),
        ("GET", "/api/v1/pods", "fieldSelector=metadata.name%3Dweb", ("list", "", "pods", "", "web", "")),
        ("GET", "/api/v1/watch/namespaces/dev/pods", "", ("watch", "", "pods", "", "", "dev")),
    ],
)
def test_resource_requests(method, path, query, expected):
    attrs = request_attributes(_scope(method, path, query), ANONYMOUS)

    assert attrs.resource_request
    assert (attrs.verb, attrs.api_group, attrs.resource, attrs.subresource, attrs.name, attrs.namespace) == expected


@pytest.mark.parametrize("path", ["/healthz", "/version", "/api", "/apis", "/apis/apps", "/api/v1", "/openapi/v3"])
def test_discovery_and_health_paths_are_non_resource(path):
    attrs = request_attributes(_scope("GET", path), ANONYMOUS)

    assert not attrs.resource_request
    assert (attrs.verb, attrs.path) == ("get", path)


def test_streaming_upgrades_need_create():
    attrs = request_attributes(
        _scope("GET", "/api/v1/namespaces/dev/pods/web/exec", "command=sh", "websocket"), ANONYMOUS
    )

    assert (attrs.verb, attrs.resource, attrs.subresource) == ("create", "pods", "exec")
