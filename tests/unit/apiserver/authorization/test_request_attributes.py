"""Requests as authorization attributes, as upstream's RequestInfoFactory reads them."""

from __future__ import annotations

import pytest

from apiserver.authentication.user import ANONYMOUS
from apiserver.authorization.request_attributes import attributes_for


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("GET", "/api/v1/namespaces/dev/pods", {}, ("list", "", "pods", "", "dev", "")),
        ("GET", "/api/v1/namespaces/dev/pods", {"watch": "true"}, ("watch", "", "pods", "", "dev", "")),
        ("GET", "/api/v1/pods", {"fieldSelector": "metadata.name=web"}, ("list", "", "pods", "", "", "web")),
        ("GET", "/api/v1/pods", {"fieldSelector": "spec.nodeName=a"}, ("list", "", "pods", "", "", "")),
        ("GET", "/api/v1/watch/namespaces/dev/pods/web", {}, ("watch", "", "pods", "", "dev", "web")),
        ("GET", "/apis/apps/v1/namespaces/dev/deployments/web/scale", {},
         ("get", "apps", "deployments", "scale", "dev", "web")),
        ("POST", "/api/v1/namespaces/dev/pods", {}, ("create", "", "pods", "", "dev", "")),
        ("PUT", "/api/v1/namespaces/dev/pods/web/status", {}, ("update", "", "pods", "status", "dev", "web")),
        ("PATCH", "/api/v1/nodes/n1", {}, ("patch", "", "nodes", "", "", "n1")),
        ("DELETE", "/api/v1/namespaces/dev/configmaps", {}, ("deletecollection", "", "configmaps", "", "dev", "")),
        ("DELETE", "/api/v1/namespaces/dev", {}, ("delete", "", "namespaces", "", "dev", "dev")),
        ("PUT", "/api/v1/namespaces/dev/finalize", {}, ("update", "", "namespaces", "finalize", "dev", "dev")),
        ("GET", "/api/v1/namespaces/dev/pods/web/exec", {}, ("create", "", "pods", "exec", "dev", "web")),
        ("GET", "/api/v1/namespaces/dev/pods/web/log", {}, ("get", "", "pods", "log", "dev", "web")),
    ],
)  # fmt: skip
def test_resource_requests(method, path, query, expected):
    attrs = attributes_for(ANONYMOUS, method, path, query)
    assert attrs.resource_request
    assert (attrs.verb, attrs.api_group, attrs.resource, attrs.subresource, attrs.namespace, attrs.name) == expected


@pytest.mark.parametrize("path", ["/healthz", "/api", "/api/v1", "/apis/apps", "/apis/apps/v1", "/version", "/"])
def test_non_resource_requests(path):
    attrs = attributes_for(ANONYMOUS, "GET", path, {})
    assert (attrs.resource_request, attrs.verb, attrs.path) == (False, "get", path)
